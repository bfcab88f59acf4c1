//! Loads, stores, atomics, `cp.async` and address-space conversions, and
//! the memory a thread reaches: global (checked by the memory checker),
//! its block's shared memory, its own local frames and its parameters.

use super::executor::*;
use super::sanitize::{check, Kind, San};
use super::*;
use crate::exec::memory::AllocKind;

/// Executes one instruction of this family for the thread of `x`, whose
/// top frame is `depth`.
#[inline(always)]
pub(super) fn exec(x: &mut Executor, depth: usize, inst: &Inst) -> Result<Flow, Unlocated> {
    let Executor {
        dev,
        t,
        ids,
        executed,
        blk,
        peers,
        l,
        ..
    } = x;
    let executed = *executed;
    let fr = &mut t.frames[depth];
    macro_rules! v {
        ($s:expr) => {
            value(fr, ids, executed, $s)
        };
    }
    macro_rules! mem {
        ($strong:expr) => {
            thread_mem!(l, dev, blk, peers, t, inst.line, strong: $strong, hmm: l.hmm.clone())
        };
    }
    macro_rules! set {
        ($d:expr, $v:expr) => {{
            let d = $d;
            if d != SINK {
                fr.regs[d as usize] = $v;
            }
        }};
    }
    match &inst.op {
        Op::IsSpace { space, d, a } => {
            let w = crate::exec::memory::window(v!(*a));
            let r = match space {
                MemSpace::Shared => matches!(w, Window::Shared(_)),
                MemSpace::Local => matches!(w, Window::Local(_)),
                MemSpace::Param => matches!(w, Window::Param(_)),
                MemSpace::Global => matches!(w, Window::Global(_)),
                MemSpace::Const | MemSpace::Generic => false,
            };
            set!(*d, r as u64)
        }
        Op::Cvta { to, space, d, a } => {
            let x = v!(*a);
            let base = match space {
                MemSpace::Shared => crate::exec::memory::SHARED_WINDOW,
                MemSpace::Local => crate::exec::memory::LOCAL_WINDOW,
                MemSpace::Param => crate::exec::memory::PARAM_WINDOW,
                _ => 0,
            };
            set!(
                *d,
                if *to {
                    x.wrapping_sub(base)
                } else {
                    x.wrapping_add(base)
                }
            )
        }
        Op::Ld {
            space,
            ty,
            ds,
            addr,
            strong,
        } => {
            let base = eff_addr(fr, addr);
            let size = ty.size() as u64;
            let total = size * ds.len() as u64;
            let mut mem = mem!(*strong);
            let fr = &mut t.frames[depth];
            // At most 8 elements of 16 bytes.
            let mut buf = [0u8; 128];
            let Some(bytes) = buf.get_mut(..total as usize) else {
                return raw(FaultKind::Unsupported, "a load of more than 128 bytes");
            };
            mem.read(*space, base, bytes, &mut fr.params)?;
            for (k, d) in ds.iter().enumerate() {
                let raw_v = read_le(&bytes[k * size as usize..(k + 1) * size as usize]);
                if *d != SINK {
                    fr.regs[*d as usize] = extend(*ty, raw_v);
                }
            }
        }
        Op::St {
            space,
            ty,
            srcs,
            addr,
            strong,
        } => {
            let base = eff_addr(fr, addr);
            let size = ty.size() as usize;
            let elem = size.min(8);
            // Vector stores are at most 8 elements of 8 bytes: a stack buffer.
            let mut buf = [0u8; 64];
            let n = elem * srcs.len().min(8);
            for (k, s) in srcs.iter().take(8).enumerate() {
                buf[k * elem..(k + 1) * elem].copy_from_slice(&v!(*s).to_le_bytes()[..elem]);
            }
            let mut mem = mem!(*strong);
            let fr = &mut t.frames[depth];
            mem.write(*space, base, &buf[..n], &mut fr.params)?;
        }
        Op::Atom {
            space,
            op,
            ty,
            d,
            addr,
            b,
            c,
        } => {
            let base = eff_addr(fr, addr);
            let (bv, cv) = (v!(*b), c.map(|c| v!(c)));
            let size = ty.size() as u64;
            let mut mem = mem!(true);
            let fr = &mut t.frames[depth];
            let old = match mem.update(*space, base, size, &mut fr.params, |old| {
                atom(*op, *ty, old, bv, cv)
            }) {
                Ok(Some(old)) => old,
                Ok(None) => return raw(FaultKind::Unsupported, format!("atom.{op:?}.{ty:?}")),
                Err(e) => return Err(e),
            };
            if *d != SINK {
                fr.regs[*d as usize] = extend(*ty, old);
            }
        }
        Op::Mapa {
            generic,
            d,
            a,
            rank,
        } => {
            let (a, rank) = (v!(*a), v!(*rank));
            let size = 1 + peers.before.len() + peers.after.len();
            if rank >= size as u64 {
                return raw(
                    FaultKind::IllegalAddress,
                    format!("mapa to block rank {rank}, but the cluster has {size} block(s)"),
                );
            }
            let mapped = if *generic {
                match crate::exec::memory::window(a) {
                    Window::Shared(off) => {
                        crate::exec::memory::SHARED_WINDOW + cluster_address(off, rank)
                    }
                    _ => {
                        return raw(
                            FaultKind::IllegalAddress,
                            format!("mapa of {a:#x}, which is no shared-memory address"),
                        )
                    }
                }
            } else {
                cluster_address(a, rank)
            };
            set!(*d, mapped)
        }
        Op::GetCtaRank { generic, d, a } => {
            let a = v!(*a);
            let off = match (*generic, crate::exec::memory::window(a)) {
                (false, _) => a,
                (true, Window::Shared(off)) => off,
                (true, _) => {
                    return raw(
                        FaultKind::IllegalAddress,
                        format!("getctarank of {a:#x}, which is no shared-memory address"),
                    )
                }
            };
            let tag = off >> CLUSTER_SHIFT;
            set!(
                *d,
                if tag == 0 {
                    peers.before.len() as u64
                } else {
                    tag - 1
                }
            )
        }
        Op::CpAsync {
            dst,
            src,
            size,
            src_size,
        } => {
            let db = eff_addr(fr, dst);
            let sb = eff_addr(fr, src);
            let n = src_size
                .map(|s| v!(s).min(*size as u64))
                .unwrap_or(*size as u64);
            // cp.async copies 4, 8 or 16 bytes.
            let mut buf = [0u8; 16];
            let n = n.min(16);
            if let Some(s) = &mut mem!(false).san {
                use super::sanitize::{check, Kind};
                check(s, MemSpace::Global, sb, n, Kind::Read)?;
                check(s, MemSpace::Shared, db, *size as u64, Kind::Write)?;
            }
            let data = &mut buf[..n as usize];
            let read = match &mut dev.global {
                Global::Exclusive(g) => g.slice(sb, n).map(|b| data.copy_from_slice(b)),
                Global::Shared { view, .. } => view.read(sb, data).map(|_| ()),
            };
            if let Err(e) = read {
                return Err(access(e, "cp.async load"));
            }
            let r = match flat_range(
                blk.shared.len(),
                db,
                *size as u64,
                "shared memory of the block",
            ) {
                Ok(r) => r,
                Err(e) => return Err(access(e, "cp.async store")),
            };
            let dstb = &mut blk.shared[r];
            dstb.fill(0);
            dstb[..data.len()].copy_from_slice(data);
        }
        _ => {
            return raw(
                FaultKind::Unsupported,
                format!("internal error: {:?} is not a memory instruction", inst.op),
            )
        }
    }
    Ok(Flow::Next)
}

