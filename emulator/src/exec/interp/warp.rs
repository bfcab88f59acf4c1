//! Barriers and warp collectives: a thread parks at `bar.sync`, `shfl.sync`,
//! `vote.sync`, `redux.sync`, `match.sync`, `elect.sync`, `bar.warp.sync` or
//! `activemask`, and the scheduler completes the collective (here) once every
//! thread it names has arrived.

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
        peers,
        l,
    } = x;
    let executed = *executed;
    let fr = &mut t.frames[depth];
    macro_rules! v {
        ($s:expr) => {
            value(fr, ids, executed, $s)
        };
    }
    match &inst.op {
        Op::Elect { d, p, mask } => {
            let coll = Coll::Elect { d: *d, p: *p };
            t.state = State::Warp {
                coll,
                mask: v!(*mask) as u32,
                line: inst.line,
            };
            return Ok(Flow::Stop(Stop::Parked));
        }
        Op::ClusterBar { wait: false } => {
            if t.cluster_arrivals > t.cluster_waits {
                return raw(
                    FaultKind::LaunchFailed,
                    "barrier.cluster.arrive twice with no barrier.cluster.wait between (undefined \
                     in PTX)",
                );
            }
            t.cluster_arrivals += 1;
            // The scheduler releases the threads this arrival completes.
            return Ok(Flow::Stop(Stop::Slice));
        }
        Op::ClusterBar { wait: true } => {
            if t.cluster_arrivals == t.cluster_waits {
                return raw(
                    FaultKind::LaunchFailed,
                    "barrier.cluster.wait with no barrier.cluster.arrive before it (undefined in \
                     PTX)",
                );
            }
            t.state = State::Cluster { line: inst.line };
            return Ok(Flow::Stop(Stop::Parked));
        }
        Op::Bar {
            id,
            count,
            wait,
            aligned,
        } => {
            let id = v!(*id) as u32;
            let count = count.map(|c| v!(c) as u32);
            if id >= 16 {
                return raw(
                    FaultKind::IllegalInstruction,
                    format!("barrier id {id} is not 0..15"),
                );
            }
            let k = id as usize;
            if l.tools.sync {
                if let Some(c) = count.filter(|c| c % 32 != 0) {
                    return raw(
                        FaultKind::LaunchFailed,
                        format!(
                            "synccheck: barrier {id} with a thread count of {c}, which is not a \
                             multiple of the warp size (32): undefined in PTX"
                        ),
                    );
                }
                let pending = blk.waiting[k] + blk.arrivals[k] > 0;
                if let (true, Some(c0), Some(c)) = (pending, blk.wait_count[k], count) {
                    if c0 != c {
                        return raw(
                            FaultKind::LaunchFailed,
                            format!(
                                "synccheck: barrier {id} with a thread count of {c}, where threads \
                                 already waiting there gave {c0}: every thread of one barrier \
                                 must give the same count"
                            ),
                        );
                    }
                }
            }
            if *wait {
                blk.waiting[k] += 1;
                blk.wait_count[k] = blk.wait_count[k].or(count);
                t.state = State::Barrier {
                    id,
                    count,
                    line: inst.line,
                    aligned: *aligned,
                };
                return Ok(Flow::Stop(Stop::Parked));
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
            return Ok(Flow::Stop(Stop::Parked));
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
            return Ok(Flow::Stop(Stop::Parked));
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
            return Ok(Flow::Stop(Stop::Parked));
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
            return Ok(Flow::Stop(Stop::Parked));
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
            return Ok(Flow::Stop(Stop::Parked));
        }
        Op::Ldmatrix {
            trans,
            space,
            addr,
            ds,
        } => {
            // Lanes 0..8·num name the rows; each reads its own row as it
            // arrives (through the memory checks and the sanitizer tools,
            // as a 16-byte load), and the warp's lanes exchange the rows
            // once all are there. ".sync.aligned": the whole warp takes part.
            let lane = t.lin % 32;
            let mut row = 0u128;
            if lane < 8 * ds.len() as u32 {
                let a = eff_addr(fr, addr);
                if *space == MemSpace::Generic
                    && !matches!(crate::exec::memory::window(a), Window::Shared(_))
                {
                    return raw(
                        FaultKind::IllegalAddress,
                        format!(
                            "ldmatrix row address {a:#x} (lane {lane}) is not in shared memory (undefined in PTX)"
                        ),
                    );
                }
                // ldmatrix reads shared memory only: no HMM.
                let mut mem =
                    thread_mem!(l, dev, blk, peers, t, inst.line, strong: false, hmm: None);
                let mut bytes = [0u8; 16];
                let fr = &mut t.frames[depth];
                mem.read(*space, a, &mut bytes, &mut fr.params)?;
                row = u128::from_le_bytes(bytes);
            }
            let (_, n) = warp_range(blk, t.lin);
            t.state = State::Warp {
                coll: Coll::Ldmatrix {
                    row,
                    trans: *trans,
                    ds: ds.clone(),
                },
                mask: mask32(n),
                line: inst.line,
            };
            return Ok(Flow::Stop(Stop::Parked));
        }
        Op::Activemask { d } => {
            t.state = State::Activemask {
                d: *d,
                pc: (fr.func, fr.pc),
                line: inst.line,
            };
            return Ok(Flow::Stop(Stop::Parked));
        }
        _ => {
            return raw(
                FaultKind::Unsupported,
                format!("internal error: {:?} is not a warp instruction", inst.op),
            )
        }
    }
    Ok(Flow::Next)
}

