//! The executor: runs one thread's instructions, a slice at a time, and
//! hands each to the file of its family (`integer`, `float`, `memory`,
//! `control`, `warp`). Operands were resolved by the decoder to register
//! indices, immediates and addresses: the loop looks at no string and no
//! map.

use super::control::do_ret;
use super::*;

/// What executing an instruction asks of the loop.
pub(super) enum Flow {
    /// Go on with the next instruction.
    Next,
    /// End the slice.
    Stop(Stop),
}

/// What executing one instruction for the lanes of a converged warp did.
pub(super) enum WarpStep {
    /// Every lane goes on with the next instruction.
    Next,
    /// Every lane jumps to this one.
    Jump(u32),
    /// The lanes took different paths: each lane's frame holds its next
    /// instruction.
    Diverged,
    /// Not executed (a call, a collective, a special register, a memory
    /// space that is per thread, …): the lanes run it one by one.
    Fallback,
}

/// Whether an operand reads the same way in every lane's frame (special
/// registers need the thread's identity: those run lane by lane).
pub(super) fn plain(s: Src) -> bool {
    !matches!(s, Src::Sreg(_))
}

/// A [`plain`] operand of one lane.
#[inline(always)]
pub(super) fn lane_value(fr: &Frame, s: Src) -> u64 {
    match s {
        Src::R(r) => fr.regs[r as usize],
        Src::NotR(r) => (fr.regs[r as usize] == 0) as u64,
        Src::Imm(x) => x,
        Src::LocalAddr(off) => (fr.local_base + off) as u64,
        Src::ParamAddr(off) => off as u64,
        Src::Sreg(_) => 0,
    }
}

/// Writes a lane's register (`_` writes nothing).
#[inline(always)]
pub(super) fn lane_set(fr: &mut Frame, d: Dst, v: u64) {
    if d != SINK {
        fr.regs[d as usize] = v;
    }
}

/// Whether an instruction's guard lets it run in this lane.
#[inline(always)]
pub(super) fn guard_passes(fr: &Frame, guard: Option<(u32, bool)>) -> bool {
    guard.is_none_or(|(p, neg)| (fr.regs[p as usize] != 0) != neg)
}

/// Runs `body` for every lane whose guard passes.
macro_rules! each_lane {
    ($lanes:expr, $guard:expr, |$fr:ident| $body:expr) => {{
        // Unguarded instructions (most) skip the test in the lane loop.
        match $guard {
            None => {
                for $fr in $lanes.iter_mut() {
                    let $fr: &mut Frame = $fr;
                    $body;
                }
            }
            guard => {
                for $fr in $lanes.iter_mut() {
                    let $fr: &mut Frame = $fr;
                    if guard_passes($fr, guard) {
                        $body;
                    }
                }
            }
        }
        WarpStep::Next
    }};
}
pub(super) use each_lane;