/// The memory a thread can touch.
pub(super) struct Mem<'a, 'g> {
    pub global: &'a mut Global<'g>,
    pub shared: &'a mut Vec<u8>,
    /// The shared memory of the other blocks of the cluster.
    pub peers: Peers<'a>,
    /// Who accesses, for the sanitizer tools (when one is on).
    pub san: Option<San<'a>>,
    /// With HMM on, the device memory range (see `Launch::hmm`).
    pub hmm: Option<std::ops::Range<u64>>,
    pub local: &'a mut Vec<u8>,
    pub local_top: u32,
}

impl Mem<'_, '_> {
    /// The shared memory a `.shared::cluster` address (see [`cluster_address`])
    /// lies in, and its offset there: the block's own for a `.shared::cta`
    /// address or one of its own rank.
    fn shared_of(&mut self, addr: u64) -> Result<(&mut Vec<u8>, u64), AccessError> {
        let (tag, off) = (addr >> CLUSTER_SHIFT, addr & CTA_OFFSET_MASK);
        let own = self.peers.before.len() as u64;
        if tag == 0 || tag - 1 == own {
            return Ok((&mut *self.shared, if tag == 0 { addr } else { off }));
        }
        let rank = tag - 1;
        let size = own + 1 + self.peers.after.len() as u64;
        let peer = if rank < own {
            self.peers.before.get_mut(rank as usize)
        } else {
            self.peers.after.get_mut((rank - own - 1) as usize)
        };
        match peer {
            Some(b) => Ok((&mut b.shared, off)),
            None => Err(AccessError::Illegal {
                addr,
                size: 0,
                detail: format!(
                    "a .shared::cluster address of block rank {rank}, but the cluster has {size} \
                     block(s)"
                ),
            }),
        }
    }
}

