//! The interpreter: CUDA's execution model on one CPU thread.
//!
//! Every GPU thread is interpreted on its own (independent thread
//! scheduling, as on sm_70 and newer), for a slice of instructions at a time,
//! round-robin over the resident blocks. Collectives (`bar.sync`,
//! `shfl.sync`, `vote.sync`, `redux.sync`, `match.sync`, `activemask`) park a
//! thread until every thread they name has arrived; when no thread can run
//! and some are parked, that is a deadlock, reported with the missing threads.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::memory::{
    self, check_alignment, flat_range, AccessError, AllocKind, GlobalMemory, SharedGlobal, Window,
};
use super::ops::{self, round_f64, round_to_f32, sgn, Rnd};
use super::program::*;
use super::types::{mask, sext, Ty};
use super::{Fault, FaultKind, LaunchConfig, Machine, Module, Schedule};

/// Most threads interpreted at once (blocks are made resident in waves).
const RESIDENT_THREADS: usize = 16 * 1024;
/// Instructions a thread runs before the next one gets a turn.
const SLICE: u32 = 256;
/// Local memory per thread (the CUDA default stack is 1 KiB; we are generous).
const LOCAL_LIMIT: usize = 512 * 1024;

struct Frame {
    func: u32,
    pc: u32,
    regs: Vec<u64>,
    params: Vec<u8>,
    local_base: u32,
    /// Where the callee's return slots go in this (the caller's) frame,
    /// filled in when the callee returns: (callee slot offset, caller offset, size).
    pending_rets: Vec<(u32, u32, u32)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Coll {
    Shfl {
        mode: ShflMode,
        a: u64,
        b: u32,
        c: u32,
        d: Dst,
        p: Dst,
    },
    Vote {
        mode: VoteMode,
        pred: bool,
        d: Dst,
    },
    Redux {
        op: AtomOp,
        ty: Ty,
        a: u64,
        d: Dst,
    },
    Match {
        all: bool,
        a: u64,
        d: Dst,
        p: Dst,
    },
    Elect {
        d: Dst,
        p: Dst,
    },
    WarpSync,
}

impl Coll {
    fn name(&self) -> &'static str {
        match self {
            Coll::Shfl { .. } => "shfl.sync",
            Coll::Vote { .. } => "vote.sync",
            Coll::Redux { .. } => "redux.sync",
            Coll::Match { .. } => "match.sync",
            Coll::Elect { .. } => "elect.sync",
            Coll::WarpSync => "bar.warp.sync",
        }
    }
    fn same_kind(&self, o: &Coll) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(o)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    Ready,
    Barrier {
        id: u32,
        count: Option<u32>,
        line: u32,
    },
    Warp {
        coll: Coll,
        mask: u32,
        line: u32,
    },
    Activemask {
        d: Dst,
        pc: (u32, u32),
        line: u32,
    },
    Done,
}

struct Thread {
    block: usize,
    tid: [u32; 3],
    lin: u32,
    frames: Vec<Frame>,
    local: Vec<u8>,
    local_top: u32,
    cc: bool,
    state: State,
}

struct Block {
    ctaid: [u32; 3],
    lin: u64,
    shared: Vec<u8>,
    first_thread: usize,
    threads: usize,
    exited: usize,
    /// `bar.arrive` counts per barrier id.
    arrivals: [u32; 16],
    /// Threads parked at each barrier id, and the thread count the first
    /// of them named (kept here so a release costs no scan of the block).
    waiting: [u32; 16],
    wait_count: [Option<u32>; 16],
}

/// What stopped a slice.
enum Stop {
    Slice,
    Parked,
    Exited,
}

#[derive(Clone)]
struct Launch<'a> {
    m: &'a Module,
    kernel: &'a str,
    cfg: &'a LaunchConfig,
    kparams: &'a [u8],
    nthreads: u32,
    dyn_shared: u32,
    rng: u64,
}

fn fault(kind: FaultKind, message: String) -> Fault {
    Fault { kind, message }
}

/// Runs a kernel to completion.
pub fn launch(
    machine: &mut Machine,
    module: usize,
    kernel: &str,
    cfg: &LaunchConfig,
    params: &[u8],
) -> Result<(), Fault> {
    // Take the module out while it runs so memory can be borrowed mutably.
    let Some(m) = machine.modules.get_mut(module).and_then(Option::take) else {
        return Err(fault(
            FaultKind::InvalidValue,
            "invalid module handle".into(),
        ));
    };
    let result = launch_module(machine, &m, kernel, cfg, params);
    machine.modules[module] = Some(m);
    machine.launches += 1;
    result
}

fn check_launch(
    machine: &Machine,
    m: &Module,
    kernel: &str,
    cfg: &LaunchConfig,
    params: &[u8],
) -> Result<(u32, bool), Fault> {
    let inval = |msg: String| {
        Err(fault(
            FaultKind::InvalidValue,
            format!("launching kernel `{kernel}`: {msg}"),
        ))
    };
    let Some(&fi) = m.by_name.get(kernel) else {
        return inval(format!("the module has no kernel named `{kernel}`"));
    };
    let f = &m.funcs[fi as usize];
    if !f.is_entry {
        return inval(format!("`{kernel}` is a .func, not an .entry"));
    }
    let threads = cfg.block.iter().map(|&x| x as u64).product::<u64>();
    if cfg.block.contains(&0) || cfg.grid.contains(&0) {
        return inval(format!(
            "grid {:?} and block {:?} must not have a zero dimension",
            cfg.grid, cfg.block
        ));
    }
    if threads > 1024 || cfg.block[2] > 64 {
        return inval(format!(
            "block {:?} has {threads} threads; the limit is 1024 per block (and 64 in z)",
            cfg.block
        ));
    }
    if cfg.grid[1] > 65535 || cfg.grid[2] > 65535 || cfg.grid[0] > i32::MAX as u32 {
        return inval(format!(
            "grid {:?} exceeds the limits (2^31-1, 65535, 65535)",
            cfg.grid
        ));
    }
    if let Some(r) = f.reqntid {
        if r != cfg.block {
            return inval(format!(
                "the kernel requires .reqntid {r:?}, the launch has {:?}",
                cfg.block
            ));
        }
    }
    if let Some(mx) = f.maxntid {
        if threads > mx.iter().map(|&x| x as u64).product::<u64>() {
            return inval(format!("the kernel allows at most .maxntid {mx:?} threads"));
        }
    }
    let total_shared = m.static_shared + cfg.shared as u64;
    if total_shared > machine.arch.max_shared_optin as u64 {
        return inval(format!(
            "{total_shared} bytes of shared memory ({} static + {} dynamic) exceed the {} bytes an {} block can have",
            m.static_shared, cfg.shared, machine.arch.max_shared_optin, machine.arch.name
        ));
    }
    let want: u32 = f.params.last().map(|s| s.offset + s.size).unwrap_or(0);
    if (params.len() as u32) < want {
        return inval(format!(
            "{} bytes of parameters given, the kernel takes {want}",
            params.len()
        ));
    }
    // Every instruction the kernel can reach must be implemented; and
    // whether its blocks can communicate (see `Func::cross_block`).
    let mut seen = vec![false; m.funcs.len()];
    let mut stack = vec![fi];
    let mut indirect = false;
    let mut isolated = true;
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i as usize], true) {
            continue;
        }
        let g = &m.funcs[i as usize];
        isolated &=
            g.cross_block.is_none() && !matches!(g.builtin, Some(Builtin::Malloc | Builtin::Free));
        if let Some((text, line)) = g.unsupported.first() {
            return Err(fault(
                FaultKind::Unsupported,
                format!("kernel `{kernel}`: unsupported PTX instruction `{text}` at line {line} (in {})", g.name),
            ));
        }
        if g.has_body && g.builtin.is_none() && g.code.is_empty() {
            continue;
        }
        if !g.has_body && g.builtin.is_none() {
            return Err(fault(
                FaultKind::Unsupported,
                format!(
                    "kernel `{kernel}` calls `{}`, which is declared but not defined (PTX line {})",
                    g.name, g.line
                ),
            ));
        }
        indirect |= g.calls_indirect;
        stack.extend(g.callees.iter().copied());
        if indirect {
            // Any function whose address can be taken: every defined one.
            stack.extend(m.by_name.values().copied());
            indirect = false;
        }
    }
    Ok((fi, isolated))
}

