//! `mbarrier.*` (executed in `interp/mbarrier.rs`).

use super::*;

/// `mbarrier.*`. The barrier's scope and memory-order qualifiers
/// (`.release`, `.acquire`, `.relaxed`, `.cta`, `.cluster`) change nothing
/// in an interpreter that runs one thread at a time; a `.shared::cluster`
/// address is this block's own, since a cluster here is one block.
pub(super) fn decode_mbarrier(ctx: &mut Ctx, i: &ast::Instruction, m: &Mods) -> R<Op> {
    let o = &i.operands;
    let n = |k: usize| -> R<()> {
        if o.len() < k {
            bad(format!("{} takes {k} operands", i.opcode))
        } else {
            Ok(())
        }
    };
    let op = match m.parts.first().copied() {
        Some("init") => MbarOp::Init,
        Some("inval") => MbarOp::Inval,
        Some("arrive") if m.has("expect_tx") => MbarOp::ArriveExpectTx,
        Some("arrive") => MbarOp::Arrive {
            drop: false,
            no_complete: m.has("noComplete"),
        },
        Some("arrive_drop") if m.has("expect_tx") => {
            return unsupported(i, "arrive_drop.expect_tx");
        }
        Some("arrive_drop") => MbarOp::Arrive {
            drop: true,
            no_complete: m.has("noComplete"),
        },
        Some("expect_tx") => MbarOp::ExpectTx,
        Some("complete_tx") => MbarOp::CompleteTx,
        Some(w @ ("test_wait" | "try_wait")) => MbarOp::Wait {
            parity: m.has("parity"),
            r#try: w == "try_wait",
        },
        Some("pending_count") => {
            // The count is the low 20 bits of a state (the encoding is in
            // interp/memory.rs).
            n(2)?;
            return Ok(Op::Int {
                op: IntOp::And,
                ty: Ty::B32,
                d: ctx.dst(&o[0])?,
                a: ctx.src(&o[1], None)?,
                b: Src::Imm(crate::exec::interp::MBAR_COUNT_MASK),
            });
        }
        _ => return unsupported(i, ""),
    };
    let space = m.space();
    Ok(match op {
        MbarOp::Init | MbarOp::ExpectTx | MbarOp::CompleteTx => {
            n(2)?;
            Op::Mbar {
                op,
                space,
                addr: ctx.addr(&o[0])?,
                d: SINK,
                a: Some(ctx.src(&o[1], None)?),
            }
        }
        MbarOp::Inval => {
            n(1)?;
            Op::Mbar {
                op,
                space,
                addr: ctx.addr(&o[0])?,
                d: SINK,
                a: None,
            }
        }
        MbarOp::ArriveExpectTx | MbarOp::Wait { .. } => {
            n(3)?;
            Op::Mbar {
                op,
                space,
                addr: ctx.addr(&o[1])?,
                d: ctx.dst(&o[0])?,
                a: Some(ctx.src(&o[2], None)?),
            }
        }
        MbarOp::Arrive { .. } => {
            n(2)?;
            Op::Mbar {
                op,
                space,
                addr: ctx.addr(&o[1])?,
                d: ctx.dst(&o[0])?,
                a: match o.get(2) {
                    Some(c) => Some(ctx.src(c, None)?),
                    None => None,
                },
            }
        }
        MbarOp::PendingCount | MbarOp::CpAsyncArrive { .. } => {
            return bad(format!("internal error: {op:?} is decoded elsewhere"))
        }
    })
}