/// The first thread of warp `w` of a block, and how many threads it has.
pub(super) fn warp_range(blk: &Block, lin: u32) -> (usize, u32) {
    let w = lin / 32;
    let first = blk.first_thread + (w * 32) as usize;
    let n = (blk.threads as u32 - w * 32).min(32);
    (first, n)
}

/// Releases every barrier of a block whose threads have all arrived.
/// Parks the threads `members` (lanes of one warp, converged) at barrier
/// `id` together, as each would park on its own, and releases the barrier
/// when they complete it.
pub(super) fn park_at_barrier(
    th: &mut [Thread],
    blk: &mut Block,
    members: &[usize],
    id: u32,
    line: u32,
) {
    for &i in members {
        th[i].state = State::Barrier {
            id,
            count: None,
            line,
            aligned: true,
        };
    }
    blk.waiting[id as usize] += members.len() as u32;
    try_barriers(th, blk);
    if let Some(&i) = members.first() {
        resolve_activemask(th, blk, i);
    }
}

pub(super) fn try_barriers(th: &mut [Thread], blk: &mut Block) {
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
                t.mark = SyncMark::default();
            }
            if let Some(s) = &mut blk.san {
                s.epoch += 1;
            }
        }
    }
}

/// Completes the warp collective thread `i` waits in, when everyone it names is there.
pub(super) fn check_warp(
    l: &Launch,
    th: &mut [Thread],
    blk: &mut Block,
    i: usize,
) -> Result<(), Fault> {
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
    // The collective to complete: thread i's, or (when i exited) one a lane
    // of its warp waits in.
    let Some(i) = std::iter::once(i)
        .chain(first..first + n as usize)
        .find(|&k| matches!(th[k].state, State::Warp { .. }))
    else {
        return Ok(());
    };
    let State::Warp { coll, mask, line } = th[i].state.clone() else {
        return Ok(());
    };
    // All named lanes must be parked in the same kind of collective with
    // the same mask. A named lane that exited takes no part, as on a GPU
    // (whose result from it is undefined); synccheck reports it.
    let mut exited = 0u32;
    for j in 0..n {
        if mask & (1 << j) == 0 {
            continue;
        }
        match &th[first + j as usize].state {
            State::Warp {
                coll: c, mask: m2, ..
            } if c.same_kind(&coll) && *m2 == mask => {}
            State::Done => exited |= 1 << j,
            _ => return Ok(()),
        }
    }
    if exited != 0 && l.tools.sync {
        return Err(located(
            l,
            &th[i],
            blk,
            Unlocated {
                kind: FaultKind::LaunchFailed,
                msg: format!(
                    "synccheck: {} at PTX line {line}: its member mask {mask:#010x} names lanes {} \
                     that exited (undefined in PTX: every lane named must execute it)",
                    coll.name(),
                    lanes(exited)
                ),
            },
        ));
    }
    let members: Vec<usize> = (0..n)
        .filter(|j| mask & (1 << j) != 0 && exited & (1 << j) == 0)
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
            Coll::Ldmatrix { trans, ds, .. } => {
                // PTX ISA, ldmatrix (Figure "ldmatrix fragment layout for
                // one 8x8 matrix with 16-bit elements"): lane k holds row
                // k/4, columns 2(k%4) and 2(k%4)+1 of each matrix, the
                // lower column in the low half. The row addresses are those
                // of lanes 8j..8j+7 for matrix j; with .trans the matrix is
                // read column-major, so element (r, c) is element r of the
                // row at address c.
                let row_of = |j: usize, r: u32| -> Option<u128> {
                    let p = members
                        .iter()
                        .position(|&x| x - first == 8 * j + r as usize)?;
                    match &colls[p] {
                        Coll::Ldmatrix { row, .. } => Some(*row),
                        _ => None,
                    }
                };
                let elem = |row: u128, c: u32| (row >> (16 * c)) as u64 & 0xffff;
                let (r, c) = (lane / 4, 2 * (lane % 4));
                for (j, &d) in ds.iter().enumerate() {
                    let pair = if trans {
                        row_of(j, c)
                            .zip(row_of(j, c + 1))
                            .map(|(lo, hi)| elem(lo, r) | elem(hi, r) << 16)
                    } else {
                        row_of(j, r).map(|x| elem(x, c) | elem(x, c + 1) << 16)
                    };
                    let Some(v) = pair else {
                        return Err(fault(
                            FaultKind::LaunchFailed,
                            format!(
                                "kernel `{}`: ldmatrix in block {:?}: a warp of {n} threads has                                  no lane {} to give the row addresses of matrix {j}",
                                l.kernel,
                                blk.ctaid,
                                8 * j + 7
                            ),
                        ));
                    };
                    frame_write(&mut th[k], d, v);
                }
            }
            Coll::WarpSync => {}
        }
        th[k].state = State::Ready;
    }
    // The collective orders the accesses of the lanes it synchronized.
    if let Some(e) = blk
        .san
        .as_mut()
        .and_then(|s| s.warp_epoch.get_mut((first - blk.first_thread) / 32))
    {
        *e += 1;
    }
    Ok(())
}