/// Runs the lanes in `group` of the warp that starts at thread `first`, all
/// at the same instruction, in lockstep: one instruction for every lane,
/// then the next, for up to `budget` instructions, until they diverge or
/// reach one that must run lane by lane. Returns the instructions executed
/// and whether the one it stopped at must run lane by lane.
// Borrowed apart as `run_thread`'s (see there).
#[allow(clippy::too_many_arguments)]
pub(super) fn run_converged(
    dev: &mut Device,
    l: &Launch,
    th: &mut [Thread],
    blk: &mut Block,
    peers: &mut Peers,
    first: usize,
    group: u32,
    budget: u32,
) -> Result<(u32, bool), Fault> {
    let lead = first + group.trailing_zeros() as usize;
    let Some(top) = th[lead].frames.last() else {
        return Ok((0, true));
    };
    let code: &[Inst] = &l.m.funcs[top.func as usize].code;
    let mut pc = top.pc;
    let count = group.count_ones() as u64;
    let mut members: Vec<usize> = Vec::with_capacity(32);
    members.extend((0..32).filter(|j| group & (1 << j) != 0).map(|j| first + j));
    let mut lanes: Vec<&mut Frame> = Vec::with_capacity(32);
    lanes.extend(
        th[first..]
            .iter_mut()
            .take(32)
            .enumerate()
            .filter(|(j, _)| group & (1 << j) != 0)
            .filter_map(|(_, t)| t.frames.last_mut()),
    );
    let mut steps = 0;
    let mut fallback = true;
    while steps < budget {
        let Some(inst) = code.get(pc as usize) else {
            break;
        };
        let step = match &inst.op {
            // `bar.sync` with a constant id: the lanes park together.
            &Op::Bar {
                id: Src::Imm(id),
                count: None,
                wait: true,
                aligned: _,
            } if inst.guard.is_none() && id < 16 && !l.tools.sync => {
                for fr in lanes.iter_mut() {
                    fr.pc = pc + 1;
                }
                drop(lanes);
                warp::park_at_barrier(th, blk, &members, id as u32, inst.line);
                dev.instructions += count;
                return Ok((steps + 1, false));
            }
            // The sanitizer tools check accesses thread by thread.
            Op::Ld { .. } | Op::St { .. } if l.tools.any() => Ok(WarpStep::Fallback),
            Op::Ld { .. } | Op::St { .. } => memory::exec_warp(
                inst,
                &mut lanes,
                &mut dev.global,
                &mut blk.shared,
                peers,
                &l.hmm,
            ),
            Op::FBin { .. } | Op::FUn { .. } | Op::Fma { .. } | Op::Cvt { .. } => {
                Ok(float::exec_warp(inst, &mut lanes))
            }
            Op::Bra { .. } | Op::Nop => Ok(control::exec_warp(inst, &mut lanes, pc)),
            _ => Ok(integer::exec_warp(inst, &mut lanes)),
        };
        match step {
            Ok(WarpStep::Next) => pc += 1,
            Ok(WarpStep::Jump(target)) => pc = target,
            Ok(WarpStep::Diverged) => {
                steps += 1;
                dev.instructions += count;
                return Ok((steps, false));
            }
            Ok(WarpStep::Fallback) => break,
            Err((k, e)) => {
                // As the thread-by-thread loop leaves it: past the instruction.
                for fr in lanes.iter_mut() {
                    fr.pc = pc + 1;
                }
                dev.instructions += count;
                let i = members.get(k).copied().unwrap_or(lead);
                return Err(located(l, &th[i], blk, e));
            }
        }
        steps += 1;
        dev.instructions += count;
        if steps == budget {
            fallback = false;
        }
    }
    for fr in lanes.iter_mut() {
        fr.pc = pc;
    }
    Ok((steps, fallback))
}

/// One thread's run: the thread, its block and the device it runs on.
pub(super) struct Executor<'x, 'd> {
    pub dev: &'x mut Device<'d>,
    pub l: &'x Launch<'x>,
    pub t: &'x mut Thread,
    pub blk: &'x mut Block,
    /// The other blocks of the block's cluster.
    pub peers: Peers<'x>,
    pub ids: SregCtx<'x>,
    /// Instructions of this slice so far.
    pub executed: u32,
}

