//! The sanitizer tools beyond memcheck: racecheck, initcheck for shared
//! memory (global memory's is in `exec::memory`), and the access half of
//! synccheck. Every load, store and atomic a thread makes while a tool is
//! on passes through [`check`], with who made it; barriers and warp
//! collectives move the epochs that order accesses.
//!
//! **racecheck.** Each byte of a block's shared memory remembers its last
//! plain (weak) write and its reads since, each as (thread, PTX line,
//! block barrier epoch, warp epoch). Two accesses of different threads,
//! one a write, conflict unless something orders them:
//! - a barrier of the block completed between them (the block's epoch
//!   moved; `bar.sync`/`barrier.sync`, an `mbarrier` phase, a cluster
//!   barrier);
//! - they are in one warp and a warp collective completed between them
//!   (`bar.warp.sync`, `shfl.sync`, `vote.sync`, …), or they are the same
//!   instruction of one warp between two such (the lanes of one SIMT
//!   instruction).
//!
//! Global memory is tracked within one launch the same way, and between
//! blocks (beyond compute-sanitizer, which has no global racecheck): an
//! access of another block conflicts unless the earlier thread has since
//! fenced or released (`membar`/`fence`, an atomic or a strong store,
//! which publish its accesses: the message-passing, lock and grid-sync
//! patterns). The same holds in shared memory. A relaxed atomic publishes
//! nothing in the PTX memory model, but racecheck takes any atomic as a
//! release: it misses a bug that relies on one, and reports no false
//! hazard in lock-based code.
//! Atomics and strong (`.volatile/.relaxed/.acquire/.release`) accesses
//! synchronize and are not data accesses here: they never conflict.
//!
//! A finding stops the launch with `CUDA_ERROR_LAUNCH_FAILED` and a report
//! naming the tool, both accesses and the threads; the location of the
//! second access is added by the caller.

use std::collections::HashMap;

use super::*;

/// The tools a launch runs with (memcheck is always on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tools {
    pub race: bool,
    pub init: bool,
    pub sync: bool,
}

impl Tools {
    pub fn any(self) -> bool {
        self.race || self.init || self.sync
    }
}

/// One access, as racecheck remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Acc {
    /// The thread's linear index in its block; `NONE` for no access.
    thread: u32,
    line: u32,
    /// The block's barrier epoch and the thread's warp's epoch.
    epoch: u32,
    wepoch: u32,
    /// The thread's fences (and releases) before the access.
    fences: u32,
}

const NONE: u32 = u32::MAX;
const NO_ACC: Acc = Acc {
    thread: NONE,
    line: 0,
    epoch: 0,
    wepoch: 0,
    fences: 0,
};

/// A byte's last write and reads since, in shared memory: the first
/// reader since the last barrier, and the latest other one.
#[derive(Clone, Copy, Debug)]
struct Byte {
    write: Acc,
    read: Acc,
    read2: Acc,
}

const FRESH: Byte = Byte {
    write: NO_ACC,
    read: NO_ACC,
    read2: NO_ACC,
};

/// A block's sanitizer state.
pub(super) struct BlockSan {
    /// Barriers the block completed.
    pub epoch: u32,
    /// Warp collectives each warp completed.
    pub warp_epoch: Vec<u32>,
    /// racecheck: per byte of shared memory.
    race: Vec<Byte>,
    /// initcheck: per byte of shared memory, whether anything wrote it.
    init: Vec<bool>,
    /// racecheck: fences and releases per thread.
    fences: Vec<u32>,
}

impl BlockSan {
    pub fn new(tools: Tools, shared: usize, threads: u32) -> Self {
        BlockSan {
            epoch: 0,
            warp_epoch: vec![0; threads.div_ceil(32) as usize],
            race: if tools.race {
                vec![FRESH; shared]
            } else {
                Vec::new()
            },
            init: if tools.init {
                vec![false; shared]
            } else {
                Vec::new()
            },
            fences: vec![0; threads as usize],
        }
    }

    /// A thread fenced, or released (an atomic, a strong store): its
    /// earlier accesses are published.
    pub fn fence(&mut self, thread: u32) {
        if let Some(f) = self.fences.get_mut(thread as usize) {
            *f += 1;
        }
    }

    fn fences_of(&self, thread: u32) -> u32 {
        self.fences.get(thread as usize).copied().unwrap_or(0)
    }