/// synccheck, when thread `i` parked at an aligned barrier (`bar.sync`,
/// `barrier.sync.aligned`), which every thread of a warp must reach
/// together: a lane of its warp parked at another aligned barrier is a
/// finding now; lanes still running (or in a warp collective) are marked
/// (see [`SyncMark`]); the thread's own mark, if it was behind, is cleared.
pub(super) fn check_aligned(
    l: &Launch,
    th: &mut [Thread],
    blk: &Block,
    i: usize,
) -> Result<(), Fault> {
    let State::Barrier { id, line, .. } = th[i].state else {
        return Ok(());
    };
    th[i].mark = SyncMark::default();
    let (first, n) = warp_range(blk, th[i].lin);
    for j in first..first + n as usize {
        match th[j].state {
            State::Barrier { line: l2, .. } if l2 == line => {}
            State::Barrier {
                id: i2,
                line: l2,
                aligned: true,
                ..
            } => {
                return Err(located(
                    l,
                    &th[i],
                    blk,
                    Unlocated {
                        kind: FaultKind::LaunchFailed,
                        msg: format!(
                            "synccheck: bar.sync {id} is reached by part of a warp: thread {:?} \
                             of the same warp waits at bar.sync {i2} at PTX line {l2} (an aligned \
                             barrier must be reached by every thread of a warp, at the same \
                             instruction)",
                            th[j].tid
                        ),
                    },
                ));
            }
            State::Done | State::Activemask { .. } => {}
            _ => {
                if th[j].mark.barrier == 0 {
                    th[j].mark = SyncMark {
                        barrier: line,
                        access: 0,
                    };
                }
            }
        }
    }
    Ok(())
}

/// `activemask`: once no lane of the warp can run, the lanes parked at the
/// same `activemask` instruction are the converged set.
pub(super) fn resolve_activemask(th: &mut [Thread], blk: &Block, i: usize) {
    let (first, n) = warp_range(blk, th[i].lin);
    let range = first..first + n as usize;
    if th[range.clone()]
        .iter()
        .any(|t| matches!(t.state, State::Ready))
    {
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

pub(super) fn mask32(n: u32) -> u32 {
    if n >= 32 {
        u32::MAX
    } else {
        (1 << n) - 1
    }
}
