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
    check_alignment, flat_range, AccessError, AllocKind, GlobalMemory, SharedGlobal, Window,
};
use super::ops;
use super::ops::float::{atom, cvt, extend, fbin, ffma, fun, to_f64};
use super::program::*;
use super::types::{mask, sext, Ty};
use super::{Fault, FaultKind, LaunchConfig, Machine, Module, Schedule};

/// The memory a thread reaches (borrowed apart from its frames) and who
/// reaches it, for the sanitizer tools: the `Mem` every access of an
/// instruction goes through. `strong`: a strong access (`.volatile`,
/// `.relaxed`, `.acquire`, `.release`, atomics); `hmm`: the host memory that
/// serves a global access no device memory holds, where the access may use it.
macro_rules! thread_mem {
    ($l:expr, $dev:expr, $blk:expr, $peers:expr, $t:expr, $line:expr, strong: $strong:expr, hmm: $hmm:expr) => {
        Mem {
            global: &mut $dev.global,
            shared: &mut $blk.shared,
            peers: $peers.reborrow(),
            hmm: $hmm,
            local: &mut $t.local,
            local_top: $t.local_top,
            san: $blk.san.as_deref_mut().map(|b| super::sanitize::San {
                tools: $l.tools,
                thread: $t.lin,
                block: $blk.lin,
                block_dims: $l.cfg.block,
                line: $line,
                mark: &mut $t.mark,
                strong: $strong,
                blk: b,
                global: $dev.race.as_mut(),
                debug: &$l.m.debug,
            }),
        }
    };
}

mod control;
mod executor;
mod float;
mod integer;
mod mbarrier;
mod memory;
mod sanitize;
mod warp;

use executor::Executor;
pub(crate) use mbarrier::MBAR_COUNT_MASK;
use memory::Mem;
pub(crate) use sanitize::Tools;
use sanitize::{BlockSan, GlobalRace};
use warp::{check_warp, resolve_activemask, try_barriers};

/// Most threads interpreted at once (blocks are made resident in waves).
const RESIDENT_THREADS: usize = 16 * 1024;
/// Instructions a thread runs before the next one gets a turn.
const SLICE: u32 = 256;

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
    /// `ldmatrix`: the 16-byte row this lane's address names (lanes
    /// 0..8·num; zero for the others), read when it arrived.
    Ldmatrix {
        row: u128,
        trans: bool,
        ds: Vec<Dst>,
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
            Coll::Ldmatrix { .. } => "ldmatrix.sync.aligned",
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
        aligned: bool,
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
    /// At `barrier.cluster.wait`, until every thread of the cluster has
    /// arrived as often as this one.
    Cluster {
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
    /// `barrier.cluster.arrive`s and `wait`s this thread executed.
    cluster_arrivals: u32,
    cluster_waits: u32,
    /// synccheck: an aligned barrier lanes of this thread's warp wait at
    /// while it runs on.
    mark: SyncMark,
}

/// synccheck's record of a thread running while lanes of its warp wait at
/// an aligned barrier: it may be behind (it will arrive) or past it (it
/// went around it). A thread that arrives clears it; one that exits after
/// touching memory went past: a finding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct SyncMark {
    /// The barrier's PTX line (0: none).
    barrier: u32,
    /// The line of the thread's first memory access since (0: none).
    access: u32,
}

struct Block {
    ctaid: [u32; 3],
    lin: u64,
    /// `%cluster_ctarank`: the block's place in its cluster (0 without one).
    rank: u32,
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
    /// The sanitizer tools' state (when one is on).
    san: Option<Box<BlockSan>>,
}

/// The other blocks of a block's cluster: those of lower rank (as many as
/// its rank) and those of higher rank. Empty without clusters.
struct Peers<'x> {
    before: &'x mut [Block],
    after: &'x mut [Block],
}