/// Where the rank of a `.shared::cluster` address starts: the address of
/// offset `o` in the shared memory of the block of rank `r` is
/// `(r + 1) << CLUSTER_SHIFT | o`; a `.shared::cta` address (tag 0) is the
/// block's own. Shared memory is far smaller than 2^24 bytes per block.
pub(super) const CLUSTER_SHIFT: u32 = 24;
pub(super) const CTA_OFFSET_MASK: u64 = (1 << CLUSTER_SHIFT) - 1;

/// `mapa`: the `.shared::cluster` address of a `.shared::cta` address in
/// the block of rank `rank`.
pub(super) fn cluster_address(cta: u64, rank: u64) -> u64 {
    ((rank + 1) << CLUSTER_SHIFT) | (cta & CTA_OFFSET_MASK)
}

/// A checked place in memory.
pub(super) enum Place<'b> {
    Bytes(&'b mut [u8]),
    /// An address of global memory shared between OS threads.
    Shared(u64),
}

impl Mem<'_, '_> {
    /// Loads `out.len()` bytes.
    pub(super) fn read(
        &mut self,
        space: MemSpace,
        addr: u64,
        out: &mut [u8],
        frame_params: &mut [u8],
    ) -> Result<(), Unlocated> {
        if let Some(s) = &mut self.san {
            let kind = if s.strong {
                Kind::StrongRead
            } else {
                Kind::Read
            };
            check(s, space, addr, out.len() as u64, kind)?;
        }
        let r = match self.place(space, addr, out.len() as u64, false, frame_params) {
            Ok(Place::Bytes(b)) => {
                out.copy_from_slice(b);
                Ok(())
            }
            Ok(Place::Shared(a)) => self.shared_access(|v| v.read(a, out), "load"),
            Err(e) => Err(e),
        };
        // Only a miss asks whether HMM serves the address.
        match (r, self.hmm.is_some()) {
            (Err(e), true) => match self.hmm_host(space, addr) {
                Some(h) if crate::exec::hmm::read(h, out) => Ok(()),
                _ => Err(e),
            },
            (r, _) => r,
        }
    }