    /// initcheck: bytes the block wrote without a store (`cp.async`).
    pub fn mark_written(&mut self, off: u64, len: u64) {
        if let Some(b) = self.init.get_mut(off as usize..(off + len) as usize) {
            b.fill(true);
        }
    }
}

/// One global byte's accesses: the block's linear index, and the fences
/// the thread had made when it accessed it.
#[derive(Clone, Copy, Debug)]
struct GAcc {
    block: u64,
    acc: Acc,
    fences: u32,
}

/// Global bytes per page of racecheck's record.
const PAGE: u64 = 4096;
/// No access (an index into `GlobalRace::events`).
const NO_EVENT: u32 = u32::MAX;

/// One global byte's last write and latest read, as indices into
/// `GlobalRace::events` (one event per access, shared by its bytes: 8
/// bytes of record per byte of memory touched).
#[derive(Clone, Copy, Debug)]
struct GByte {
    write: u32,
    read: u32,
}

const G_FRESH: GByte = GByte {
    write: NO_EVENT,
    read: NO_EVENT,
};

/// racecheck's state for global memory, for one launch.
#[derive(Default)]
pub(super) struct GlobalRace {
    /// Per page of global memory touched, per byte.
    pages: HashMap<u64, Box<[GByte]>>,
    /// The accesses the pages point at.
    events: Vec<GAcc>,
    /// Fences per (block, thread).
    fences: HashMap<(u64, u32), u32>,
}

impl GlobalRace {
    /// A thread fenced: its earlier accesses are published.
    pub fn fence(&mut self, block: u64, thread: u32) {
        *self.fences.entry((block, thread)).or_insert(0) += 1;
    }

    fn fences_of(&self, block: u64, thread: u32) -> u32 {
        self.fences.get(&(block, thread)).copied().unwrap_or(0)
    }

    /// Whether `p` is ordered before `mine`: the same thread; its thread
    /// fenced since; or, in the same block, a barrier or (in one warp) a
    /// warp synchronization between, or the same SIMT instruction.
    fn ordered(&self, p: &GAcc, mine: &GAcc) -> bool {
        let fenced = self.fences_of(p.block, p.acc.thread) > p.fences;
        if p.block != mine.block {
            return fenced;
        }
        ordered_in_block(p.acc, mine.acc, fenced)
    }
}

/// Who makes an access, and the state the tools check it against.
pub(super) struct San<'a> {
    pub tools: Tools,
    pub thread: u32,
    pub block: u64,
    pub block_dims: [u32; 3],
    pub line: u32,
    /// synccheck: the thread's mark (an aligned barrier lanes of its warp
    /// wait at while it runs on).
    pub mark: &'a mut SyncMark,
    /// A strong access (`.volatile/.relaxed/.acquire/.release`, and atomics).
    pub strong: bool,
    pub blk: &'a mut BlockSan,
    pub global: Option<&'a mut GlobalRace>,
    /// The module's debug lines, to name the first access's source line.
    pub debug: &'a crate::ptx::ast::DebugLines,
}

/// What an access does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Read,
    Write,
    /// An atomic: reads and writes, and synchronizes.
    Atomic,
    /// A strong (`.volatile/.relaxed/.acquire/.release`) load or store.
    StrongRead,
    StrongWrite,
}

fn finding(msg: String) -> Unlocated {
    Unlocated {
        kind: FaultKind::LaunchFailed,
        msg,
    }
}

fn tid(dims: [u32; 3], lin: u32) -> [u32; 3] {
    [
        lin % dims[0],
        lin / dims[0] % dims[1],
        lin / (dims[0] * dims[1]),
    ]
}