impl Peers<'_> {
    fn reborrow(&mut self) -> Peers<'_> {
        Peers {
            before: &mut *self.before,
            after: &mut *self.after,
        }
    }
}

/// Block `b` of a wave, and the other blocks of its cluster (the blocks of
/// a cluster stand together in a wave, in rank order).
fn split_cluster<'x>(bl: &'x mut [Block], b: usize, size: u32) -> (&'x mut Block, Peers<'x>) {
    let rank = bl[b].rank as usize;
    let first = b - rank;
    let end = (first + size as usize).min(bl.len());
    let (before, rest) = bl[first..end].split_at_mut(rank);
    match rest {
        [me, after @ ..] => (me, Peers { before, after }),
        // `rank < size`, so `rest` holds the block itself.
        [] => unreachable!("block {b} of rank {rank} is outside its cluster"),
    }
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
    /// `%envreg0`…`%envreg31`.
    envregs: [u32; 32],
    /// Bytes of local memory (all frames) a thread may use: see
    /// [`local_limit`].
    local_limit: u32,
    /// Blocks per cluster (`[1, 1, 1]` without clusters), and whether the
    /// launch has clusters (`%is_explicit_cluster`).
    cluster: [u32; 3],
    explicit_cluster: bool,
    /// The sanitizer tools on for this launch.
    tools: Tools,
    /// With HMM on, the device memory range (other global addresses go to
    /// the host program's memory; see `exec::hmm`).
    hmm: Option<std::ops::Range<u64>>,
}