    /// Stores `data`.
    pub(super) fn write(
        &mut self,
        space: MemSpace,
        addr: u64,
        data: &[u8],
        frame_params: &mut [u8],
    ) -> Result<(), Unlocated> {
        if let Some(s) = &mut self.san {
            let kind = if s.strong {
                Kind::StrongWrite
            } else {
                Kind::Write
            };
            check(s, space, addr, data.len() as u64, kind)?;
        }
        let r = match self.place(space, addr, data.len() as u64, true, frame_params) {
            Ok(Place::Bytes(b)) => {
                b.copy_from_slice(data);
                Ok(())
            }
            Ok(Place::Shared(a)) => self.shared_access(|v| v.write(a, data), "store"),
            Err(e) => Err(e),
        };
        match (r, self.hmm.is_some()) {
            (Err(e), true) => match self.hmm_host(space, addr) {
                Some(h) if crate::exec::hmm::write(h, data) => Ok(()),
                _ => Err(e),
            },
            (r, _) => r,
        }
    }

    /// Reads, combines and writes `size` bytes in one step (an atomic):
    /// the old value, or `None` when `f` has no result.
    pub(super) fn update(
        &mut self,
        space: MemSpace,
        addr: u64,
        size: u64,
        frame_params: &mut [u8],
        f: impl FnOnce(u64) -> Option<u64>,
    ) -> Result<Option<u64>, Unlocated> {
        if let Some(s) = &mut self.san {
            check(s, space, addr, size, Kind::Atomic)?;
        }
        let hmm = self.hmm.is_some();
        let place = match self.place(space, addr, size, true, frame_params) {
            Ok(p) => p,
            Err(e) if !hmm => return Err(e),
            // An atomic on host memory through HMM (launches with global
            // atomics run on one OS thread: no other device thread races).
            Err(e) => {
                let Some(h) = self.hmm_host(space, addr) else {
                    return Err(e);
                };
                let mut b = [0u8; 8];
                let b = &mut b[..size as usize];
                if !crate::exec::hmm::read(h, b) {
                    return Err(e);
                }
                let old = read_le(b);
                let Some(new) = f(old) else { return Ok(None) };
                if !crate::exec::hmm::write(h, &new.to_le_bytes()[..size as usize]) {
                    return Err(e);
                }
                return Ok(Some(old));
            }
        };
        match place {
            Place::Bytes(b) => {
                let old = read_le(b);
                let Some(new) = f(old) else { return Ok(None) };
                b.copy_from_slice(&new.to_le_bytes()[..size as usize]);
                Ok(Some(old))
            }
            // Launches with global atomics never share memory between OS threads.
            Place::Shared(_) => raw(
                FaultKind::Unsupported,
                "internal error: a global atomic in a launch whose blocks run independently",
            ),
        }
    }

    /// A load or store through the shared view, keeping its warning.
    pub(super) fn shared_access(
        &mut self,
        f: impl FnOnce(&SharedGlobal) -> Result<crate::exec::memory::TailWarning, AccessError>,
        what: &str,
    ) -> Result<(), Unlocated> {
        let Global::Shared { view, warnings } = &mut *self.global else {
            return raw(FaultKind::Unsupported, "internal error: no shared view");
        };
        if let Some(w) = f(view).map_err(|e| access(e, what))? {
            if !warnings.iter().any(|(b, _)| *b == w.0) {
                warnings.push(w);
            }
        }
        Ok(())
    }

    /// With HMM on, the host address a global access at `addr` goes to when
    /// no device memory holds it: any address outside the emulator's own
    /// windows and device range.
    fn hmm_host(&self, space: MemSpace, addr: u64) -> Option<u64> {
        let range = self.hmm.as_ref()?;
        let a = match (space, crate::exec::memory::window(addr)) {
            (MemSpace::Global | MemSpace::Generic, Window::Global(a)) => a,
            _ => return None,
        };
        (!range.contains(&a)).then_some(a)
    }