impl<'x, 'd> Executor<'x, 'd> {
    pub fn new(
        dev: &'x mut Device<'d>,
        l: &'x Launch<'x>,
        t: &'x mut Thread,
        blk: &'x mut Block,
        peers: Peers<'x>,
    ) -> Self {
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
            envregs: &l.envregs,
            cluster: l.cluster,
            rank: blk.rank,
            explicit_cluster: l.explicit_cluster,
        };
        Executor {
            dev,
            l,
            t,
            blk,
            peers,
            ids,
            executed: 0,
        }
    }

    /// Runs the thread for up to `slice` instructions.
    pub fn run(&mut self, slice: u32) -> Result<Stop, Unlocated> {
        let m = self.l.m;
        // The code of the top frame, refreshed whenever the frame stack changes.
        let mut depth = self.t.frames.len() - 1;
        let mut code: &[Inst] = &m.funcs[self.t.frames[depth].func as usize].code;
        let result = loop {
            if self.executed >= slice {
                break Ok(Stop::Slice);
            }
            self.executed += 1;
            let t = &mut *self.t;
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
            let step = match &inst.op {
                Op::Mov { .. }
                | Op::Pack { .. }
                | Op::Unpack { .. }
                | Op::Int { .. }
                | Op::IntUn { .. }
                | Op::AddC { .. }
                | Op::MadC { .. }
                | Op::Mad { .. }
                | Op::PredLogic { .. }
                | Op::Bfe { .. }
                | Op::Bfi { .. }
                | Op::Prmt { .. }
                | Op::Shf { .. }
                | Op::Bmsk { .. }
                | Op::Bfind { .. }
                | Op::Mul24 { .. }
                | Op::Sad { .. }
                | Op::Dp2a { .. }
                | Op::Dp4a { .. }
                | Op::Szext { .. }
                | Op::Slct { .. }
                | Op::Set { .. }
                | Op::Setp { .. }
                | Op::Selp { .. }
                | Op::Lop3 { .. } => integer::exec(self, depth, inst),
                Op::Cvt { .. }
                | Op::FBin { .. }
                | Op::FUn { .. }
                | Op::Fma { .. }
                | Op::Testp { .. } => float::exec(self, depth, inst),
                Op::Ld { .. }
                | Op::St { .. }
                | Op::Atom { .. }
                | Op::CpAsync { .. }
                | Op::Cvta { .. }
                | Op::IsSpace { .. } => memory::exec(self, depth, inst),
                Op::Mbar { .. } => mbarrier::exec(self, depth, inst),
                Op::Mapa { .. } | Op::GetCtaRank { .. } => memory::exec(self, depth, inst),
                Op::Bra { .. }
                | Op::BrxIdx { .. }
                | Op::Call { .. }
                | Op::Ret
                | Op::Exit
                | Op::Trap
                | Op::Brkpt
                | Op::Nop
                | Op::Fence
                | Op::Unsupported(_) => control::exec(self, depth, inst),
                Op::Elect { .. }
                | Op::ClusterBar { .. }
                | Op::Bar { .. }
                | Op::WarpSync { .. }
                | Op::Shfl { .. }
                | Op::Vote { .. }
                | Op::Redux { .. }
                | Op::Match { .. }
                | Op::Ldmatrix { .. }
                | Op::Activemask { .. } => warp::exec(self, depth, inst),
            };
            match step {
                Ok(Flow::Next) => {}
                Ok(Flow::Stop(stop)) => break Ok(stop),
                Err(e) => break Err(e),
            }
        };
        self.dev.instructions += self.executed as u64;
        result
    }
}

/// What special registers read, for one thread.
pub(super) struct SregCtx<'x> {
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
    /// `%envreg0`…`%envreg31`, the launch's (borrowed: this is built for
    /// every scheduling slice).
    envregs: &'x [u32; 32],
    /// Blocks per cluster, the block's rank in its cluster, and whether
    /// the launch has clusters.
    cluster: [u32; 3],
    rank: u32,
    explicit_cluster: bool,
}

#[inline(always)]
pub(super) fn value(fr: &Frame, ids: &SregCtx<'_>, executed: u32, s: Src) -> u64 {
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
pub(super) fn special(ids: &SregCtx<'_>, executed: u32, sr: Sreg) -> u64 {
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
                Sreg::EnvReg(n) => ids.envregs.get(n as usize).copied().unwrap_or(0) as u64,
                Sreg::ClusterCtaRank => ids.rank as u64,
                Sreg::ClusterNctaRank => ids.cluster.iter().product::<u32>() as u64,
                Sreg::ClusterId(c) => (ids.ctaid[c as usize] / ids.cluster[c as usize]) as u64,
                Sreg::NClusterId(c) => (ids.nctaid[c as usize] / ids.cluster[c as usize]) as u64,
                Sreg::ClusterCtaId(c) => (ids.ctaid[c as usize] % ids.cluster[c as usize]) as u64,
                Sreg::ClusterNCtaId(c) => ids.cluster[c as usize] as u64,
                Sreg::IsExplicitCluster => ids.explicit_cluster as u64,
            }
        }
    }
}

pub(super) fn eff_addr(fr: &Frame, a: &Addr) -> u64 {
    let base = match a.base {
        AddrBase::R(r) => fr.regs[r as usize],
        AddrBase::Abs(x) => x,
        AddrBase::Local(off) => (fr.local_base + off) as u64,
        AddrBase::Param(off) => off as u64,
    };
    base.wrapping_add(a.off as u64)
}

pub(super) fn read_le(b: &[u8]) -> u64 {
    match b.len() {
        4 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64,
        8 => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        n => {
            let mut x = [0u8; 8];
            x[..n.min(8)].copy_from_slice(&b[..n.min(8)]);
            u64::from_le_bytes(x)
        }
    }
}
