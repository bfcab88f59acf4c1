//! Operands of a decoded instruction: registers, immediates, addresses
//! and special registers, resolved once to indices and values.

use super::*;

impl Ctx<'_> {
    pub(super) fn reg(&self, name: &str) -> Result<u32, String> {
        self.regs
            .get(name)
            .copied()
            .ok_or_else(|| format!("register {name} is not declared"))
    }

    pub(super) fn param_slot(&self, name: &str) -> Option<Slot> {
        self.params.iter().rev().find_map(|s| s.get(name).copied())
    }

    pub(super) fn dst(&self, o: &Operand) -> R<Dst> {
        match o {
            Operand::Reg(r) => self.reg(r).map_err(Decode::Bad),
            // Registers may be named without a `%` (`.reg .b32 tmp;`).
            Operand::Symbol(s) if self.regs.contains_key(s) => Ok(self.regs[s]),
            Operand::Sink => Ok(SINK),
            other => bad(format!("expected a destination register, found {other:?}")),
        }
    }

    /// `%p|%q` (two destinations) or a single one (the second is `_`).
    pub(super) fn dst_pair(&self, o: &Operand) -> R<(Dst, Dst)> {
        match o {
            Operand::PredPair(a, b) => Ok((
                self.reg(a).map_err(Decode::Bad)?,
                self.reg(b).map_err(Decode::Bad)?,
            )),
            other => Ok((self.dst(other)?, SINK)),
        }
    }

    pub(super) fn src(&self, o: &Operand, ty: Option<Ty>) -> R<Src> {
        Ok(match o {
            Operand::Reg(r) => {
                if let Some(s) = sreg(r) {
                    Src::Sreg(s)
                } else {
                    Src::R(self.reg(r).map_err(Decode::Bad)?)
                }
            }
            Operand::NotReg(r) => Src::NotR(self.reg(r).map_err(Decode::Bad)?),
            Operand::Imm(imm) => Src::Imm(imm_bits(*imm, ty)),
            Operand::Symbol(s) => self.symbol(s)?,
            other => return bad(format!("expected a source operand, found {other:?}")),
        })
    }

    /// The value of a bare symbol: an address.
    pub(super) fn symbol(&self, s: &str) -> R<Src> {
        if let Some(&r) = self.regs.get(s) {
            return Ok(Src::R(r));
        }
        if let Some(&a) = self.shared.get(s) {
            return Ok(Src::Imm(a));
        }
        if let Some(&a) = self.syms.globals.get(s) {
            return Ok(Src::Imm(a));
        }
        if let Some(&a) = self.syms.shared.get(s) {
            return Ok(Src::Imm(a));
        }
        if let Some(&off) = self.locals.get(s) {
            return Ok(Src::LocalAddr(off));
        }
        if let Some(slot) = self.param_slot(s) {
            return Ok(Src::ParamAddr(slot.offset));
        }
        if let Some(&f) = self.syms.functions.get(s) {
            self.address_taken.borrow_mut().push(f);
            return Ok(Src::Imm(CODE_BASE + 16 * f as u64));
        }
        bad(format!("unknown symbol {s}"))
    }

    pub(super) fn addr(&self, o: &Operand) -> R<Addr> {
        let Operand::Address { base, offset } = o else {
            return bad(format!("expected an address [..], found {o:?}"));
        };
        let base = match base {
            AddressBase::Reg(r) => AddrBase::R(self.reg(r).map_err(Decode::Bad)?),
            AddressBase::Absolute(a) => AddrBase::Abs(*a),
            AddressBase::Symbol(s) => {
                if let Some(slot) = self.param_slot(s) {
                    AddrBase::Param(slot.offset)
                } else if let Some(&off) = self.locals.get(s) {
                    AddrBase::Local(off)
                } else if let Some(&a) = self.shared.get(s) {
                    AddrBase::Abs(a)
                } else if let Some(&a) = self.syms.globals.get(s) {
                    AddrBase::Abs(a)
                } else if let Some(&a) = self.syms.shared.get(s) {
                    AddrBase::Abs(a)
                } else {
                    return bad(format!("unknown symbol {s} in an address"));
                }
            }
        };
        Ok(Addr { base, off: *offset })
    }

    pub(super) fn label(&self, o: &Operand) -> R<u32> {
        match o {
            Operand::Symbol(s) => self
                .labels
                .get(s)
                .copied()
                .ok_or_else(|| Decode::Bad(format!("unknown label {s}"))),
            other => bad(format!("expected a label, found {other:?}")),
        }
    }

    pub(super) fn param_list(&self, o: &Operand) -> R<Vec<(u32, u32)>> {
        let Operand::List(items) = o else {
            return bad(format!("expected a (param, …) list, found {o:?}"));
        };
        items
            .iter()
            .map(|i| match i {
                Operand::Symbol(s) => self
                    .param_slot(s)
                    .map(|slot| (slot.offset, slot.size))
                    .ok_or_else(|| Decode::Bad(format!("unknown param {s}"))),
                other => bad(format!("expected a param name, found {other:?}")),
            })
            .collect()
    }
}