    /// Resolves a space + address to a checked place.
    pub(super) fn place<'b>(
        &'b mut self,
        space: MemSpace,
        addr: u64,
        size: u64,
        write: bool,
        frame_params: &'b mut [u8],
    ) -> Result<Place<'b>, Unlocated> {
        let what = if write { "store" } else { "load" };
        check_alignment(addr, size).map_err(|e| access(e, what))?;
        let (space, addr) = match space {
            MemSpace::Generic => match crate::exec::memory::window(addr) {
                Window::Global(a) => (MemSpace::Global, a),
                Window::Shared(a) => (MemSpace::Shared, a),
                Window::Local(a) => (MemSpace::Local, a),
                Window::Param(_) => {
                    return raw(
                        FaultKind::Unsupported,
                        format!(
                        "generic {what} at {addr:#x} in kernel parameter space is not implemented"
                    ),
                    )
                }
            },
            s => (s, addr),
        };
        match space {
            MemSpace::Global | MemSpace::Const => match self.global {
                Global::Exclusive(g) => g
                    .slice_mut(addr, size, write)
                    .map(Place::Bytes)
                    .map_err(|e| access(e, what)),
                Global::Shared { .. } => Ok(Place::Shared(addr)),
            },
            MemSpace::Shared => {
                let (buf, off) = self.shared_of(addr).map_err(|e| access(e, what))?;
                let r = flat_range(buf.len(), off, size, "shared memory of the block")
                    .map_err(|e| access(e, what))?;
                Ok(Place::Bytes(&mut buf[r]))
            }
            MemSpace::Local => {
                let r = flat_range(
                    self.local_top as usize,
                    addr,
                    size,
                    "local memory of the thread's live frames",
                )
                .map_err(|e| access(e, what))?;
                Ok(Place::Bytes(&mut self.local[r]))
            }
            MemSpace::Param => {
                let r = flat_range(frame_params.len(), addr, size, "parameter space")
                    .map_err(|e| access(e, what))?;
                Ok(Place::Bytes(&mut frame_params[r]))
            }
            MemSpace::Generic => unreachable!("resolved above"),
        }
    }
}

pub(super) fn access(e: AccessError, what: &str) -> Unlocated {
    match e {
        AccessError::Illegal { addr, size, detail } => Unlocated {
            kind: FaultKind::IllegalAddress,
            msg: format!("{what} of {size} bytes at {addr:#x}: {detail}"),
        },
        AccessError::Misaligned { addr, size } => Unlocated {
            kind: FaultKind::Misaligned,
            msg: format!("{what} of {size} bytes at {addr:#x} is not {size}-byte aligned"),
        },
        // A tool finding, not a GPU error: the launch stops here so that the
        // report names the instruction and thread.
        AccessError::Uninitialized {
            addr,
            size,
            bytes,
            base,
            alloc_size,
            kind,
        } => Unlocated {
            kind: FaultKind::LaunchFailed,
            msg: format!(
                "initcheck: {what} of {size} bytes at {addr:#x} reads {bytes} uninitialized byte(s) of the \
                 {alloc_size}-byte {} allocation at {base:#x} (nothing wrote them: no host copy, memset or device store)",
                match kind {
                    AllocKind::Heap => "device-malloc",
                    _ => "cuMemAlloc",
                }
            ),
        },
    }
}