impl Launch<'_> {
    /// Blocks per cluster.
    fn cluster_size(&self) -> u32 {
        self.cluster.iter().product()
    }

    /// The block at position `p` of the launch's order: cluster after
    /// cluster (the blocks of one are resident together), each in rank
    /// order; without clusters, the linear block order. Returns its
    /// `%ctaid`, linear index and rank in its cluster.
    fn block_at(&self, p: u64) -> ([u32; 3], u64, u32) {
        let (g, c) = (self.cfg.grid, self.cluster);
        let size = self.cluster_size() as u64;
        let (cl, rank) = (p / size, (p % size) as u32);
        let n = [g[0] / c[0], g[1] / c[1]];
        let cluster_at = [
            (cl % n[0] as u64) as u32,
            (cl / n[0] as u64 % n[1] as u64) as u32,
            (cl / (n[0] as u64 * n[1] as u64)) as u32,
        ];
        let within = [rank % c[0], rank / c[0] % c[1], rank / (c[0] * c[1])];
        let ctaid: [u32; 3] = std::array::from_fn(|d| cluster_at[d] * c[d] + within[d]);
        let lin = ctaid[0] as u64 + g[0] as u64 * (ctaid[1] as u64 + g[1] as u64 * ctaid[2] as u64);
        (ctaid, lin, rank)
    }
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
    let total_shared = f.static_shared + cfg.shared as u64;
    if total_shared > machine.arch.max_shared_optin as u64 {
        return inval(format!(
            "{total_shared} bytes of shared memory ({} static + {} dynamic) exceed the {} bytes an {} block can have",
            f.static_shared, cfg.shared, machine.arch.max_shared_optin, machine.arch.name
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

/// The local memory a thread of kernel `fi` may use, as a driver sizes it:
/// the deepest path of the kernel's calls, where a call through a pointer
/// may reach any function whose address the module takes and a recursive
/// cycle (a strongly connected component of the call graph) counts each of
/// its functions once, and at least the context's stack size
/// (`CU_LIMIT_STACK_SIZE`; ptxas warns "stack size cannot be statically
/// determined" for recursive kernels, whose depth that limit bounds). So
/// recursion deeper than the limit allows overflows, as it would on a GPU,
/// and a kernel without recursion never does: a path that repeats no
/// function visits each member of a cycle at most once.
fn local_limit(m: &Module, fi: u32, stack_size: u32) -> u32 {
    // The components come callees first (Tarjan's order is a reverse
    // topological order), so each one's deepest path below is known when
    // it is reached. (A depth-first walk that cuts cycles where they close
    // can't memoize: what it found below a function depends on where it
    // entered the cycle.)
    let mut graph = petgraph::Graph::<(), ()>::new();
    let nodes: Vec<_> = m.funcs.iter().map(|_| graph.add_node(())).collect();
    for (f, g) in m.funcs.iter().enumerate() {
        let indirect = if g.calls_indirect {
            &m.address_taken[..]
        } else {
            &[]
        };
        for &c in g.callees.iter().chain(indirect) {
            graph.add_edge(nodes[f], nodes[c as usize], ());
        }
    }
    let mut component = vec![0usize; m.funcs.len()];
    let mut deepest: Vec<u32> = Vec::new();
    for (k, members) in petgraph::algo::tarjan_scc(&graph).into_iter().enumerate() {
        for n in &members {
            component[n.index()] = k;
        }
        let own = members.iter().fold(0u32, |sum, n| {
            sum.saturating_add(m.funcs[n.index()].local_size)
        });
        let below = members
            .iter()
            .flat_map(|n| graph.neighbors(*n))
            .map(|c| component[c.index()])
            .filter(|&c| c != k)
            .map(|c| deepest[c])
            .max()
            .unwrap_or(0);
        deepest.push(own.saturating_add(below));
    }
    deepest[component[fi as usize]].max(stack_size)
}

/// The launch's blocks per cluster: the kernel's `.reqnctapercluster`, or
/// the launch's own (which must agree with it when both are given).
fn cluster(machine: &Machine, m: &Module, fi: u32, cfg: &LaunchConfig) -> Result<[u32; 3], Fault> {
    let f = &m.funcs[fi as usize];
    let c = match f.reqnctapercluster {
        Some(req) if cfg.cluster != [1, 1, 1] && cfg.cluster != req => {
            return Err(fault(
                FaultKind::InvalidValue,
                format!(
                "launching kernel `{}`: the launch asks for clusters of {:?} blocks, the kernel \
                     was compiled for .reqnctapercluster {req:?}",
                f.name, cfg.cluster
            ),
            ))
        }
        Some(req) => req,
        None => cfg.cluster,
    };
    if c == [1, 1, 1] {
        return Ok(c);
    }
    let size: u64 = c.iter().map(|&x| x as u64).product();
    if machine.arch.major < 9
        || size > 16
        || (0..3).any(|d| c[d] == 0 || !cfg.grid[d].is_multiple_of(c[d]))
    {
        return Err(fault(
            FaultKind::InvalidValue,
            format!(
                "launching kernel `{}`: clusters of {c:?} blocks need sm_90 or newer ({} here), at \
                 most 16 blocks, and a grid ({:?}) they divide",
                f.name, machine.arch.name, cfg.grid
            ),
        ));
    }
    Ok(c)
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
        envregs: machine.envregs,
        local_limit: local_limit(m, fi, machine.stack_limit),
        cluster: cluster(machine, m, fi, cfg)?,
        explicit_cluster: false,
        tools: Tools {
            race: machine.racecheck,
            init: machine.mem.initcheck,
            sync: machine.synccheck,
        },
        hmm: machine.hmm.then(|| machine.mem.device_range()),
    };
    l.explicit_cluster = l.cluster_size() > 1 || m.funcs[fi as usize].reqnctapercluster.is_some();
    let nblocks = cfg.grid.iter().map(|&x| x as u64).product::<u64>();
    // The sanitizer tools track accesses through the exclusive view of
    // memory only; the blocks of a cluster share memory.
    if isolated && machine.schedule == Schedule::InOrder && !l.tools.any() && l.cluster_size() == 1
    {
        return run_blocks_in_parallel(machine, &l, fi, nblocks);
    }
    // Whole clusters per wave.
    let size = l.cluster_size() as u64;
    let per_wave = ((RESIDENT_THREADS / nthreads as usize) as u64 / size).max(1) * size;
    let mut dev = Device {
        global: Global::Exclusive(&mut machine.mem),
        printf: Vec::new(),
        instructions: 0,
        clock_base: machine.instructions,
        nsm: machine.arch.multiprocessors,
        race: l.tools.race.then(GlobalRace::default),
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
    // Blocks go in chunks, so a huge grid needs no more memory for its
    // results than a chunk's.
    const CHUNK: u64 = 4096;
    let mut next = 0;
    while next < nblocks {
        let blocks = next..(next + CHUNK).min(nblocks);
        next = blocks.end;
        let view = machine.mem.shared_view();
        // Blocks after a faulting one are skipped: their effects are discarded.
        let first_fault = AtomicU64::new(u64::MAX);
        let runs: Vec<Option<BlockRun>> = blocks
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
                    race: None,
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
    /// racecheck's record of global memory accesses in this launch.
    race: Option<GlobalRace>,
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
    let shared_size = (f.static_shared + l.dyn_shared as u64) as usize;
    let mut bl = Vec::new();
    let mut th: Vec<Thread> = Vec::new();
    for p in blocks {
        let (ctaid, b, rank) = l.block_at(p);
        bl.push(Block {
            ctaid,
            lin: b,
            rank,
            shared: vec![0; shared_size],
            first_thread: th.len(),
            threads: l.nthreads as usize,
            exited: 0,
            arrivals: [0; 16],
            waiting: [0; 16],
            wait_count: [None; 16],
            san: l
                .tools
                .any()
                .then(|| Box::new(BlockSan::new(l.tools, shared_size, l.nthreads))),
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
                cluster_arrivals: 0,
                cluster_waits: 0,
                mark: SyncMark::default(),
            });
        }
    }
    let mut live = th.len();
    if l.rng == 0 {
        return run_warps(dev, l, th, bl, live);
    }
    let mut order: Vec<usize> = (0..th.len()).collect();
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
            if !matches!(th[i].state, State::Ready) {
                continue;
            }
            progress = true;
            let slice = if l.rng != 0 {
                1 + (splitmix(&mut l.rng) % (2 * SLICE as u64)) as u32
            } else {
                SLICE
            };
            let b = th[i].block;
            let (blk, mut peers) = split_cluster(&mut bl, b, l.cluster_size());
            run_thread(dev, l, &mut th, blk, &mut peers, i, slice, &mut live)?;
        }
        if !progress {
            return Err(deadlock(l, &th, &bl));
        }
    }
    Ok(())
}

/// Runs thread `i` for up to `slice` instructions on its own, then settles
/// what it stopped at (an exit, a barrier, a warp collective).
// The scheduler's state is borrowed apart (the threads, the block, the
// other blocks of its cluster) so that the executor can hold all at once.
#[allow(clippy::too_many_arguments)]
fn run_thread(
    dev: &mut Device,
    l: &Launch,
    th: &mut [Thread],
    blk: &mut Block,
    peers: &mut Peers,
    i: usize,
    slice: u32,
    live: &mut usize,
) -> Result<(), Fault> {
    let arrivals = th[i].cluster_arrivals;
    let stop = Executor::new(dev, l, &mut th[i], blk, peers.reborrow())
        .run(slice)
        .map_err(|e| located(l, &th[i], blk, e))?;
    match stop {
        Stop::Slice => {}
        Stop::Exited => {
            let m = th[i].mark;
            if l.tools.sync && m.barrier != 0 && m.access != 0 {
                return Err(located(
                    l,
                    &th[i],
                    blk,
                    Unlocated {
                        kind: FaultKind::LaunchFailed,
                        msg: format!(
                            "synccheck: this thread exits without reaching the bar.sync at PTX \
                             line {} that other lanes of its warp wait at, after accessing memory \
                             at PTX line {} past it: an aligned barrier (bar.sync, \
                             barrier.sync.aligned) must be reached by every thread of a warp or \
                             by none",
                            m.barrier, m.access
                        ),
                    },
                ));
            }
            *live -= 1;
            blk.exited += 1;
            try_barriers(th, blk);
            check_warp(l, th, blk, i)?;
        }
        Stop::Parked => match th[i].state {
            State::Barrier { aligned, .. } => {
                if aligned && l.tools.sync {
                    warp::check_aligned(l, th, blk, i)?;
                }
                try_barriers(th, blk)
            }
            State::Warp { .. } => check_warp(l, th, blk, i)?,
            _ => {}
        },
    }
    let arrived = th[i].cluster_arrivals != arrivals;
    if (arrived || matches!(stop, Stop::Exited) || matches!(th[i].state, State::Cluster { .. }))
        && try_cluster(l, th, blk)
    {
        // A cluster barrier orders the accesses of its blocks' threads.
        for b in std::iter::once(&mut *blk)
            .chain(peers.before.iter_mut())
            .chain(peers.after.iter_mut())
        {
            if let Some(s) = &mut b.san {
                s.epoch += 1;
            }
        }
    }
    if matches!(
        th[i].state,
        State::Activemask { .. } | State::Warp { .. } | State::Barrier { .. } | State::Done
    ) {
        resolve_activemask(th, blk, i);
    }
    Ok(())
}

/// Releases the threads of `blk`'s cluster parked at `barrier.cluster.wait`
/// whose phase is complete: every thread of the cluster that has not
/// exited has arrived as often as they have.
fn try_cluster(l: &Launch, th: &mut [Thread], blk: &Block) -> bool {
    let n = l.nthreads as usize;
    let first = blk.first_thread - blk.rank as usize * n;
    let end = (first + l.cluster_size() as usize * n).min(th.len());
    let all = &mut th[first..end];
    let least = all
        .iter()
        .filter(|t| t.state != State::Done)
        .map(|t| t.cluster_arrivals)
        .min()
        .unwrap_or(0);
    let mut released = false;
    for t in all {
        if matches!(t.state, State::Cluster { .. }) && least >= t.cluster_arrivals {
            t.state = State::Ready;
            t.cluster_waits += 1;
            released = true;
        }
    }
    released
}

/// Turns a warp may stay diverged before one turn runs its threads one by
/// one, a slice each: so a thread that the lockstep order would starve (a
/// spin lock's holder, whose waiters sit at a lower instruction) runs.
const DIVERGED_TURNS: u8 = 4;

/// The in-order schedule: warp after warp, a turn of [`SLICE`] steps each.
/// In a turn the warp's lanes that stand at the same instruction (all of
/// them while it is converged) execute it together, lane by lane; after a
/// divergent branch the group deepest in calls, then at the lowest
/// instruction, goes first, which reconverges structured code where its
/// paths join.
fn run_warps(
    dev: &mut Device,
    l: &Launch,
    mut th: Vec<Thread>,
    mut bl: Vec<Block>,
    mut live: usize,
) -> Result<(), Fault> {
    let warps: Vec<(usize, usize, u32)> = bl
        .iter()
        .enumerate()
        .flat_map(|(b, blk)| {
            (0..blk.threads.div_ceil(32)).map(move |w| {
                let first = blk.first_thread + 32 * w;
                (b, first, (blk.threads - 32 * w).min(32) as u32)
            })
        })
        .collect();
    let mut diverged = vec![0u8; warps.len()];
    while live > 0 {
        let mut progress = false;
        for (k, &(b, first, n)) in warps.iter().enumerate() {
            let (blk, mut peers) = split_cluster(&mut bl, b, l.cluster_size());
            if ready_lanes(&th, first, n) == 0 {
                continue;
            }
            progress = true;
            if diverged[k] >= DIVERGED_TURNS {
                diverged[k] = 0;
                for i in first..first + n as usize {
                    if matches!(th[i].state, State::Ready) {
                        run_thread(dev, l, &mut th, blk, &mut peers, i, SLICE, &mut live)?;
                    }
                }
                continue;
            }
            let mut steps = 0;
            while steps < SLICE {
                let ready = ready_lanes(&th, first, n);
                if ready == 0 {
                    break;
                }
                let group = lockstep_group(&th, first, ready);
                let (done, fallback) = executor::run_converged(
                    dev,
                    l,
                    &mut th,
                    blk,
                    &mut peers,
                    first,
                    group,
                    SLICE - steps,
                )?;
                steps += done;
                if fallback {
                    // One instruction per lane, in lane order, on its own.
                    for j in 0..n {
                        let i = first + j as usize;
                        if group & (1 << j) != 0 && matches!(th[i].state, State::Ready) {
                            run_thread(dev, l, &mut th, blk, &mut peers, i, 1, &mut live)?;
                        }
                    }
                    steps += 1;
                }
            }
            let ready = ready_lanes(&th, first, n);
            if ready != 0 && lockstep_group(&th, first, ready) != ready {
                diverged[k] += 1;
            } else {
                diverged[k] = 0;
            }
        }
        if !progress {
            return Err(deadlock(l, &th, &bl));
        }
    }
    Ok(())
}

/// The lanes of the warp starting at thread `first` that can run.
fn ready_lanes(th: &[Thread], first: usize, n: u32) -> u32 {
    (0..n)
        .filter(|&j| matches!(th[first + j as usize].state, State::Ready))
        .fold(0, |m, j| m | 1 << j)
}

/// Where a thread stands: (call depth, function, instruction).
fn position(t: &Thread) -> (usize, u32, u32) {
    t.frames
        .last()
        .map_or((0, 0, 0), |f| (t.frames.len(), f.func, f.pc))
}

/// The lanes of `ready` that run next together: those at the position of
/// the lane deepest in calls, then at the lowest instruction.
fn lockstep_group(th: &[Thread], first: usize, ready: u32) -> u32 {
    let lanes = (0..32).filter(|j| ready & (1 << j) != 0);
    let Some(lead) = lanes.clone().min_by_key(|&j| {
        let (depth, _, pc) = position(&th[first + j]);
        (std::cmp::Reverse(depth), pc)
    }) else {
        return 0;
    };
    let at = position(&th[first + lead]);
    lanes
        .filter(|&j| position(&th[first + j]) == at)
        .fold(0, |m, j| m | 1 << j)
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
            State::Cluster { line } => ("barrier.cluster.wait".to_string(), *line),
            _ => continue,
        };
        let key = |s: &State| match s {
            State::Barrier { id, line, .. } => Some((0, *id, *line)),
            State::Warp { coll, line, .. } => Some((1, coll.name().len() as u32, *line)),
            State::Activemask { line, .. } => Some((2, 0, *line)),
            State::Cluster { line } => Some((3, 0, *line)),
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
                State::Cluster { line } => {
                    format!("{} at barrier.cluster.wait (line {line})", t.lin)
                }
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

/// A fault raised inside `run_slice`, before `located` names its kernel,
/// PTX line, block and thread.
struct Unlocated {
    kind: FaultKind,
    msg: String,
}

fn located(l: &Launch, t: &Thread, blk: &Block, e: Unlocated) -> Fault {
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
            "in kernel `{}` at PTX line {line}{}{inner}, block {:?} thread {:?}: {}",
            l.kernel,
            l.m.debug.note(line),
            blk.ctaid,
            t.tid,
            e.msg
        ),
    )
}

fn raw<T>(kind: FaultKind, msg: impl Into<String>) -> Result<T, Unlocated> {
    Err(Unlocated {
        kind,
        msg: msg.into(),
    })
}