fn launch_module(
    machine: &mut Machine,
    m: &Module,
    kernel: &str,
    cfg: &LaunchConfig,
    params: &[u8],
) -> Result<(), Fault> {
    let (fi, isolated) = check_launch(machine, m, kernel, cfg, params)?;
    let nthreads = cfg.block[0] * cfg.block[1] * cfg.block[2];
    let seed = match machine.schedule {
        Schedule::InOrder => 0,
        Schedule::Shuffle(s) => s ^ machine.launches.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
    };
    let mut l = Launch {
        m,
        kernel,
        cfg,
        kparams: params,
        nthreads,
        dyn_shared: cfg.shared,
        rng: seed,
    };
    let nblocks = cfg.grid.iter().map(|&x| x as u64).product::<u64>();
    if isolated && machine.schedule == Schedule::InOrder {
        return run_blocks_in_parallel(machine, &l, fi, nblocks);
    }
    let per_wave = (RESIDENT_THREADS / nthreads as usize).max(1) as u64;
    let mut dev = Device {
        global: Global::Exclusive(&mut machine.mem),
        printf: Vec::new(),
        instructions: 0,
        clock_base: machine.instructions,
        nsm: machine.arch.multiprocessors,
    };
    let mut next = 0u64;
    let mut result = Ok(());
    while next < nblocks {
        let end = (next + per_wave).min(nblocks);
        result = run_wave(&mut dev, &mut l, fi, next..end);
        if result.is_err() {
            break;
        }
        next = end;
    }
    machine.instructions += dev.instructions;
    machine.printf.extend_from_slice(&dev.printf);
    result
}

/// What one block run on its own leaves behind, merged in block order.
struct BlockRun {
    result: Result<(), Fault>,
    printf: Vec<u8>,
    warnings: Vec<(u64, String)>,
    instructions: u64,
}

/// Runs the blocks of a launch whose blocks cannot communicate (no atomic,
/// volatile or memory-ordered access outside shared memory, no fence wider
/// than a block, no device `malloc`/`free`) one by one, on rayon's threads.
///
/// The outcome is the same on any number of OS threads: each block runs
/// alone, as in a single-threaded block-by-block run; its printf output,
/// memcheck warnings and instruction count are merged in block order; the
/// first fault in block order is the launch's, with the output of the
/// blocks before it and of its own block up to it. `%clock` counts the
/// block's own instructions from the launch's start.
fn run_blocks_in_parallel(
    machine: &mut Machine,
    l: &Launch,
    fi: u32,
    nblocks: u64,
) -> Result<(), Fault> {
    let clock_base = machine.instructions;
    let nsm = machine.arch.multiprocessors;
    let view = machine.mem.shared_view();
    // Blocks after a faulting one are skipped: their effects are discarded.
    let first_fault = AtomicU64::new(u64::MAX);
    let runs: Vec<Option<BlockRun>> = (0..nblocks)
        .into_par_iter()
        .map(|b| {
            if b > first_fault.load(Ordering::Relaxed) {
                return None;
            }
            let mut dev = Device {
                global: Global::Shared {
                    view: &view,
                    warnings: Vec::new(),
                },
                printf: Vec::new(),
                instructions: 0,
                clock_base,
                nsm,
            };
            let result = run_wave(&mut dev, &mut l.clone(), fi, b..b + 1);
            if result.is_err() {
                first_fault.fetch_min(b, Ordering::Relaxed);
            }
            let warnings = match dev.global {
                Global::Shared { warnings, .. } => warnings,
                Global::Exclusive(_) => Vec::new(),
            };
            Some(BlockRun {
                result,
                printf: dev.printf,
                warnings,
                instructions: dev.instructions,
            })
        })
        .collect();
    drop(view);
    for run in runs.into_iter().flatten() {
        machine.instructions += run.instructions;
        machine.printf.extend_from_slice(&run.printf);
        for (base, w) in run.warnings {
            machine.mem.warn_once(base, w);
        }
        run.result?;
    }
    Ok(())
}

/// Global memory as the blocks of one launch reach it.
enum Global<'a> {
    /// The context's memory, for a launch on one OS thread.
    Exclusive(&'a mut GlobalMemory),
    /// Shared by the OS threads running independent blocks, with the
    /// block's tail-granule warnings.
    Shared {
        view: &'a SharedGlobal<'a>,
        warnings: Vec<(u64, String)>,
    },
}

/// What the threads of a wave (or of one block) share with the device.
struct Device<'a> {
    global: Global<'a>,
    /// Device printf output of this run.
    printf: Vec<u8>,
    /// Thread-instructions executed in this run.
    instructions: u64,
    /// `%clock` at the run's start.
    clock_base: u64,
    nsm: u32,
}