/// Executes a load or store of global or shared memory for every lane of a
/// converged warp, lane by lane in lane order (the state spaces that are
/// per thread run lane by lane). A fault names the position of its lane.
pub(super) fn exec_warp(
    inst: &Inst,
    lanes: &mut [&mut Frame],
    global: &mut Global,
    shared: &mut Vec<u8>,
    peers: &mut Peers,
    hmm: &Option<std::ops::Range<u64>>,
) -> Result<WarpStep, (usize, Unlocated)> {
    let g = inst.guard;
    let mut local = Vec::new();
    let mut mem = Mem {
        global,
        shared,
        peers: peers.reborrow(),
        san: None,
        hmm: hmm.clone(),
        local: &mut local,
        local_top: 0,
    };
    let warp_space = |s: MemSpace| matches!(s, MemSpace::Global | MemSpace::Shared);
    match &inst.op {
        Op::Ld {
            space,
            ty,
            ds,
            addr,
            ..
        } if warp_space(*space)
            && !matches!(addr.base, AddrBase::Local(_) | AddrBase::Param(_)) =>
        {
            let size = ty.size() as usize;
            let total = size * ds.len();
            if total > 128 {
                return Ok(WarpStep::Fallback);
            }
            // The shared-memory tile load of a tiled kernel (an unguarded
            // 4-byte load at a register plus an offset): the lanes that are
            // aligned and inside; the first that is not goes the checked way.
            let mut start = 0;
            if let (MemSpace::Shared, AddrBase::R(r), [d0], 4, None) =
                (*space, addr.base, ds.as_slice(), size, g)
            {
                if *d0 != SINK && !ty.is_signed() {
                    let (d0, off, sh) = (*d0 as usize, addr.off as u64, &**mem.shared);
                    for fr in lanes.iter_mut() {
                        let at = fr.regs[r as usize].wrapping_add(off);
                        let word = at
                            .is_multiple_of(4)
                            .then(|| sh.get(at as usize..(at as usize).checked_add(4)?))
                            .flatten()
                            .and_then(|w| <[u8; 4]>::try_from(w).ok());
                        let Some(word) = word else { break };
                        fr.regs[d0] = u32::from_le_bytes(word) as u64;
                        start += 1;
                    }
                }
            }
            for (k, fr) in lanes.iter_mut().enumerate().skip(start) {
                if !guard_passes(fr, g) {
                    continue;
                }
                let at = eff_addr(fr, addr);
                // A scalar load of 8 bytes or less, aligned, inside shared memory.
                if *space == MemSpace::Shared && ds.len() == 1 && size <= 8 {
                    if let Some(r) = aligned_range(mem.shared, at, size) {
                        let x = read_le(&mem.shared[r]);
                        lane_set(fr, ds[0], extend(*ty, x));
                        continue;
                    }
                }
                let mut buf = [0u8; 128];
                let bytes = &mut buf[..total];
                mem.read(*space, at, bytes, &mut []).map_err(|e| (k, e))?;
                for (j, d) in ds.iter().enumerate() {
                    let raw_v = read_le(&bytes[j * size..(j + 1) * size]);
                    lane_set(fr, *d, extend(*ty, raw_v));
                }
            }
            Ok(WarpStep::Next)
        }
        Op::St {
            space,
            ty,
            srcs,
            addr,
            ..
        } if warp_space(*space)
            && !matches!(addr.base, AddrBase::Local(_) | AddrBase::Param(_))
            && srcs.iter().all(|s| plain(*s))
            && srcs.len() <= 8 =>
        {
            let elem = (ty.size() as usize).min(8);
            let n = elem * srcs.len();
            for (k, fr) in lanes.iter_mut().enumerate() {
                if !guard_passes(fr, g) {
                    continue;
                }
                let at = eff_addr(fr, addr);
                if *space == MemSpace::Shared && srcs.len() == 1 && elem <= 8 {
                    if let Some(r) = aligned_range(mem.shared, at, elem) {
                        let x = lane_value(fr, srcs[0]).to_le_bytes();
                        mem.shared[r].copy_from_slice(&x[..elem]);
                        continue;
                    }
                }
                let mut buf = [0u8; 64];
                for (j, s) in srcs.iter().enumerate() {
                    buf[j * elem..(j + 1) * elem]
                        .copy_from_slice(&lane_value(fr, *s).to_le_bytes()[..elem]);
                }
                mem.write(*space, at, &buf[..n], &mut [])
                    .map_err(|e| (k, e))?;
            }
            Ok(WarpStep::Next)
        }
        _ => Ok(WarpStep::Fallback),
    }
}

/// `[at, at + size)` of a flat buffer when it lies inside and is aligned
/// (anything else takes the checked path, which names the fault).
#[inline(always)]
fn aligned_range(buf: &[u8], at: u64, size: usize) -> Option<std::ops::Range<usize>> {
    (at.is_multiple_of(size as u64) && at.checked_add(size as u64)? <= buf.len() as u64)
        .then(|| at as usize..at as usize + size)
}