pub(super) fn imm_bits(imm: Imm, ty: Option<Ty>) -> u64 {
    match (imm, ty) {
        (Imm::Int(v), _) => v,
        (Imm::F32(b), Some(Ty::F64)) => (f32::from_bits(b) as f64).to_bits(),
        (Imm::F32(b), _) => b as u64,
        (Imm::F64(b), Some(Ty::F32)) => (f64::from_bits(b) as f32).to_bits() as u64,
        (Imm::F64(b), _) => b,
    }
}

pub(super) fn sreg(name: &str) -> Option<Sreg> {
    let comp = |s: &str| match s {
        "x" => Some(0u8),
        "y" => Some(1),
        "z" => Some(2),
        _ => None,
    };
    if let Some((base, c)) = name.split_once('.') {
        let c = comp(c)?;
        return Some(match base {
            "%tid" => Sreg::Tid(c),
            "%ntid" => Sreg::Ntid(c),
            "%ctaid" => Sreg::Ctaid(c),
            "%nctaid" => Sreg::Nctaid(c),
            "%clusterid" => Sreg::ClusterId(c),
            "%nclusterid" => Sreg::NClusterId(c),
            "%cluster_ctaid" => Sreg::ClusterCtaId(c),
            "%cluster_nctaid" => Sreg::ClusterNCtaId(c),
            _ => return None,
        });
    }
    Some(match name {
        "%laneid" => Sreg::LaneId,
        "%warpid" => Sreg::WarpId,
        "%nwarpid" => Sreg::NWarpId,
        "%smid" => Sreg::SmId,
        "%nsmid" => Sreg::NSmId,
        "%gridid" => Sreg::GridId,
        "%lanemask_eq" => Sreg::LanemaskEq,
        "%lanemask_le" => Sreg::LanemaskLe,
        "%lanemask_lt" => Sreg::LanemaskLt,
        "%lanemask_ge" => Sreg::LanemaskGe,
        "%lanemask_gt" => Sreg::LanemaskGt,
        "%clock" => Sreg::Clock,
        "%clock_hi" => Sreg::ClockHi,
        "%clock64" => Sreg::Clock64,
        "%globaltimer" => Sreg::GlobalTimer,
        "%globaltimer_lo" => Sreg::GlobalTimerLo,
        "%globaltimer_hi" => Sreg::GlobalTimerHi,
        "%dynamic_smem_size" => Sreg::DynamicSmemSize,
        "%total_smem_size" => Sreg::TotalSmemSize,
        "%aggr_smem_size" => Sreg::AggrSmemSize,
        "%cluster_ctarank" => Sreg::ClusterCtaRank,
        "%cluster_nctarank" => Sreg::ClusterNctaRank,
        "%is_explicit_cluster" => Sreg::IsExplicitCluster,
        _ => {
            let n = name.strip_prefix("%envreg")?.parse::<u8>().ok()?;
            if n < 32 {
                Sreg::EnvReg(n)
            } else {
                return None;
            }
        }
    })
}
