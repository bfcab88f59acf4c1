//! Branches, calls and returns, `exit`, `trap`, and the functions the
//! runtime provides to device code (`vprintf`, `malloc`, `free`,
//! `__assertfail`).

use super::executor::*;
use super::*;

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
        l,
        peers,
        ..
    } = x;
    let m = l.m;
    let executed = *executed;
    let fr = &mut t.frames[depth];
    macro_rules! v {
        ($s:expr) => {
            value(fr, ids, executed, $s)
        };
    }
    // The memory this thread can reach (borrowed apart from its frames).
    macro_rules! mem {
        () => {
            Mem {
                global: &mut dev.global,
                shared: &mut blk.shared,
                peers: peers.reborrow(),
                san: None,
                hmm: l.hmm.clone(),
                local: &mut t.local,
                local_top: t.local_top,
            }
        };
    }
    match &inst.op {
        Op::Bra { target } => fr.pc = *target,
        Op::BrxIdx { idx, targets } => {
            let k = v!(*idx) as u32 as usize;
            match targets.get(k) {
                Some(&tgt) => fr.pc = tgt,
                None => {
                    return raw(
                        FaultKind::IllegalInstruction,
                        format!(
                            "brx.idx index {k} is outside its {}-entry table",
                            targets.len()
                        ),
                    )
                }
            }
        }
        Op::Call { target, args, rets } => {
            let callee = match target {
                CallTarget::Direct(f) => *f,
                CallTarget::Indirect(s) => {
                    let a = v!(*s);
                    let idx = a.wrapping_sub(m.first_code_address) / 16;
                    match a
                        .wrapping_sub(m.first_code_address)
                        .is_multiple_of(16)
                        .then(|| m.call_index.get(idx as usize))
                        .flatten()
                    {
                        Some(&g) => g,
                        None => {
                            return raw(
                                FaultKind::InvalidPc,
                                format!(
                                    "indirect call to {a:#x}, which is no function of this module"
                                ),
                            )
                        }
                    }
                }
            };
            let g = &m.funcs[callee as usize];
            if let Some(b) = g.builtin {
                let argv: Vec<u64> = args
                    .iter()
                    .map(|&(off, size)| read_le(&fr.params[off as usize..(off + size) as usize]))
                    .collect();
                let mut mem = mem!();
                {
                    let ret = builtin(b, &argv, &mut mem, &mut dev.printf)?;
                    let fr = &mut t.frames[depth];
                    if let Some(&(off, size)) = rets.first() {
                        let bytes = ret.to_le_bytes();
                        fr.params[off as usize..(off + size) as usize]
                            .copy_from_slice(&bytes[..size as usize]);
                    }
                }
                return Ok(Flow::Next);
            }
            if depth + 1 >= 1024 {
                return raw(
                    FaultKind::IllegalAddress,
                    "call stack overflow (1024 frames): unbounded recursion?",
                );
            }
            let mut params = vec![0u8; g.param_size as usize];
            for (k, &(off, size)) in args.iter().enumerate() {
                let Some(slot) = g.params.get(k) else {
                    break;
                };
                let n = size.min(slot.size) as usize;
                params[slot.offset as usize..slot.offset as usize + n]
                    .copy_from_slice(&fr.params[off as usize..off as usize + n]);
            }
            let pending: Vec<(u32, u32, u32)> = rets
                .iter()
                .zip(&g.returns)
                .map(|(&(off, size), slot)| (slot.offset, off, size.min(slot.size)))
                .collect();
            fr.pending_rets = pending;
            let base = t.local_top;
            let top = base as usize + g.local_size as usize;
            if top > l.local_limit as usize {
                return raw(
                    FaultKind::IllegalAddress,
                    format!(
                        "stack overflow: calling `{}` needs {top} bytes of local memory per \
                         thread, past the {} bytes this launch has (the deepest call path \
                         without recursion, or CU_LIMIT_STACK_SIZE when that is more: raise \
                         it with cuCtxSetLimit, or bound the recursion)",
                        g.name, l.local_limit
                    ),
                );
            }
            if t.local.len() < top {
                t.local.resize(top, 0);
            }
            t.local_top = top as u32;
            t.frames.push(Frame {
                func: callee,
                pc: 0,
                regs: vec![0; g.nregs as usize],
                params,
                local_base: base,
                pending_rets: Vec::new(),
            });
        }
        Op::Ret => {
            if do_ret(t) {
                return Ok(Flow::Stop(Stop::Exited));
            }
        }
        Op::Exit => {
            t.state = State::Done;
            return Ok(Flow::Stop(Stop::Exited));
        }
        Op::Trap => return raw(FaultKind::IllegalInstruction, "trap"),
        Op::Brkpt => return raw(FaultKind::IllegalInstruction, "brkpt"),
        Op::Nop => {}
        // racecheck: the thread's earlier writes are published.
        Op::Fence => {
            if let Some(s) = &mut blk.san {
                s.fence(t.lin);
            }
            if let Some(g) = &mut dev.race {
                g.fence(blk.lin, t.lin);
            }
        }
        Op::Unsupported(text) => {
            return raw(
                FaultKind::Unsupported,
                format!("unsupported PTX instruction `{text}` at line {}", inst.line),
            )
        }
        _ => {
            return raw(
                FaultKind::Unsupported,
                format!("internal error: {:?} is not a control instruction", inst.op),
            )
        }
    }
    Ok(Flow::Next)
}