/// Checks one access of `len` bytes at `addr` in `space` (resolved as the
/// memory checker resolves it; local and parameter memory are the
/// thread's own and not checked).
pub(super) fn check(
    san: &mut San,
    space: MemSpace,
    addr: u64,
    len: u64,
    kind: Kind,
) -> Result<(), Unlocated> {
    // Behind the barrier, or past it: the exit tells (see `SyncMark`).
    if san.mark.barrier != 0 && san.mark.access == 0 {
        san.mark.access = san.line;
    }
    let (space, at) = match (space, crate::exec::memory::window(addr)) {
        (MemSpace::Shared, _) => (MemSpace::Shared, addr),
        (MemSpace::Generic, Window::Shared(off)) => (MemSpace::Shared, off),
        (MemSpace::Generic, Window::Global(a)) | (MemSpace::Global, Window::Global(a)) => {
            (MemSpace::Global, a)
        }
        _ => return Ok(()),
    };
    if space == MemSpace::Shared {
        // Another block's shared memory (a cluster's) is not tracked.
        if at >> super::memory::CLUSTER_SHIFT != 0 {
            return Ok(());
        }
        if san.tools.init {
            shared_init(san, at, len, kind)?;
        }
        if san.tools.race && matches!(kind, Kind::Read | Kind::Write) {
            shared_race(san, at, len, kind)?;
        }
    } else if san.tools.race && matches!(kind, Kind::Read | Kind::Write) {
        global_race(san, at, len, kind)?;
    }
    // An atomic or a strong store publishes the thread's earlier accesses
    // (as a release would; a relaxed one does not in the PTX memory model,
    // but code written before it relies on it, so racecheck lets it).
    if matches!(kind, Kind::Atomic | Kind::StrongWrite) {
        san.blk.fence(san.thread);
        if let Some(g) = san.global.as_deref_mut() {
            g.fence(san.block, san.thread);
        }
    }
    Ok(())
}

fn shared_init(san: &mut San, at: u64, len: u64, kind: Kind) -> Result<(), Unlocated> {
    let Some(bytes) = san.blk.init.get_mut(at as usize..(at + len) as usize) else {
        // Out of bounds: the memory checker reports it.
        return Ok(());
    };
    if matches!(kind, Kind::Read | Kind::StrongRead | Kind::Atomic) {
        let unwritten = bytes.iter().filter(|&&w| !w).count();
        if unwritten > 0 {
            return Err(finding(format!(
                "initcheck: {} of {len} bytes at shared offset {at:#x} reads {unwritten} byte(s) \
                 of shared memory no thread of the block wrote (a GPU's shared memory starts with \
                 whatever the last block left there)",
                if kind == Kind::Atomic {
                    "an atomic"
                } else {
                    "a load"
                }
            )));
        }
    }
    if kind != Kind::Read && kind != Kind::StrongRead {
        bytes.fill(true);
    }
    Ok(())
}

/// Whether `prev` (by another thread of the block) is ordered before an
/// access by `san` now.
fn ordered(san: &San, prev: Acc, cur: Acc) -> bool {
    ordered_in_block(prev, cur, san.blk.fences_of(prev.thread) > prev.fences)
}

/// Whether `prev`, an access in the block of `cur`, is ordered before it:
/// none, the same thread, a fence or release of `prev`'s thread since
/// (`fenced`), a barrier between, or in one warp a warp collective between
/// or the same SIMT instruction. The one rule of shared and global memory.
fn ordered_in_block(prev: Acc, cur: Acc, fenced: bool) -> bool {
    prev.thread == NONE
        || prev.thread == cur.thread
        || fenced
        || prev.epoch != cur.epoch
        || (prev.thread / 32 == cur.thread / 32
            && (prev.wepoch != cur.wepoch || prev.line == cur.line))
}

fn now(san: &San) -> Acc {
    Acc {
        thread: san.thread,
        line: san.line,
        epoch: san.blk.epoch,
        wepoch: san
            .blk
            .warp_epoch
            .get((san.thread / 32) as usize)
            .copied()
            .unwrap_or(0),
        fences: san.blk.fences_of(san.thread),
    }
}

fn here<'a>(san: &San<'a>) -> Here<'a> {
    Here {
        dims: san.block_dims,
        line: san.line,
        debug: san.debug,
    }
}

/// The thread making the access being checked, for reports.
#[derive(Clone, Copy)]
struct Here<'a> {
    dims: [u32; 3],
    line: u32,
    debug: &'a crate::ptx::ast::DebugLines,
}

/// A racecheck report: `first` (by another thread; of block `other`, its
/// linear index, when that is another block) and this thread's access.
#[allow(clippy::too_many_arguments)]
fn hazard(
    here: Here,
    what: &str,
    space: &str,
    at: u64,
    len: u64,
    first: Acc,
    other: Option<u64>,
    how: &str,
) -> Unlocated {
    let them = tid(here.dims, first.thread);
    let (block, missing) = match other {
        Some(b) => (
            format!(" of block {b} (linear index)"),
            "fence of the other thread (membar/fence, an atomic) after its access",
        ),
        None => (String::new(), "barrier (bar.sync) or warp synchronization"),
    };
    let src = here.debug.note(first.line);
    finding(format!(
        "racecheck: {what} hazard on {space} at {at:#x} ({len} bytes): thread {them:?}{block} {how} \
         it at PTX line {}{src}, and nothing orders this thread's access at line {} after it (no \
         {missing} between them)",
        first.line, here.line
    ))
}

