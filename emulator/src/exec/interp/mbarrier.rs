//! `mbarrier`: the split-phase barrier object in shared memory, and
//! `cp.async.mbarrier.arrive`.
//!
//! The PTX ISA leaves the object's 64 bits opaque. Here they hold:
//!
//! | bits  | field |
//! |-------|-------|
//! | 0–19  | pending arrivals of the current phase |
//! | 20–39 | expected arrivals of each phase |
//! | 40–61 | the transaction count, signed |
//! | 62    | initialized (`mbarrier.init` sets it, `inval` clears it) |
//! | 63    | the current phase's parity |
//!
//! A state that `arrive` returns holds the parity of the phase it arrived
//! in (bit 63) and the pending count after the arrival (bits 0–19), which is
//! what `mbarrier.pending_count` reads.
//!
//! What the PTX ISA calls undefined (using an object `init` never set up,
//! more arrivals than are pending, a `.noComplete` arrival that completes
//! the phase, counts out of range) stops the launch with a report, where a
//! GPU would go on with an answer nobody can rely on.

use super::executor::*;
use super::memory::access;
use super::*;

/// The pending count's bits (also those of a state).
pub(crate) const MBAR_COUNT_MASK: u64 = (1 << 20) - 1;
/// The largest arrival count and transaction count.
const MAX_COUNT: i64 = (1 << 20) - 1;
const EXPECTED_SHIFT: u32 = 20;
const TX_SHIFT: u32 = 40;
const TX_BITS: u32 = 22;
const VALID: u64 = 1 << 62;
const PHASE: u64 = 1 << 63;

/// A decoded barrier object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bar {
    pending: u32,
    expected: u32,
    tx: i32,
    phase: bool,
}

impl Bar {
    fn decode(v: u64) -> Option<Bar> {
        if v & VALID == 0 {
            return None;
        }
        let tx = ((v >> TX_SHIFT) & ((1 << TX_BITS) - 1)) as u32;
        // Sign-extend the 22-bit field.
        let tx = ((tx << (32 - TX_BITS)) as i32) >> (32 - TX_BITS);
        Some(Bar {
            pending: (v & MBAR_COUNT_MASK) as u32,
            expected: ((v >> EXPECTED_SHIFT) & MBAR_COUNT_MASK) as u32,
            tx,
            phase: v & PHASE != 0,
        })
    }

    fn encode(self) -> u64 {
        VALID
            | (self.pending as u64 & MBAR_COUNT_MASK)
            | ((self.expected as u64 & MBAR_COUNT_MASK) << EXPECTED_SHIFT)
            | (((self.tx as u32 as u64) & ((1 << TX_BITS) - 1)) << TX_SHIFT)
            | if self.phase { PHASE } else { 0 }
    }

    /// Ends the phase when nothing is pending any more.
    fn maybe_complete(&mut self) -> bool {
        if self.pending == 0 && self.tx == 0 {
            self.phase = !self.phase;
            self.pending = self.expected;
            return true;
        }
        false
    }

    /// An arrival of `count` threads; the state it returns.
    fn arrive(&mut self, count: u64, drop: bool, no_complete: bool) -> Result<u64, String> {
        if count == 0 || count as i64 > MAX_COUNT {
            return Err(format!(
                "an arrival count of {count} (PTX allows 1 to 2^20-1)"
            ));
        }
        let count = count as u32;
        if count > self.pending {
            return Err(format!(
                "{count} arrival(s) where the phase has {} pending: more threads arrived than \
                 mbarrier.init's count (or an arrive_drop) allows",
                self.pending
            ));
        }
        let phase = self.phase;
        self.pending -= count;
        if drop {
            self.expected = self.expected.saturating_sub(count);
        }
        let pending = self.pending;
        if no_complete && self.pending == 0 && self.tx == 0 {
            return Err("a .noComplete arrival would complete the phase".into());
        }
        self.maybe_complete();
        Ok(pending as u64 | if phase { PHASE } else { 0 })
    }

    /// A change of the transaction count by `delta`.
    fn add_tx(&mut self, delta: i64) -> Result<(), String> {
        let tx = self.tx as i64 + delta;
        if tx.abs() > MAX_COUNT {
            return Err(format!(
                "a transaction count of {tx} (PTX allows -(2^20-1) to 2^20-1)"
            ));
        }
        self.tx = tx as i32;
        Ok(())
    }
}