/// Returns from the top frame; true when the thread has exited.
pub(super) fn do_ret(t: &mut Thread) -> bool {
    let callee = t.frames.pop().expect("a frame");
    t.local_top = callee.local_base;
    match t.frames.last_mut() {
        None => {
            t.state = State::Done;
            true
        }
        Some(caller) => {
            for (from, to, size) in std::mem::take(&mut caller.pending_rets) {
                let src = &callee.params[from as usize..(from + size) as usize];
                caller.params[to as usize..(to + size) as usize].copy_from_slice(src);
            }
            false
        }
    }
}

/// The device heap limit (CUDA's default `cudaLimitMallocHeapSize`).
pub(super) const HEAP_LIMIT: u64 = 8 * 1024 * 1024;

pub(super) fn builtin(
    b: Builtin,
    argv: &[u64],
    mem: &mut Mem,
    printf: &mut Vec<u8>,
) -> Result<u64, Unlocated> {
    let arg = |k: usize| argv.get(k).copied().unwrap_or(0);
    match b {
        Builtin::Malloc => {
            let size = arg(0);
            if size == 0 || size > HEAP_LIMIT {
                return Ok(0);
            }
            Ok(exclusive(mem)?.alloc(size, AllocKind::Heap))
        }
        Builtin::Free => {
            let p = arg(0);
            if p == 0 || exclusive(mem)?.free(p, Some(AllocKind::Heap)) {
                Ok(0)
            } else {
                raw(
                    FaultKind::IllegalAddress,
                    format!(
                        "free({p:#x}): not a pointer that device malloc returned (or freed twice)"
                    ),
                )
            }
        }
        Builtin::Vprintf => {
            let fmt = read_cstr(mem, arg(0)).map_err(|e| Unlocated {
                kind: e.kind,
                msg: format!("printf format string: {}", e.msg),
            })?;
            let base = arg(1);
            let cell = std::cell::RefCell::new(mem);
            let mut args = |off: u64, size: u64| -> Option<u64> {
                let mut m = cell.borrow_mut();
                let mut buf = [0u8; 8];
                let out = buf.get_mut(..size as usize)?;
                m.read(MemSpace::Generic, base.wrapping_add(off), out, &mut [])
                    .ok()?;
                Some(read_le(out))
            };
            let mut string =
                |addr: u64| -> Option<Vec<u8>> { read_cstr(&mut cell.borrow_mut(), addr).ok() };
            match crate::exec::printf::format(&fmt, &mut args, &mut string) {
                Ok(out) => {
                    printf.extend_from_slice(&out);
                    Ok(out.len() as u64)
                }
                Err(e) => raw(FaultKind::IllegalAddress, format!("device printf: {e}")),
            }
        }
        Builtin::AssertFail => {
            let msg = read_cstr(mem, arg(0)).unwrap_or_default();
            let file = read_cstr(mem, arg(1)).unwrap_or_default();
            raw(
                FaultKind::Assert,
                format!(
                    "device assertion `{}` failed ({}:{})",
                    String::from_utf8_lossy(&msg),
                    String::from_utf8_lossy(&file),
                    arg(2) as u32
                ),
            )
        }
    }
}

/// Device memory allocation needs the context's memory to itself.
pub(super) fn exclusive<'m>(mem: &'m mut Mem) -> Result<&'m mut GlobalMemory, Unlocated> {
    match mem.global {
        Global::Exclusive(g) => Ok(g),
        Global::Shared { .. } => raw(
            FaultKind::Unsupported,
            "internal error: device malloc in a launch whose blocks run independently",
        ),
    }
}

pub(super) fn read_cstr(mem: &mut Mem, addr: u64) -> Result<Vec<u8>, Unlocated> {
    let mut out = Vec::new();
    for k in 0..(1 << 16) {
        let mut b = [0u8];
        mem.read(MemSpace::Generic, addr.wrapping_add(k), &mut b, &mut [])?;
        let b = b[0];
        if b == 0 {
            return Ok(out);
        }
        out.push(b);
    }
    raw(
        FaultKind::IllegalAddress,
        format!("string at {addr:#x} has no NUL in 64 KiB"),
    )
}

/// Executes a branch (or a no-op) for every lane of a converged warp:
/// lanes that agree stay together, lanes that disagree diverge.
pub(super) fn exec_warp(inst: &Inst, lanes: &mut [&mut Frame], pc: u32) -> WarpStep {
    match &inst.op {
        Op::Nop => WarpStep::Next,
        Op::Bra { target } => {
            let taken = lanes
                .iter()
                .filter(|fr| guard_passes(fr, inst.guard))
                .count();
            if taken == lanes.len() {
                WarpStep::Jump(*target)
            } else if taken == 0 {
                WarpStep::Next
            } else {
                for fr in lanes.iter_mut() {
                    fr.pc = if guard_passes(fr, inst.guard) {
                        *target
                    } else {
                        pc + 1
                    };
                }
                WarpStep::Diverged
            }
        }
        _ => WarpStep::Fallback,
    }
}