fn shared_race(san: &mut San, at: u64, len: u64, kind: Kind) -> Result<(), Unlocated> {
    let cur = now(san);
    let end = (at + len).min(san.blk.race.len() as u64);
    for off in at..end {
        let b = san.blk.race[off as usize];
        if !ordered(san, b.write, cur) {
            let what = if kind == Kind::Read {
                "read-after-write (RAW)"
            } else {
                "write-after-write (WAW)"
            };
            return Err(hazard(
                here(san),
                what,
                "shared memory",
                at,
                len,
                b.write,
                None,
                "wrote",
            ));
        }
        if kind == Kind::Write {
            for r in [b.read, b.read2] {
                if !ordered(san, r, cur) {
                    let what = "write-after-read (WAR)";
                    return Err(hazard(
                        here(san),
                        what,
                        "shared memory",
                        at,
                        len,
                        r,
                        None,
                        "read",
                    ));
                }
            }
        }
        let b = &mut san.blk.race[off as usize];
        if kind == Kind::Write {
            *b = Byte {
                write: cur,
                ..FRESH
            };
        } else if b.read.thread == NONE || ordered_read(b.read, cur) {
            b.read = cur;
            b.read2 = NO_ACC;
        } else if b.read.thread == cur.thread {
            b.read = cur;
        } else {
            b.read2 = cur;
        }
    }
    Ok(())
}

/// Whether a remembered read is older than a barrier (so it can be
/// forgotten).
fn ordered_read(prev: Acc, cur: Acc) -> bool {
    prev.epoch != cur.epoch
}

fn global_race(san: &mut San, at: u64, len: u64, kind: Kind) -> Result<(), Unlocated> {
    let cur = now(san);
    let here = here(san);
    let block = san.block;
    let Some(g) = san.global.as_deref_mut() else {
        return Ok(());
    };
    let mine = GAcc {
        block,
        acc: cur,
        fences: g.fences_of(block, cur.thread),
    };
    // The access's event is added once it is known to conflict with none.
    let id = g.events.len() as u32;
    // Page by page (an access spans two at most): one lookup each.
    let end = at + len;
    let mut a = at;
    while a < end {
        let stop = ((a / PAGE + 1) * PAGE).min(end);
        let page = g.pages.get(&(a / PAGE));
        for x in a..stop {
            let b = page.map_or(G_FRESH, |p| p[(x % PAGE) as usize]);
            let event = |i: u32| (i != NO_EVENT).then(|| g.events[i as usize]);
            let unordered = |p: Option<GAcc>| p.filter(|p| !g.ordered(p, &mine));
            let conflict = match unordered(event(b.write)) {
                Some(p) if kind == Kind::Read => Some((p, "read-after-write (RAW)", "wrote")),
                Some(p) => Some((p, "write-after-write (WAW)", "wrote")),
                None if kind == Kind::Write => {
                    unordered(event(b.read)).map(|p| (p, "write-after-read (WAR)", "read"))
                }
                None => None,
            };
            if let Some((p, what, how)) = conflict {
                let other = (p.block != block).then_some(p.block);
                return Err(hazard(
                    here,
                    what,
                    "global memory",
                    at,
                    len,
                    p.acc,
                    other,
                    how,
                ));
            }
        }
        a = stop;
    }
    g.events.push(mine);
    let mut a = at;
    while a < end {
        let stop = ((a / PAGE + 1) * PAGE).min(end);
        let page = g
            .pages
            .entry(a / PAGE)
            .or_insert_with(|| vec![G_FRESH; PAGE as usize].into_boxed_slice());
        for e in &mut page[(a % PAGE) as usize..((stop - 1) % PAGE + 1) as usize] {
            // One reader is remembered: the latest (a later write checks
            // it; earlier readers were checked against the last write).
            match kind {
                Kind::Write => {
                    *e = GByte {
                        write: id,
                        read: NO_EVENT,
                    }
                }
                _ => e.read = id,
            }
        }
        a = stop;
    }
    Ok(())
}