/// Executes an `Op::Mbar` for the thread of `x`, whose top frame is `depth`.
pub(super) fn exec(x: &mut Executor, depth: usize, inst: &Inst) -> Result<Flow, Unlocated> {
    let Op::Mbar {
        op,
        space,
        addr,
        d,
        a,
    } = &inst.op
    else {
        return raw(
            FaultKind::Unsupported,
            format!("internal error: {:?} is no mbarrier instruction", inst.op),
        );
    };
    let Executor {
        t,
        ids,
        executed,
        blk,
        ..
    } = x;
    let fr = &mut t.frames[depth];
    let at = eff_addr(fr, addr);
    let operand = a.map(|s| value(fr, ids, *executed, s));
    let off = match (space, crate::exec::memory::window(at)) {
        (MemSpace::Shared, _) => at,
        (MemSpace::Generic, Window::Shared(a)) => a,
        _ => {
            return raw(
                FaultKind::IllegalAddress,
                format!(
                    "the mbarrier object at {at:#x} is not in shared memory (PTX requires \
                     .shared::cta, or a generic address into it)"
                ),
            )
        }
    };
    check_alignment(off, 8).map_err(|e| access(e, "mbarrier"))?;
    let r = flat_range(blk.shared.len(), off, 8, "shared memory of the block")
        .map_err(|e| access(e, "mbarrier"))?;
    let old = read_le(&blk.shared[r.clone()]);
    let misuse = |m: String| -> Result<Flow, Unlocated> {
        raw(
            FaultKind::LaunchFailed,
            format!("mbarrier misuse at shared offset {off:#x}: {m}"),
        )
    };
    let uninit = || {
        format!(
            "the object holds no barrier (mbarrier.init never set it up, or mbarrier.inval \
             ended it; it reads {old:#x})"
        )
    };
    let (new, out) = match *op {
        MbarOp::Init => {
            let count = operand.unwrap_or(0);
            if count == 0 || count as i64 > MAX_COUNT {
                return misuse(format!(
                    "mbarrier.init with a count of {count} (PTX allows 1 to 2^20-1)"
                ));
            }
            let b = Bar {
                pending: count as u32,
                expected: count as u32,
                tx: 0,
                phase: false,
            };
            (b.encode(), None)
        }
        MbarOp::Inval => (0, None),
        MbarOp::Arrive { drop, no_complete } => {
            let Some(mut b) = Bar::decode(old) else {
                return misuse(uninit());
            };
            match b.arrive(operand.unwrap_or(1), drop, no_complete) {
                Ok(state) => (b.encode(), Some(state)),
                Err(m) => return misuse(m),
            }
        }
        MbarOp::ArriveExpectTx => {
            let Some(mut b) = Bar::decode(old) else {
                return misuse(uninit());
            };
            let tx = operand.unwrap_or(0) as u32 as i64;
            match b.add_tx(tx).and_then(|()| b.arrive(1, false, false)) {
                Ok(state) => (b.encode(), Some(state)),
                Err(m) => return misuse(m),
            }
        }
        MbarOp::ExpectTx | MbarOp::CompleteTx => {
            let Some(mut b) = Bar::decode(old) else {
                return misuse(uninit());
            };
            let tx = operand.unwrap_or(0) as u32 as i64;
            let delta = if *op == MbarOp::ExpectTx { tx } else { -tx };
            if let Err(m) = b.add_tx(delta) {
                return misuse(m);
            }
            b.maybe_complete();
            (b.encode(), None)
        }
        MbarOp::Wait { parity, r#try } => {
            let Some(b) = Bar::decode(old) else {
                return misuse(uninit());
            };
            let waited = operand.unwrap_or(0);
            // The phase waited for is complete once the current one differs.
            let waited_phase = if parity {
                waited & 1 != 0
            } else {
                waited & PHASE != 0
            };
            let done = b.phase != waited_phase;
            if *d != SINK {
                fr.regs[*d as usize] = done as u64;
            }
            // try_wait suspends the thread a while on a GPU: here it ends
            // its slice, so the threads it waits for get to run.
            return Ok(if r#try && !done {
                Flow::Stop(Stop::Slice)
            } else {
                Flow::Next
            });
        }
        MbarOp::CpAsyncArrive { noinc } => {
            let Some(mut b) = Bar::decode(old) else {
                return misuse(uninit());
            };
            // The thread's copies are already done. Without .noinc the
            // pending count goes up by one before the arrival: no change.
            if noinc {
                if let Err(m) = b.arrive(1, false, false) {
                    return misuse(m);
                }
            }
            (b.encode(), None)
        }
        MbarOp::PendingCount => {
            return raw(
                FaultKind::Unsupported,
                "internal error: mbarrier.pending_count is decoded as an and",
            )
        }
    };
    blk.shared[r].copy_from_slice(&new.to_le_bytes());
    if let Some(s) = &mut blk.san {
        s.mark_written(off, 8);
        // A completed phase orders the accesses of the threads that waited.
        if Bar::decode(old).map(|b| b.phase) != Bar::decode(new).map(|b| b.phase) {
            s.epoch += 1;
        }
    }
    if let (Some(state), true) = (out, *d != SINK) {
        fr.regs[*d as usize] = state;
    }
    Ok(Flow::Next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_round_trips_negative_transaction_counts() {
        let b = Bar {
            pending: 5,
            expected: 7,
            tx: -3,
            phase: true,
        };
        assert_eq!(Bar::decode(b.encode()), Some(b));
        assert_eq!(Bar::decode(0), None);
    }

    #[test]
    fn the_last_arrival_completes_the_phase_and_returns_the_old_parity() {
        let mut b = Bar {
            pending: 2,
            expected: 2,
            tx: 0,
            phase: false,
        };
        assert_eq!(b.arrive(1, false, false), Ok(1));
        assert!(!b.phase);
        assert_eq!(b.arrive(1, false, false), Ok(0));
        assert!(b.phase);
        assert_eq!(b.pending, 2);
        // The next phase's state carries parity 1.
        assert_eq!(b.arrive(1, false, false), Ok(1 | PHASE));
        assert!(b.arrive(2, false, false).is_err());
    }

    #[test]
    fn a_pending_transaction_holds_the_phase_open() {
        let mut b = Bar {
            pending: 1,
            expected: 1,
            tx: 0,
            phase: false,
        };
        b.add_tx(16).unwrap();
        b.arrive(1, false, false).unwrap();
        assert!(!b.phase);
        b.add_tx(-16).unwrap();
        assert!(b.maybe_complete());
        assert!(b.phase);
    }

    #[test]
    fn arrive_drop_lowers_the_count_of_later_phases() {
        let mut b = Bar {
            pending: 2,
            expected: 2,
            tx: 0,
            phase: false,
        };
        b.arrive(1, true, false).unwrap();
        b.arrive(1, false, false).unwrap();
        assert_eq!((b.phase, b.pending, b.expected), (true, 1, 1));
        assert!(b.arrive(1, false, true).is_err());
    }
}