fn splitmix(state: &mut u64) -> u64 {
    // A seeded generator whose sequence is fixed forever (a crate's may change
    // between versions, and a schedule seed must replay the same run).
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn run_wave(
    dev: &mut Device,
    l: &mut Launch,
    fi: u32,
    blocks: std::ops::Range<u64>,
) -> Result<(), Fault> {
    let cfg = l.cfg;
    let f = &l.m.funcs[fi as usize];
    let shared_size = (l.m.static_shared + l.dyn_shared as u64) as usize;
    let mut bl = Vec::new();
    let mut th: Vec<Thread> = Vec::new();
    for b in blocks {
        let ctaid = [
            (b % cfg.grid[0] as u64) as u32,
            (b / cfg.grid[0] as u64 % cfg.grid[1] as u64) as u32,
            (b / (cfg.grid[0] as u64 * cfg.grid[1] as u64)) as u32,
        ];
        bl.push(Block {
            ctaid,
            lin: b,
            shared: vec![0; shared_size],
            first_thread: th.len(),
            threads: l.nthreads as usize,
            exited: 0,
            arrivals: [0; 16],
            waiting: [0; 16],
            wait_count: [None; 16],
        });
        for t in 0..l.nthreads {
            let tid = [
                t % cfg.block[0],
                t / cfg.block[0] % cfg.block[1],
                t / (cfg.block[0] * cfg.block[1]),
            ];
            let mut params = vec![0u8; f.param_size.max(l.kparams.len() as u32) as usize];
            params[..l.kparams.len()].copy_from_slice(l.kparams);
            th.push(Thread {
                block: bl.len() - 1,
                tid,
                lin: t,
                frames: vec![Frame {
                    func: fi,
                    pc: 0,
                    regs: vec![0; f.nregs as usize],
                    params,
                    local_base: 0,
                    pending_rets: Vec::new(),
                }],
                local: vec![0; f.local_size as usize],
                local_top: f.local_size,
                cc: false,
                state: State::Ready,
            });
        }
    }
    let mut order: Vec<usize> = (0..th.len()).collect();
    let mut live = th.len();
    while live > 0 {
        let mut progress = false;
        if l.rng != 0 {
            // Fisher–Yates with the seeded generator.
            for i in (1..order.len()).rev() {
                let j = (splitmix(&mut l.rng) % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
        }
        for &i in &order {
            if th[i].state != State::Ready {
                continue;
            }
            progress = true;
            let slice = if l.rng != 0 {
                1 + (splitmix(&mut l.rng) % (2 * SLICE as u64)) as u32
            } else {
                SLICE
            };
            let b = th[i].block;
            let stop = {
                let t = &mut th[i];
                let blk = &mut bl[b];
                run_slice(dev, l, t, blk, slice).map_err(|e| located(l, &th[i], &bl[b], e))?
            };
            match stop {
                Stop::Slice => {}
                Stop::Exited => {
                    live -= 1;
                    bl[b].exited += 1;
                    try_barriers(&mut th, &mut bl[b]);
                    check_warp(l, &mut th, &bl[b], i)?;
                }
                Stop::Parked => match th[i].state {
                    State::Barrier { .. } => try_barriers(&mut th, &mut bl[b]),
                    State::Warp { .. } => check_warp(l, &mut th, &bl[b], i)?,
                    _ => {}
                },
            }
            if matches!(
                th[i].state,
                State::Activemask { .. } | State::Warp { .. } | State::Barrier { .. } | State::Done
            ) {
                resolve_activemask(&mut th, &bl[b], i);
            }
        }
        if !progress {
            return Err(deadlock(l, &th, &bl));
        }
    }
    Ok(())
}

/// The first thread of warp `w` of a block, and how many threads it has.
fn warp_range(blk: &Block, lin: u32) -> (usize, u32) {
    let w = lin / 32;
    let first = blk.first_thread + (w * 32) as usize;
    let n = (blk.threads as u32 - w * 32).min(32);
    (first, n)
}

/// Releases every barrier of a block whose threads have all arrived.
fn try_barriers(th: &mut [Thread], blk: &mut Block) {
    let range = blk.first_thread..blk.first_thread + blk.threads;
    for id in 0..16u32 {
        let waiting = blk.waiting[id as usize];
        if waiting == 0 {
            continue;
        }
        let expected = blk.wait_count[id as usize].unwrap_or((blk.threads - blk.exited) as u32);
        if waiting + blk.arrivals[id as usize] >= expected {
            blk.arrivals[id as usize] = 0;
            blk.waiting[id as usize] = 0;
            blk.wait_count[id as usize] = None;
            for t in &mut th[range.clone()] {
                if matches!(t.state, State::Barrier { id: i, .. } if i == id) {
                    t.state = State::Ready;
                }
            }
        }
    }
}

/// Completes the warp collective thread `i` waits in, when everyone it names is there.
fn check_warp(l: &Launch, th: &mut [Thread], blk: &Block, i: usize) -> Result<(), Fault> {
    let (first, n) = warp_range(blk, th[i].lin);
    // A member mask must name existing lanes, the thread's own among them.
    for (k, t) in th.iter().enumerate().skip(first).take(n as usize) {
        let State::Warp { coll, mask, line } = &t.state else {
            continue;
        };
        let lane = (k - first) as u32;
        let exists = mask32(n);
        let bad_lanes = mask & !exists;
        let where_ = |what: String| {
            fault(
                FaultKind::LaunchFailed,
                format!(
                    "kernel `{}`: {} at PTX line {line}, block {:?} thread {:?} (lane {lane}): {what}",
                    l.kernel,
                    coll.name(),
                    blk.ctaid,
                    t.tid
                ),
            )
        };
        if bad_lanes != 0 {
            return Err(where_(format!(
                "its member mask {mask:#010x} names lanes {} that do not exist in this warp of {n} threads",
                lanes(bad_lanes)
            )));
        }
        if mask & (1 << lane) == 0 {
            return Err(where_(format!(
                "its member mask {mask:#010x} does not include the thread's own lane"
            )));
        }
    }
    let State::Warp { coll, mask, .. } = th[i].state.clone() else {
        return Ok(());
    };
    // All named lanes must be parked in the same kind of collective with the same mask.
    for j in 0..n {
        if mask & (1 << j) == 0 {
            continue;
        }
        match &th[first + j as usize].state {
            State::Warp {
                coll: c, mask: m2, ..
            } if c.same_kind(&coll) && *m2 == mask => {}
            _ => return Ok(()),
        }
    }
    let members: Vec<usize> = (0..n)
        .filter(|j| mask & (1 << j) != 0)
        .map(|j| first + j as usize)
        .collect();
    let colls: Vec<Coll> = members
        .iter()
        .map(|&k| match &th[k].state {
            State::Warp { coll, .. } => coll.clone(),
            _ => unreachable!(),
        })
        .collect();
    let value_of = |lane: u32| -> Option<u64> {
        members
            .iter()
            .position(|&k| (k - first) as u32 == lane)
            .map(|p| match &colls[p] {
                Coll::Shfl { a, .. } | Coll::Redux { a, .. } | Coll::Match { a, .. } => *a,
                _ => 0,
            })
    };
    // Redux/vote/match results are the same for every member.
    let all_preds: Vec<bool> = colls
        .iter()
        .map(|c| matches!(c, Coll::Vote { pred: true, .. }))
        .collect();
    let ballot: u32 = members
        .iter()
        .zip(&all_preds)
        .filter(|(_, &p)| p)
        .fold(0, |acc, (&k, _)| acc | 1 << (k - first));
    for (p, &k) in members.iter().enumerate() {
        let lane = (k - first) as u32;
        let frame_write = |t: &mut Thread, d: Dst, v: u64| {
            if d != SINK {
                t.frames.last_mut().unwrap().regs[d as usize] = v;
            }
        };
        match colls[p].clone() {
            Coll::Shfl {
                mode,
                a,
                b,
                c,
                d,
                p: pd,
            } => {
                let segmask = (c >> 8) & 0x1f;
                let max_lane = (lane & segmask) | (c & 0x1f & !segmask);
                let min_lane = lane & segmask;
                let (j, ok) = match mode {
                    ShflMode::Up => {
                        let j = lane as i64 - b as i64;
                        (j, j >= min_lane as i64)
                    }
                    ShflMode::Down => {
                        let j = lane as i64 + b as i64;
                        (j, j <= max_lane as i64)
                    }
                    ShflMode::Bfly => {
                        let j = (lane ^ (b & 0x1f)) as i64;
                        (j, j <= max_lane as i64)
                    }
                    ShflMode::Idx => {
                        let j = (min_lane | (b & 0x1f & !segmask)) as i64;
                        (j, j <= max_lane as i64)
                    }
                };
                let src = if ok { j as u32 } else { lane };
                // A source lane outside the member mask is undefined on a GPU;
                // the emulator then returns the thread's own value.
                let v = value_of(src).unwrap_or(a);
                frame_write(&mut th[k], d, v & 0xffff_ffff);
                frame_write(&mut th[k], pd, ok as u64);
            }
            Coll::Vote { mode, pred, d } => {
                let v = match mode {
                    VoteMode::Ballot => ballot as u64,
                    VoteMode::All => (ballot == mask) as u64,
                    VoteMode::Any => (ballot != 0) as u64,
                    VoteMode::Uni => (ballot == mask || ballot == 0) as u64,
                };
                let _ = pred;
                frame_write(&mut th[k], d, v);
            }
            Coll::Redux { op, ty, d, .. } => {
                let vals = members
                    .iter()
                    .map(|&x| value_of((x - first) as u32).unwrap_or(0));
                let v = vals
                    .reduce(|x, y| match op {
                        AtomOp::Add => x.wrapping_add(y) & 0xffff_ffff,
                        AtomOp::And => x & y,
                        AtomOp::Or => x | y,
                        AtomOp::Xor => x ^ y,
                        AtomOp::Min => ops::int_binary(ops::IntOp::Min, ty, x, y),
                        AtomOp::Max => ops::int_binary(ops::IntOp::Max, ty, x, y),
                        _ => x,
                    })
                    .unwrap_or(0);
                frame_write(&mut th[k], d, v);
            }
            Coll::Match { all, a, d, p: pd } => {
                let same: u32 = members
                    .iter()
                    .filter(|&&x| value_of((x - first) as u32) == Some(a))
                    .fold(0, |acc, &x| acc | 1 << (x - first));
                if all {
                    let eq = same == mask;
                    frame_write(&mut th[k], d, if eq { mask as u64 } else { 0 });
                    frame_write(&mut th[k], pd, eq as u64);
                } else {
                    frame_write(&mut th[k], d, same as u64);
                }
            }
            Coll::Elect { d, p: pd } => {
                // The leader is the lowest lane of the member mask.
                let leader = mask.trailing_zeros();
                frame_write(&mut th[k], d, leader as u64);
                frame_write(&mut th[k], pd, (lane == leader) as u64);
            }
            Coll::WarpSync => {}
        }
        th[k].state = State::Ready;
    }
    Ok(())
}

/// `activemask`: once no lane of the warp can run, the lanes parked at the
/// same `activemask` instruction are the converged set.
fn resolve_activemask(th: &mut [Thread], blk: &Block, i: usize) {
    let (first, n) = warp_range(blk, th[i].lin);
    let range = first..first + n as usize;
    if th[range.clone()].iter().any(|t| t.state == State::Ready) {
        return;
    }
    let groups: Vec<(u32, u32)> = th[range.clone()]
        .iter()
        .filter_map(|t| match t.state {
            State::Activemask { pc, .. } => Some(pc),
            _ => None,
        })
        .collect();
    for pc in groups {
        let m: u32 = th[range.clone()]
            .iter()
            .enumerate()
            .filter(|(_, t)| matches!(t.state, State::Activemask { pc: p, .. } if p == pc))
            .fold(0, |acc, (j, _)| acc | 1 << j);
        for t in &mut th[range.clone()] {
            if let State::Activemask { pc: p, d, .. } = t.state {
                if p == pc {
                    if d != SINK {
                        t.frames.last_mut().unwrap().regs[d as usize] = m as u64;
                    }
                    t.state = State::Ready;
                }
            }
        }
    }
}

fn mask32(n: u32) -> u32 {
    if n >= 32 {
        u32::MAX
    } else {
        (1 << n) - 1
    }
}

/// `0-3, 7` for a lane mask.
fn lanes(m: u32) -> String {
    ranges((0..32).filter(|j| m & (1 << j) != 0).collect())
}

fn ranges(v: Vec<u32>) -> String {
    let mut out = Vec::new();
    let mut k = 0;
    while k < v.len() {
        let mut e = k;
        while e + 1 < v.len() && v[e + 1] == v[e] + 1 {
            e += 1;
        }
        out.push(if e == k {
            v[k].to_string()
        } else {
            format!("{}-{}", v[k], v[e])
        });
        k = e + 1;
    }
    out.join(", ")
}

fn deadlock(l: &Launch, th: &[Thread], bl: &[Block]) -> Fault {
    for blk in bl {
        let ts = &th[blk.first_thread..blk.first_thread + blk.threads];
        let Some(w) = ts.iter().find(|t| t.state != State::Done) else {
            continue;
        };
        let (what, line) = match &w.state {
            State::Barrier { id, line, .. } => (format!("bar.sync {id}"), *line),
            State::Warp { coll, line, .. } => (coll.name().to_string(), *line),
            State::Activemask { line, .. } => ("activemask".to_string(), *line),
            _ => continue,
        };
        let key = |s: &State| match s {
            State::Barrier { id, line, .. } => Some((0, *id, *line)),
            State::Warp { coll, line, .. } => Some((1, coll.name().len() as u32, *line)),
            State::Activemask { line, .. } => Some((2, 0, *line)),
            _ => None,
        };
        let here: Vec<u32> = ts
            .iter()
            .filter(|t| key(&t.state) == key(&w.state))
            .map(|t| t.lin)
            .collect();
        let exited: Vec<u32> = ts
            .iter()
            .filter(|t| t.state == State::Done)
            .map(|t| t.lin)
            .collect();
        let elsewhere: Vec<String> = ts
            .iter()
            .filter(|t| key(&t.state) != key(&w.state) && t.state != State::Done)
            .map(|t| match &t.state {
                State::Barrier { id, line, .. } => {
                    format!("{} at bar.sync {id} (line {line})", t.lin)
                }
                State::Warp { coll, line, .. } => {
                    format!("{} at {} (line {line})", t.lin, coll.name())
                }
                State::Activemask { line, .. } => format!("{} at activemask (line {line})", t.lin),
                _ => t.lin.to_string(),
            })
            .take(8)
            .collect();
        let mut msg = format!(
            "deadlock in kernel `{}`: {what} at PTX line {line} in block {:?} can never complete; threads {} wait there",
            l.kernel,
            blk.ctaid,
            ranges(here)
        );
        if !exited.is_empty() {
            msg += &format!("; threads {} exited", ranges(exited));
        }
        if !elsewhere.is_empty() {
            msg += &format!("; threads waiting elsewhere: {}", elsewhere.join(", "));
        }
        return fault(FaultKind::LaunchFailed, msg);
    }
    fault(
        FaultKind::LaunchFailed,
        format!("deadlock in kernel `{}`", l.kernel),
    )
}

/// A fault raised inside `run_slice`, before it is located.
struct Raw {
    kind: FaultKind,
    msg: String,
}

fn located(l: &Launch, t: &Thread, blk: &Block, e: Raw) -> Fault {
    let fr = t.frames.last();
    let (line, func) = fr
        .map(|f| {
            let g = &l.m.funcs[f.func as usize];
            let pc = f.pc.saturating_sub(1) as usize;
            (
                g.code.get(pc).map(|i| i.line).unwrap_or(g.line),
                g.name.clone(),
            )
        })
        .unwrap_or((0, String::new()));
    let inner = if func != l.kernel {
        format!(" (in {func})")
    } else {
        String::new()
    };
    fault(
        e.kind,
        format!(
            "in kernel `{}` at PTX line {line}{inner}, block {:?} thread {:?}: {}",
            l.kernel, blk.ctaid, t.tid, e.msg
        ),
    )
}

fn raw<T>(kind: FaultKind, msg: impl Into<String>) -> Result<T, Raw> {
    Err(Raw {
        kind,
        msg: msg.into(),
    })
}

fn access(e: AccessError, what: &str) -> Raw {
    match e {
        AccessError::Illegal { addr, size, detail } => Raw {
            kind: FaultKind::IllegalAddress,
            msg: format!("{what} of {size} bytes at {addr:#x}: {detail}"),
        },
        AccessError::Misaligned { addr, size } => Raw {
            kind: FaultKind::Misaligned,
            msg: format!("{what} of {size} bytes at {addr:#x} is not {size}-byte aligned"),
        },
    }
}

/// The memory a thread can touch.
struct Mem<'a, 'g> {
    global: &'a mut Global<'g>,
    shared: &'a mut Vec<u8>,
    local: &'a mut Vec<u8>,
    local_top: u32,
}

/// A checked place in memory.
enum Place<'b> {
    Bytes(&'b mut [u8]),
    /// An address of global memory shared between OS threads.
    Shared(u64),
}

impl Mem<'_, '_> {
    /// Loads `out.len()` bytes.
    fn read(
        &mut self,
        space: MemSpace,
        addr: u64,
        out: &mut [u8],
        frame_params: &mut [u8],
    ) -> Result<(), Raw> {
        match self.place(space, addr, out.len() as u64, false, frame_params)? {
            Place::Bytes(b) => out.copy_from_slice(b),
            Place::Shared(a) => self.shared_access(|v| v.read(a, out), "load")?,
        }
        Ok(())
    }

    /// Stores `data`.
    fn write(
        &mut self,
        space: MemSpace,
        addr: u64,
        data: &[u8],
        frame_params: &mut [u8],
    ) -> Result<(), Raw> {
        match self.place(space, addr, data.len() as u64, true, frame_params)? {
            Place::Bytes(b) => b.copy_from_slice(data),
            Place::Shared(a) => self.shared_access(|v| v.write(a, data), "store")?,
        }
        Ok(())
    }

    /// Reads, combines and writes `size` bytes in one step (an atomic):
    /// the old value, or `None` when `f` has no result.
    fn update(
        &mut self,
        space: MemSpace,
        addr: u64,
        size: u64,
        frame_params: &mut [u8],
        f: impl FnOnce(u64) -> Option<u64>,
    ) -> Result<Option<u64>, Raw> {
        match self.place(space, addr, size, true, frame_params)? {
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
    fn shared_access(
        &mut self,
        f: impl FnOnce(&SharedGlobal) -> Result<memory::TailWarning, AccessError>,
        what: &str,
    ) -> Result<(), Raw> {
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

    /// Resolves a space + address to a checked place.
    fn place<'b>(
        &'b mut self,
        space: MemSpace,
        addr: u64,
        size: u64,
        write: bool,
        frame_params: &'b mut [u8],
    ) -> Result<Place<'b>, Raw> {
        let what = if write { "store" } else { "load" };
        check_alignment(addr, size).map_err(|e| access(e, what))?;
        let (space, addr) = match space {
            MemSpace::Generic => match memory::window(addr) {
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
                let r = flat_range(self.shared.len(), addr, size, "shared memory of the block")
                    .map_err(|e| access(e, what))?;
                Ok(Place::Bytes(&mut self.shared[r]))
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

fn read_le(b: &[u8]) -> u64 {
    let mut x = [0u8; 8];
    x[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
    u64::from_le_bytes(x)
}

/// Runs thread `t` for up to `slice` instructions.
fn run_slice(
    dev: &mut Device,
    l: &Launch,
    t: &mut Thread,
    blk: &mut Block,
    slice: u32,
) -> Result<Stop, Raw> {
    let m = l.m;
    let mut executed = 0u32;
    let ids = SregCtx {
        tid: t.tid,
        lin: t.lin,
        ntid: l.cfg.block,
        ctaid: blk.ctaid,
        nctaid: l.cfg.grid,
        block_lin: blk.lin,
        nthreads: l.nthreads,
        clock: dev.clock_base + dev.instructions,
        dyn_shared: l.dyn_shared,
        total_shared: blk.shared.len() as u32,
        nsm: dev.nsm,
    };
    // The code of the top frame, refreshed whenever the frame stack changes.
    let mut depth = t.frames.len() - 1;
    let mut code: &[Inst] = &m.funcs[t.frames[depth].func as usize].code;
    let result = loop {
        if executed >= slice {
            break Ok(Stop::Slice);
        }
        executed += 1;
        if depth + 1 != t.frames.len() {
            depth = t.frames.len() - 1;
            code = &m.funcs[t.frames[depth].func as usize].code;
        }
        let fr = &mut t.frames[depth];
        let Some(inst) = code.get(fr.pc as usize) else {
            // Falling off the end of a function is a return.
            match do_ret(t) {
                true => break Ok(Stop::Exited),
                false => continue,
            }
        };
        fr.pc += 1;
        if let Some((p, neg)) = inst.guard {
            if (fr.regs[p as usize] != 0) == neg {
                continue;
            }
        }
        macro_rules! v {
            ($s:expr) => {
                value(fr, &ids, executed, $s)
            };
        }
        // The memory this thread can reach (borrowed apart from its frames).
        macro_rules! mem {
            () => {
                Mem {
                    global: &mut dev.global,
                    shared: &mut blk.shared,
                    local: &mut t.local,
                    local_top: t.local_top,
                }
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
            Op::Mov { d, a } => {
                let x = v!(*a);
                set!(*d, x)
            }
            Op::Pack { d, parts, bits } => {
                let mut x = 0u64;
                for (k, p) in parts.iter().enumerate() {
                    x |= (v!(*p) & mask(*bits)) << (k as u32 * bits);
                }
                set!(*d, x)
            }
            Op::Unpack { ds, a, bits } => {
                let x = v!(*a);
                for (k, d) in ds.iter().enumerate() {
                    set!(*d, (x >> (k as u32 * bits)) & mask(*bits));
                }
            }
            Op::Int { op, ty, d, a, b } => {
                let x = ops::int_binary(*op, *ty, v!(*a), v!(*b));
                set!(*d, x)
            }
            Op::IntUn { op, ty, d, a } => {
                let x = ops::int_unary(*op, *ty, v!(*a));
                set!(*d, x)
            }
            Op::AddC {
                bits,
                sub,
                cin,
                cout,
                d,
                a,
                b,
            } => {
                let (r, c) = ops::add_carry(*bits, v!(*a), v!(*b), *cin && t.cc, *sub);
                if *cout {
                    t.cc = c;
                }
                set!(*d, r)
            }
            Op::Mad {
                part,
                ty,
                d,
                a,
                b,
                c,
            } => {
                let p = ops::int_binary(*part, *ty, v!(*a), v!(*b));
                let bits = if *part == ops::IntOp::MulWide {
                    ty.bits() * 2
                } else {
                    ty.bits()
                };
                set!(*d, p.wrapping_add(v!(*c)) & mask(bits))
            }
            Op::PredLogic { op, d, a, b } => {
                let (x, y) = (v!(*a) != 0, v!(*b) != 0);
                let r = match op {
                    None => !x,
                    Some(BoolOp::And) => x & y,
                    Some(BoolOp::Or) => x | y,
                    Some(BoolOp::Xor) => x ^ y,
                };
                set!(*d, r as u64)
            }
            Op::Bfe { ty, d, a, b, c } => {
                let x = ops::bfe(*ty, v!(*a), v!(*b), v!(*c));
                set!(*d, x)
            }
            Op::Bfi { ty, d, a, b, c, e } => {
                let x = ops::bfi(*ty, v!(*a), v!(*b), v!(*c), v!(*e));
                set!(*d, x)
            }
            Op::Prmt { mode, d, a, b, c } => {
                let x = ops::prmt(*mode, v!(*a) as u32, v!(*b) as u32, v!(*c) as u32).unwrap_or(0);
                set!(*d, x as u64)
            }
            Op::Shf {
                left,
                wrap,
                d,
                a,
                b,
                c,
            } => {
                let x = ops::shf(*left, *wrap, v!(*a) as u32, v!(*b) as u32, v!(*c) as u32);
                set!(*d, x as u64)
            }
            Op::Bmsk { wrap, d, a, b } => {
                let x = ops::bmsk(*wrap, v!(*a) as u32, v!(*b) as u32);
                set!(*d, x as u64)
            }
            Op::Bfind { ty, shiftamt, d, a } => {
                let x = ops::bfind(*ty, *shiftamt, v!(*a));
                set!(*d, x as u64)
            }
            Op::Mul24 {
                signed,
                hi,
                d,
                a,
                b,
                c,
            } => {
                let x = ops::mul24(*signed, *hi, v!(*a) as u32, v!(*b) as u32)
                    .wrapping_add(v!(*c) as u32);
                set!(*d, x as u64)
            }
            Op::Sad { ty, d, a, b, c } => {
                let (x, y) = (v!(*a), v!(*b));
                let diff = if ty.is_signed() {
                    sext(x, ty.bits()).abs_diff(sext(y, ty.bits()))
                } else {
                    (x & ty.mask()).abs_diff(y & ty.mask())
                };
                set!(*d, v!(*c).wrapping_add(diff) & ty.mask())
            }
            Op::Dp4a {
                a_signed,
                b_signed,
                d,
                a,
                b,
                c,
            } => {
                let x = ops::dp4a(
                    *a_signed,
                    *b_signed,
                    v!(*a) as u32,
                    v!(*b) as u32,
                    v!(*c) as u32,
                );
                set!(*d, x as u64)
            }
            Op::Szext {
                signed,
                wrap,
                d,
                a,
                b,
            } => {
                let x = ops::szext(*signed, *wrap, v!(*a) as u32, v!(*b) as u32);
                set!(*d, x as u64)
            }
            Op::Slct {
                float,
                ftz,
                d,
                a,
                b,
                c,
            } => {
                let cv = v!(*c);
                let take_a = if *float {
                    let f = f32::from_bits(cv as u32);
                    let f = if *ftz { ops::ftz32(f) } else { f };
                    f >= 0.0
                } else {
                    cv as u32 as i32 >= 0
                };
                let x = if take_a { v!(*a) } else { v!(*b) };
                set!(*d, x)
            }
            Op::Set {
                cmp,
                dty,
                sty,
                d,
                a,
                b,
                comb,
                ftz,
            } => {
                let (x, y) = (v!(*a), v!(*b));
                let r = if sty.is_float() {
                    ops::float_compare(*cmp, to_f64(*sty, x, *ftz), to_f64(*sty, y, *ftz))
                } else {
                    ops::int_compare(*cmp, *sty, x, y)
                };
                let Some(mut r) = r else {
                    break raw(
                        FaultKind::Unsupported,
                        format!("comparison {cmp:?} on .{sty:?}"),
                    );
                };
                if let Some((op, c)) = comb {
                    let cv = v!(*c) != 0;
                    r = match op {
                        BoolOp::And => r & cv,
                        BoolOp::Or => r | cv,
                        BoolOp::Xor => r ^ cv,
                    };
                }
                let out = match (dty, r) {
                    (Ty::F32, true) => 1.0f32.to_bits() as u64,
                    (_, true) => 0xffff_ffff,
                    (_, false) => 0,
                };
                set!(*d, out)
            }
            Op::IsSpace { space, d, a } => {
                let w = memory::window(v!(*a));
                let r = match space {
                    MemSpace::Shared => matches!(w, Window::Shared(_)),
                    MemSpace::Local => matches!(w, Window::Local(_)),
                    MemSpace::Param => matches!(w, Window::Param(_)),
                    MemSpace::Global => matches!(w, Window::Global(_)),
                    MemSpace::Const | MemSpace::Generic => false,
                };
                set!(*d, r as u64)
            }
            Op::Elect { d, p, mask } => {
                let coll = Coll::Elect { d: *d, p: *p };
                t.state = State::Warp {
                    coll,
                    mask: v!(*mask) as u32,
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Lop3 { d, a, b, c, lut } => {
                let (x, y, z, f) = (v!(*a) as u32, v!(*b) as u32, v!(*c) as u32, v!(*lut) as u8);
                let mut r = 0u32;
                for bit in 0..32 {
                    let idx = ((x >> bit) & 1) << 2 | ((y >> bit) & 1) << 1 | ((z >> bit) & 1);
                    r |= (((f >> idx) & 1) as u32) << bit;
                }
                set!(*d, r as u64)
            }
            Op::Setp {
                cmp,
                ty,
                d,
                d2,
                a,
                b,
                comb,
                ftz,
            } => {
                let (x, y) = (v!(*a), v!(*b));
                let r = if ty.is_float() {
                    let (fx, fy) = (to_f64(*ty, x, *ftz), to_f64(*ty, y, *ftz));
                    ops::float_compare(*cmp, fx, fy)
                } else {
                    ops::int_compare(*cmp, *ty, x, y)
                };
                let Some(r) = r else {
                    break raw(
                        FaultKind::Unsupported,
                        format!("comparison {cmp:?} on .{ty:?}"),
                    );
                };
                let (p, q) = match comb {
                    None => (r, !r),
                    Some((op, c)) => {
                        let cv = v!(*c) != 0;
                        let f = |z: bool| match op {
                            BoolOp::And => z & cv,
                            BoolOp::Or => z | cv,
                            BoolOp::Xor => z ^ cv,
                        };
                        (f(r), f(!r))
                    }
                };
                set!(*d, p as u64);
                set!(*d2, q as u64);
            }
            Op::Selp { d, a, b, c } => {
                let x = if v!(*c) != 0 { v!(*a) } else { v!(*b) };
                set!(*d, x)
            }
            Op::Cvt {
                dty,
                sty,
                m: fm,
                d,
                a,
            } => match cvt(*dty, *sty, *fm, v!(*a)) {
                Some(x) => set!(*d, x),
                None => {
                    break raw(
                        FaultKind::Unsupported,
                        format!("cvt from .{sty:?} to .{dty:?} with {fm:?}"),
                    )
                }
            },
            Op::Cvta { to, space, d, a } => {
                let x = v!(*a);
                let base = match space {
                    MemSpace::Shared => memory::SHARED_WINDOW,
                    MemSpace::Local => memory::LOCAL_WINDOW,
                    MemSpace::Param => memory::PARAM_WINDOW,
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
            Op::FBin {
                op,
                ty,
                m: fm,
                d,
                a,
                b,
            } => match fbin(*op, *ty, *fm, v!(*a), v!(*b)) {
                Some(x) => set!(*d, x),
                None => break raw(FaultKind::Unsupported, format!("{op:?}.{ty:?} with {fm:?}")),
            },
            Op::FUn {
                op,
                ty,
                m: fm,
                d,
                a,
            } => match fun(*op, *ty, *fm, v!(*a)) {
                Some(x) => set!(*d, x),
                None => break raw(FaultKind::Unsupported, format!("{op:?}.{ty:?} with {fm:?}")),
            },
            Op::Fma {
                ty,
                m: fm,
                d,
                a,
                b,
                c,
            } => match ffma(*ty, *fm, v!(*a), v!(*b), v!(*c)) {
                Some(x) => set!(*d, x),
                None => break raw(FaultKind::Unsupported, format!("fma.{ty:?} with {fm:?}")),
            },
            Op::Testp { op, ty, d, a } => {
                let x = to_f64(*ty, v!(*a), false);
                let sub = match ty {
                    Ty::F32 => f32::from_bits(v!(*a) as u32).is_subnormal(),
                    _ => x.is_subnormal(),
                };
                let r = match op {
                    TestP::Finite => x.is_finite(),
                    TestP::Infinite => x.is_infinite(),
                    TestP::Number => !x.is_nan(),
                    TestP::NotANumber => x.is_nan(),
                    TestP::Normal => x.is_finite() && x != 0.0 && !sub,
                    TestP::Subnormal => sub,
                };
                set!(*d, r as u64)
            }
            Op::Ld {
                space,
                ty,
                ds,
                addr,
            } => {
                let base = eff_addr(fr, addr);
                let size = ty.size() as u64;
                let total = size * ds.len() as u64;
                let mut mem = mem!();
                let fr = &mut t.frames[depth];
                // At most 8 elements of 16 bytes.
                let mut buf = [0u8; 128];
                let Some(bytes) = buf.get_mut(..total as usize) else {
                    break raw(FaultKind::Unsupported, "a load of more than 128 bytes");
                };
                if let Err(e) = mem.read(*space, base, bytes, &mut fr.params) {
                    break Err(e);
                }
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
                let mut mem = mem!();
                let fr = &mut t.frames[depth];
                if let Err(e) = mem.write(*space, base, &buf[..n], &mut fr.params) {
                    break Err(e);
                }
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
                let mut mem = mem!();
                let fr = &mut t.frames[depth];
                let old = match mem.update(*space, base, size, &mut fr.params, |old| {
                    atom(*op, *ty, old, bv, cv)
                }) {
                    Ok(Some(old)) => old,
                    Ok(None) => break raw(FaultKind::Unsupported, format!("atom.{op:?}.{ty:?}")),
                    Err(e) => break Err(e),
                };
                if *d != SINK {
                    fr.regs[*d as usize] = extend(*ty, old);
                }
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
                let data = &mut buf[..n as usize];
                let read = match &mut dev.global {
                    Global::Exclusive(g) => g.slice(sb, n).map(|b| data.copy_from_slice(b)),
                    Global::Shared { view, .. } => view.read(sb, data).map(|_| ()),
                };
                if let Err(e) = read {
                    break Err(access(e, "cp.async load"));
                }
                let r = match flat_range(
                    blk.shared.len(),
                    db,
                    *size as u64,
                    "shared memory of the block",
                ) {
                    Ok(r) => r,
                    Err(e) => break Err(access(e, "cp.async store")),
                };
                let dstb = &mut blk.shared[r];
                dstb.fill(0);
                dstb[..data.len()].copy_from_slice(data);
            }
            Op::Bra { target } => fr.pc = *target,
            Op::BrxIdx { idx, targets } => {
                let k = v!(*idx) as u32 as usize;
                match targets.get(k) {
                    Some(&tgt) => fr.pc = tgt,
                    None => {
                        break raw(
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
                                break raw(
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
                        .map(|&(off, size)| {
                            read_le(&fr.params[off as usize..(off + size) as usize])
                        })
                        .collect();
                    let mut mem = mem!();
                    match builtin(b, &argv, &mut mem, &mut dev.printf) {
                        Ok(ret) => {
                            let fr = &mut t.frames[depth];
                            if let Some(&(off, size)) = rets.first() {
                                let bytes = ret.to_le_bytes();
                                fr.params[off as usize..(off + size) as usize]
                                    .copy_from_slice(&bytes[..size as usize]);
                            }
                        }
                        Err(e) => break Err(e),
                    }
                    continue;
                }
                if depth + 1 >= 1024 {
                    break raw(
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
                if top > LOCAL_LIMIT {
                    break raw(
                        FaultKind::IllegalAddress,
                        format!("local memory stack overflow ({top} bytes): unbounded recursion?"),
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
                    break Ok(Stop::Exited);
                }
            }
            Op::Exit => {
                t.state = State::Done;
                break Ok(Stop::Exited);
            }
            Op::Trap => break raw(FaultKind::IllegalInstruction, "trap"),
            Op::Brkpt => break raw(FaultKind::IllegalInstruction, "brkpt"),
            Op::Bar { id, count, wait } => {
                let id = v!(*id) as u32;
                let count = count.map(|c| v!(c) as u32);
                if id >= 16 {
                    break raw(
                        FaultKind::IllegalInstruction,
                        format!("barrier id {id} is not 0..15"),
                    );
                }
                if *wait {
                    let k = id as usize;
                    blk.waiting[k] += 1;
                    blk.wait_count[k] = blk.wait_count[k].or(count);
                    t.state = State::Barrier {
                        id,
                        count,
                        line: inst.line,
                    };
                    break Ok(Stop::Parked);
                }
                blk.arrivals[id as usize] += 1;
            }
            Op::WarpSync { mask } => {
                let mk = v!(*mask) as u32;
                t.state = State::Warp {
                    coll: Coll::WarpSync,
                    mask: mk,
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Shfl {
                mode,
                d,
                p,
                a,
                b,
                c,
                mask,
            } => {
                let coll = Coll::Shfl {
                    mode: *mode,
                    a: v!(*a),
                    b: v!(*b) as u32,
                    c: v!(*c) as u32,
                    d: *d,
                    p: *p,
                };
                t.state = State::Warp {
                    coll,
                    mask: v!(*mask) as u32,
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Vote { mode, d, a, mask } => {
                let coll = Coll::Vote {
                    mode: *mode,
                    pred: v!(*a) != 0,
                    d: *d,
                };
                t.state = State::Warp {
                    coll,
                    mask: v!(*mask) as u32,
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Redux { op, ty, d, a, mask } => {
                let coll = Coll::Redux {
                    op: *op,
                    ty: *ty,
                    a: v!(*a) & 0xffff_ffff,
                    d: *d,
                };
                t.state = State::Warp {
                    coll,
                    mask: v!(*mask) as u32,
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Match {
                all,
                ty,
                d,
                p,
                a,
                mask,
            } => {
                let coll = Coll::Match {
                    all: *all,
                    a: v!(*a) & ty.mask(),
                    d: *d,
                    p: *p,
                };
                t.state = State::Warp {
                    coll,
                    mask: v!(*mask) as u32,
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Activemask { d } => {
                t.state = State::Activemask {
                    d: *d,
                    pc: (fr.func, fr.pc),
                    line: inst.line,
                };
                break Ok(Stop::Parked);
            }
            Op::Nop => {}
            Op::Unsupported(text) => {
                break raw(
                    FaultKind::Unsupported,
                    format!("unsupported PTX instruction `{text}` at line {}", inst.line),
                )
            }
        }
    };
    dev.instructions += executed as u64;
    result
}

/// What special registers read, for one thread.
struct SregCtx {
    tid: [u32; 3],
    lin: u32,
    ntid: [u32; 3],
    ctaid: [u32; 3],
    nctaid: [u32; 3],
    block_lin: u64,
    nthreads: u32,
    clock: u64,
    dyn_shared: u32,
    total_shared: u32,
    nsm: u32,
}

#[inline(always)]
fn value(fr: &Frame, ids: &SregCtx, executed: u32, s: Src) -> u64 {
    match s {
        Src::R(r) => fr.regs[r as usize],
        Src::NotR(r) => (fr.regs[r as usize] == 0) as u64,
        Src::Imm(x) => x,
        Src::LocalAddr(off) => (fr.local_base + off) as u64,
        Src::ParamAddr(off) => off as u64,
        Src::Sreg(sr) => special(ids, executed, sr),
    }
}

#[cold]
fn special(ids: &SregCtx, executed: u32, sr: Sreg) -> u64 {
    {
        {
            let lane = ids.lin % 32;
            let clock = ids.clock + executed as u64;
            match sr {
                Sreg::Tid(c) => ids.tid[c as usize] as u64,
                Sreg::Ntid(c) => ids.ntid[c as usize] as u64,
                Sreg::Ctaid(c) => ids.ctaid[c as usize] as u64,
                Sreg::Nctaid(c) => ids.nctaid[c as usize] as u64,
                Sreg::LaneId => lane as u64,
                Sreg::WarpId => (ids.lin / 32) as u64,
                Sreg::NWarpId => ids.nthreads.div_ceil(32) as u64,
                Sreg::SmId => ids.block_lin % ids.nsm as u64,
                Sreg::NSmId => ids.nsm as u64,
                Sreg::GridId => 1,
                Sreg::LanemaskEq => 1u64 << lane,
                Sreg::LanemaskLe => mask(lane + 1),
                Sreg::LanemaskLt => mask(lane),
                Sreg::LanemaskGe => (u32::MAX << lane) as u64,
                Sreg::LanemaskGt => (u32::MAX.checked_shl(lane + 1).unwrap_or(0)) as u64,
                Sreg::Clock => clock & 0xffff_ffff,
                Sreg::ClockHi => clock >> 32,
                Sreg::Clock64 => clock,
                // One emulated instruction counts as one nanosecond.
                Sreg::GlobalTimer => clock,
                Sreg::GlobalTimerLo => clock & 0xffff_ffff,
                Sreg::GlobalTimerHi => clock >> 32,
                Sreg::DynamicSmemSize => ids.dyn_shared as u64,
                Sreg::TotalSmemSize | Sreg::AggrSmemSize => ids.total_shared as u64,
                Sreg::EnvReg(_) => 0,
                Sreg::ClusterCtaRank => 0,
                Sreg::ClusterNctaRank => 1,
                Sreg::ClusterId(c) => ids.ctaid[c as usize] as u64,
                Sreg::NClusterId(c) => ids.nctaid[c as usize] as u64,
                Sreg::ClusterCtaId(_) => 0,
                Sreg::ClusterNCtaId(_) => 1,
                Sreg::IsExplicitCluster => 0,
            }
        }
    }
}

fn eff_addr(fr: &Frame, a: &Addr) -> u64 {
    let base = match a.base {
        AddrBase::R(r) => fr.regs[r as usize],
        AddrBase::Abs(x) => x,
        AddrBase::Local(off) => (fr.local_base + off) as u64,
        AddrBase::Param(off) => off as u64,
    };
    base.wrapping_add(a.off as u64)
}

/// Returns from the top frame; true when the thread has exited.
fn do_ret(t: &mut Thread) -> bool {
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

fn f16v(bits: u64) -> f64 {
    half::f16::from_bits(bits as u16).to_f64()
}

fn bf16v(bits: u64) -> f64 {
    half::bf16::from_bits(bits as u16).to_f64()
}

fn to_f64(ty: Ty, bits: u64, ftz: bool) -> f64 {
    match ty {
        Ty::F32 => {
            let x = f32::from_bits(bits as u32);
            (if ftz { ops::ftz32(x) } else { x }) as f64
        }
        Ty::F64 => f64::from_bits(bits),
        Ty::F16 => f16v(bits),
        Ty::BF16 => bf16v(bits),
        _ => f64::NAN,
    }
}

/// `s + e = a + b` exactly (Knuth's TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

fn fin32(x: f32, m: FMods) -> f32 {
    let x = if m.ftz { ops::ftz32(x) } else { x };
    let x = if m.sat { ops::sat32(x) } else { x };
    ops::canon32(x)
}

fn fin64(x: f64, m: FMods) -> f64 {
    ops::canon64(if m.sat { ops::sat64(x) } else { x })
}

fn rn(r: Rnd) -> Rnd {
    if r == Rnd::Default {
        Rnd::Rn
    } else {
        r
    }
}

fn f32_bin(op: FBin, m: FMods, a: u32, b: u32) -> Option<u32> {
    let ftz = |x: f32| if m.ftz { ops::ftz32(x) } else { x };
    let (x, y) = (ftz(f32::from_bits(a)), ftz(f32::from_bits(b)));
    let (xd, yd) = (x as f64, y as f64);
    let rnd = rn(m.rnd);
    let r = match op {
        FBin::Add | FBin::Sub => {
            let yd = if op == FBin::Sub { -yd } else { yd };
            let (s, e) = two_sum(xd, yd);
            round_to_f32(s, sgn(e), rnd)
        }
        FBin::Mul => round_to_f32(xd * yd, 0, rnd),
        FBin::Div => {
            if m.approx {
                // div.approx: within 2 ulp; the correctly rounded quotient is.
                (xd / yd) as f32
            } else {
                let q = xd / yd;
                let res = (-q).mul_add(yd, xd);
                round_to_f32(q, sgn(res) * if yd < 0.0 { -1 } else { 1 }, rnd)
            }
        }
        FBin::Min => return Some(fin32(ops::fminmax32(false, m.nan, x, y), m).to_bits()),
        FBin::Max => return Some(fin32(ops::fminmax32(true, m.nan, x, y), m).to_bits()),
        // copysign: the sign of a, the rest of b.
        FBin::Copysign => return Some((a & 0x8000_0000) | (b & 0x7fff_ffff)),
    };
    Some(fin32(r, m).to_bits())
}

fn f64_bin(op: FBin, m: FMods, a: u64, b: u64) -> Option<u64> {
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let rnd = rn(m.rnd);
    let r = match op {
        FBin::Add | FBin::Sub => {
            let y = if op == FBin::Sub { -y } else { y };
            let (s, e) = two_sum(x, y);
            round_f64(s, sgn(e), rnd)
        }
        FBin::Mul => {
            let p = x * y;
            round_f64(p, sgn(x.mul_add(y, -p)), rnd)
        }
        FBin::Div => {
            let q = x / y;
            let res = (-q).mul_add(y, x);
            round_f64(q, sgn(res) * if y < 0.0 { -1 } else { 1 }, rnd)
        }
        FBin::Min => ops::fminmax64(false, m.nan, x, y),
        FBin::Max => ops::fminmax64(true, m.nan, x, y),
        FBin::Copysign => {
            return Some((a & (1 << 63)) | (b & !(1 << 63)));
        }
    };
    Some(fin64(r, m).to_bits())
}

/// Half-precision binary ops: exact in f64, then one rounding to the format.
fn half_bin(op: FBin, bf: bool, m: FMods, a: u16, b: u16) -> Option<u16> {
    if !matches!(rn(m.rnd), Rnd::Rn) {
        return None;
    }
    let conv = |x: u16| if bf { bf16v(x as u64) } else { f16v(x as u64) };
    let (x, y) = (conv(a), conv(b));
    let r = match op {
        FBin::Add => x + y,
        FBin::Sub => x - y,
        FBin::Mul => x * y,
        FBin::Min => ops::fminmax64(false, m.nan, x, y),
        FBin::Max => ops::fminmax64(true, m.nan, x, y),
        _ => return None,
    };
    let r = if m.sat { ops::sat64(r) } else { r };
    Some(if r.is_nan() {
        0x7fff
    } else if bf {
        half::bf16::from_f64(r).to_bits()
    } else {
        half::f16::from_f64(r).to_bits()
    })
}

fn fbin(op: FBin, ty: Ty, m: FMods, a: u64, b: u64) -> Option<u64> {
    match ty {
        Ty::F32 => f32_bin(op, m, a as u32, b as u32).map(|x| x as u64),
        Ty::F64 => f64_bin(op, m, a, b),
        Ty::F32x2 => {
            let lo = f32_bin(op, m, a as u32, b as u32)?;
            let hi = f32_bin(op, m, (a >> 32) as u32, (b >> 32) as u32)?;
            Some((hi as u64) << 32 | lo as u64)
        }
        Ty::F16 | Ty::BF16 => half_bin(op, ty == Ty::BF16, m, a as u16, b as u16).map(|x| x as u64),
        Ty::F16x2 | Ty::BF16x2 => {
            let bf = ty == Ty::BF16x2;
            let lo = half_bin(op, bf, m, a as u16, b as u16)?;
            let hi = half_bin(op, bf, m, (a >> 16) as u16, (b >> 16) as u16)?;
            Some(((hi as u64) << 16) | lo as u64)
        }
        _ => None,
    }
}

fn fun(op: FUn, ty: Ty, m: FMods, a: u64) -> Option<u64> {
    match ty {
        Ty::F32 => {
            let x = f32::from_bits(a as u32);
            let x = if m.ftz { ops::ftz32(x) } else { x };
            let xd = x as f64;
            let rnd = rn(m.rnd);
            let r = match op {
                FUn::Neg => return Some((x.to_bits() ^ 0x8000_0000) as u64),
                FUn::Abs => return Some((x.to_bits() & 0x7fff_ffff) as u64),
                FUn::Sqrt if m.approx => xd.sqrt() as f32,
                FUn::Sqrt => {
                    let q = xd.sqrt();
                    round_to_f32(q, sgn((-q).mul_add(q, xd)), rnd)
                }
                FUn::Rcp if m.approx => (1.0 / xd) as f32,
                FUn::Rcp => {
                    let q = 1.0 / xd;
                    round_to_f32(
                        q,
                        sgn((-q).mul_add(xd, 1.0)) * if xd < 0.0 { -1 } else { 1 },
                        rnd,
                    )
                }
                // The .approx functions: computed in f64 and rounded once,
                // which is within every documented error bound.
                FUn::Rsqrt => (1.0 / xd.sqrt()) as f32,
                FUn::Sin => xd.sin() as f32,
                FUn::Cos => xd.cos() as f32,
                FUn::Lg2 => xd.log2() as f32,
                FUn::Ex2 => xd.exp2() as f32,
                FUn::Tanh => xd.tanh() as f32,
            };
            Some(fin32(r, m).to_bits() as u64)
        }
        Ty::F64 => {
            let x = f64::from_bits(a);
            let rnd = rn(m.rnd);
            let r = match op {
                FUn::Neg => return Some(a ^ (1 << 63)),
                FUn::Abs => return Some(a & !(1 << 63)),
                FUn::Sqrt => {
                    let q = x.sqrt();
                    round_f64(q, sgn((-q).mul_add(q, x)), rnd)
                }
                FUn::Rcp if m.approx => 1.0 / x,
                FUn::Rcp => {
                    let q = 1.0 / x;
                    round_f64(
                        q,
                        sgn((-q).mul_add(x, 1.0)) * if x < 0.0 { -1 } else { 1 },
                        rnd,
                    )
                }
                FUn::Rsqrt => 1.0 / x.sqrt(),
                _ => return None,
            };
            Some(fin64(r, m).to_bits())
        }
        Ty::F16 | Ty::BF16 | Ty::F16x2 | Ty::BF16x2 => {
            let lane = |h: u16| -> Option<u16> {
                Some(match op {
                    FUn::Neg => h ^ 0x8000,
                    FUn::Abs => h & 0x7fff,
                    _ => return None,
                })
            };
            if matches!(ty, Ty::F16 | Ty::BF16) {
                lane(a as u16).map(|x| x as u64)
            } else {
                Some(((lane((a >> 16) as u16)? as u64) << 16) | lane(a as u16)? as u64)
            }
        }
        _ => None,
    }
}

fn ffma(ty: Ty, m: FMods, a: u64, b: u64, c: u64) -> Option<u64> {
    let rnd = rn(m.rnd);
    match ty {
        Ty::F32 => {
            let ftz = |x: u64| {
                let x = f32::from_bits(x as u32);
                (if m.ftz { ops::ftz32(x) } else { x }) as f64
            };
            // a*b is exact in f64; TwoSum keeps the sum's error.
            let (s, e) = two_sum(ftz(a) * ftz(b), ftz(c));
            Some(fin32(round_to_f32(s, sgn(e), rnd), m).to_bits() as u64)
        }
        Ty::F64 => {
            if rnd != Rnd::Rn {
                return None;
            }
            let r = f64::from_bits(a).mul_add(f64::from_bits(b), f64::from_bits(c));
            Some(fin64(r, m).to_bits())
        }
        Ty::F32x2 => {
            let one = |sh: u32| {
                ffma(
                    Ty::F32,
                    m,
                    a >> sh & 0xffff_ffff,
                    b >> sh & 0xffff_ffff,
                    c >> sh & 0xffff_ffff,
                )
            };
            Some(one(32)? << 32 | one(0)?)
        }
        Ty::F16 | Ty::BF16 => {
            if rnd != Rnd::Rn {
                return None;
            }
            let bf = ty == Ty::BF16;
            let conv = |x: u64| if bf { bf16v(x) } else { f16v(x) };
            // Exact: an 11-bit by 11-bit product plus a half fits in f64.
            let r = conv(a) * conv(b) + conv(c);
            let r = if m.sat { ops::sat64(r) } else { r };
            Some(if bf {
                half::bf16::from_f64(r).to_bits()
            } else {
                half::f16::from_f64(r).to_bits()
            } as u64)
        }
        _ => None,
    }
}

fn int_value(ty: Ty, x: u64) -> i128 {
    if ty.is_signed() {
        sext(x, ty.bits()) as i128
    } else {
        (x & ty.mask()) as i128
    }
}

/// A narrow integer result as its register holds it: a signed type is
/// sign-extended to the register's width (the PTX manual's rule for `cvt`
/// and `ld` into a wider register), an unsigned one zero-extended.
fn extend(ty: Ty, v: u64) -> u64 {
    if ty.is_signed() {
        sext(v, ty.bits()) as u64
    } else {
        v & ty.mask()
    }
}

fn cvt(dty: Ty, sty: Ty, m: FMods, a: u64) -> Option<u64> {
    let sf = sty.is_float();
    let df = dty.is_float();
    match (sf, df) {
        (false, false) => {
            let v = int_value(sty, a);
            if m.sat {
                let bits = dty.bits();
                let (lo, hi) = if dty.is_signed() {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                Some(extend(dty, v.clamp(lo, hi) as u64))
            } else {
                Some(extend(dty, v as u64))
            }
        }
        (true, false) => {
            let rnd = if m.rnd == Rnd::Default {
                Rnd::Rzi
            } else {
                m.rnd
            };
            Some(extend(
                dty,
                ops::float_to_int(to_f64(sty, a, m.ftz), rnd, dty),
            ))
        }
        (false, true) => {
            let v = int_value(sty, a);
            let rnd = rn(m.rnd);
            match dty {
                Ty::F32 => Some(fin32(ops::int_to_f32(v, rnd), m).to_bits() as u64),
                Ty::F64 => Some(fin64(ops::int_to_f64(v, rnd), m).to_bits()),
                Ty::F16 if rnd == Rnd::Rn => Some(half::f16::from_f64(v as f64).to_bits() as u64),
                Ty::BF16 if rnd == Rnd::Rn => Some(half::bf16::from_f64(v as f64).to_bits() as u64),
                _ => None,
            }
        }
        (true, true) => {
            let x = to_f64(sty, a, m.ftz);
            let integral = matches!(m.rnd, Rnd::Rni | Rnd::Rzi | Rnd::Rmi | Rnd::Rpi);
            let x = if integral && !x.is_nan() {
                ops::round_integral(m.rnd, x)
            } else {
                x
            };
            let rnd = if integral { Rnd::Rn } else { rn(m.rnd) };
            match dty {
                Ty::F32 => {
                    let r = if x.is_nan() {
                        f32::NAN
                    } else {
                        round_to_f32(x, 0, rnd)
                    };
                    Some(fin32(r, m).to_bits() as u64)
                }
                Ty::F64 => Some(fin64(x, m).to_bits()),
                Ty::F16 if rnd == Rnd::Rn => {
                    let r = if m.sat { ops::sat64(x) } else { x };
                    Some(if r.is_nan() {
                        0x7fff
                    } else {
                        half::f16::from_f64(r).to_bits()
                    } as u64)
                }
                Ty::BF16 if rnd == Rnd::Rn => {
                    let r = if m.sat { ops::sat64(x) } else { x };
                    Some(if r.is_nan() {
                        0x7fff
                    } else {
                        half::bf16::from_f64(r).to_bits()
                    } as u64)
                }
                _ => None,
            }
        }
    }
}

fn atom(op: AtomOp, ty: Ty, old: u64, b: u64, c: Option<u64>) -> Option<u64> {
    let msk = ty.mask();
    Some(match op {
        AtomOp::Add => match ty {
            // atom.add.f32 rounds to nearest and flushes subnormals.
            Ty::F32 => {
                let r = ops::ftz32(
                    ops::ftz32(f32::from_bits(old as u32)) + ops::ftz32(f32::from_bits(b as u32)),
                );
                ops::canon32(r).to_bits() as u64
            }
            Ty::F64 => ops::canon64(f64::from_bits(old) + f64::from_bits(b)).to_bits(),
            t if t.is_float() => return None,
            _ => old.wrapping_add(b) & msk,
        },
        AtomOp::Min | AtomOp::Max if ty.is_float() => return None,
        AtomOp::Min => ops::int_binary(ops::IntOp::Min, ty, old, b),
        AtomOp::Max => ops::int_binary(ops::IntOp::Max, ty, old, b),
        AtomOp::And => old & b & msk,
        AtomOp::Or => (old | b) & msk,
        AtomOp::Xor => (old ^ b) & msk,
        AtomOp::Exch => b & msk,
        AtomOp::Cas => {
            if old & msk == b & msk {
                c? & msk
            } else {
                old & msk
            }
        }
        AtomOp::Inc => {
            if old & msk >= b & msk {
                0
            } else {
                (old + 1) & msk
            }
        }
        AtomOp::Dec => {
            if old & msk == 0 || old & msk > b & msk {
                b & msk
            } else {
                (old - 1) & msk
            }
        }
    })
}

/// The device heap limit (CUDA's default `cudaLimitMallocHeapSize`).
const HEAP_LIMIT: u64 = 8 * 1024 * 1024;

fn builtin(b: Builtin, argv: &[u64], mem: &mut Mem, printf: &mut Vec<u8>) -> Result<u64, Raw> {
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
            let fmt = read_cstr(mem, arg(0)).map_err(|e| Raw {
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
            match super::printf::format(&fmt, &mut args, &mut string) {
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
fn exclusive<'m>(mem: &'m mut Mem) -> Result<&'m mut GlobalMemory, Raw> {
    match mem.global {
        Global::Exclusive(g) => Ok(g),
        Global::Shared { .. } => raw(
            FaultKind::Unsupported,
            "internal error: device malloc in a launch whose blocks run independently",
        ),
    }
}

fn read_cstr(mem: &mut Mem, addr: u64) -> Result<Vec<u8>, Raw> {
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

/// Whether the semantics of `op` exist for its types and modifiers (the
/// arithmetic helpers answer `None` for a combination they lack, whatever
/// the operand values): the decoder turns a `false` into
/// [`Op::Unsupported`], so the gap shows at load time and in the opcode table.
pub(crate) fn implemented(op: &Op) -> bool {
    match op {
        Op::Cvt { dty, sty, m, .. } => cvt(*dty, *sty, *m, 0).is_some(),
        Op::FBin { op, ty, m, .. } => fbin(*op, *ty, *m, 0, 0).is_some(),
        Op::FUn { op, ty, m, .. } => fun(*op, *ty, *m, 0).is_some(),
        Op::Fma { ty, m, .. } => ffma(*ty, *m, 0, 0, 0).is_some(),
        Op::Atom { op, ty, .. } => atom(*op, *ty, 0, 0, Some(0)).is_some(),
        Op::Setp { cmp, ty, .. } => {
            if ty.is_float() {
                ops::float_compare(*cmp, 0.0, 0.0).is_some()
            } else {
                ops::int_compare(*cmp, *ty, 0, 0).is_some()
            }
        }
        _ => true,
    }
}
