//! The decoded form of a PTX module that the interpreter executes: registers
//! are indices, labels are instruction indices, symbols are addresses, and
//! every opcode is one [`Op`] with its modifiers resolved.

use super::ops::{Cmp, IntOp, IntUnary, PrmtMode, Rnd};
use super::types::Ty;

/// A source operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Src {
    R(u32),
    /// `!%p` (a predicate source, negated).
    NotR(u32),
    Imm(u64),
    Sreg(Sreg),
    /// The local-space address of a `.local` variable of the current frame.
    LocalAddr(u32),
    /// The param-space address of a parameter slot of the current frame.
    ParamAddr(u32),
}

/// A destination register (`SINK` for `_`).
pub type Dst = u32;
/// The destination `_`.
pub const SINK: Dst = u32::MAX;

/// Special registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sreg {
    Tid(u8),
    Ntid(u8),
    Ctaid(u8),
    Nctaid(u8),
    LaneId,
    WarpId,
    NWarpId,
    SmId,
    NSmId,
    GridId,
    LanemaskEq,
    LanemaskLe,
    LanemaskLt,
    LanemaskGe,
    LanemaskGt,
    Clock,
    ClockHi,
    Clock64,
    GlobalTimer,
    GlobalTimerLo,
    GlobalTimerHi,
    DynamicSmemSize,
    TotalSmemSize,
    AggrSmemSize,
    EnvReg(u8),
    ClusterCtaRank,
    ClusterNctaRank,
    ClusterId(u8),
    NClusterId(u8),
    ClusterCtaId(u8),
    ClusterNCtaId(u8),
    IsExplicitCluster,
}

/// State spaces of memory instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemSpace {
    Generic,
    Global,
    Shared,
    Local,
    Const,
    Param,
}

/// What an address expression is relative to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddrBase {
    R(u32),
    /// An absolute address (a module variable, or `[0x10]`).
    Abs(u64),
    /// A `.local` variable of the current frame (its frame offset).
    Local(u32),
    /// A parameter slot of the current frame (its offset in the frame's param buffer).
    Param(u32),
}

/// `[base + off]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Addr {
    pub base: AddrBase,
    pub off: i64,
}

/// Float operations with two operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FBin {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    Copysign,
}

/// Float operations with one operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FUn {
    Neg,
    Abs,
    Sqrt,
    Rcp,
    Rsqrt,
    Sin,
    Cos,
    Lg2,
    Ex2,
    Tanh,
}

/// Atomic operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomOp {
    Add,
    Min,
    Max,
    And,
    Or,
    Xor,
    Exch,
    Cas,
    Inc,
    Dec,
}

/// `shfl.sync` modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShflMode {
    Up,
    Down,
    Bfly,
    Idx,
}

/// `vote.sync` modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteMode {
    All,
    Any,
    Uni,
    Ballot,
}

/// `testp` properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestP {
    Finite,
    Infinite,
    Number,
    NotANumber,
    Normal,
    Subnormal,
}

/// Boolean combiners of `setp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
    Xor,
}

/// Float modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FMods {
    pub rnd: Rnd,
    pub ftz: bool,
    pub sat: bool,
    /// `min.NaN` / `max.NaN`.
    pub nan: bool,
    /// `.approx` / `.full`.
    pub approx: bool,
    /// `.relu`: a negative result becomes +0, a NaN the canonical NaN
    /// (half-precision `fma`; `cvt` to `.f16`, `.bf16`, their pairs, `.tf32`).
    pub relu: bool,
    /// `.satfinite` (`cvt` to `.f16`, `.bf16`, their pairs, `.tf32`): a
    /// magnitude above the format's largest finite value (infinities too)
    /// becomes that value with the sign kept; NaN stays NaN.
    pub satfinite: bool,
    /// `min/max.xorsign.abs`: the min/max of |a| and |b|, with the sign
    /// bit the xor of a's and b's (a NaN result keeps no such sign).
    pub xorsign: bool,
}

/// Call targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CallTarget {
    Direct(u32),
    Indirect(Src),
}

/// Functions the runtime provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Vprintf,
    Malloc,
    Free,
    AssertFail,
}

/// What an `mbarrier` instruction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MbarOp {
    /// `mbarrier.init [addr], count`.
    Init,
    /// `mbarrier.inval [addr]`.
    Inval,
    /// `mbarrier.arrive{.noComplete} state, [addr]{, count}`; with `drop`,
    /// `arrive_drop` (the expected count of later phases drops too).
    Arrive { drop: bool, no_complete: bool },
    /// `mbarrier.arrive.expect_tx state, [addr], tx_count`.
    ArriveExpectTx,
    /// `mbarrier.expect_tx [addr], tx_count`.
    ExpectTx,
    /// `mbarrier.complete_tx [addr], tx_count`.
    CompleteTx,
    /// `mbarrier.test_wait`/`try_wait` `p, [addr], state|parity`; `try`
    /// ends the thread's slice when the phase is not complete, as a GPU
    /// suspends the thread.
    Wait { parity: bool, r#try: bool },
    /// `mbarrier.pending_count count, state`.
    PendingCount,
    /// `cp.async.mbarrier.arrive{.noinc} [addr]`: the copies are done
    /// synchronously, so the arrive-on happens at once.
    CpAsyncArrive { noinc: bool },
}

/// A decoded instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Mov {
        d: Dst,
        a: Src,
    },
    /// `mov.b64 %rd1, {%r1, %r2}`: low part first.
    Pack {
        d: Dst,
        parts: Vec<Src>,
        bits: u32,
    },
    /// `mov.b64 {%r1, %r2}, %rd1`.
    Unpack {
        ds: Vec<Dst>,
        a: Src,
        bits: u32,
    },
    Int {
        op: IntOp,
        ty: Ty,
        d: Dst,
        a: Src,
        b: Src,
    },
    IntUn {
        op: IntUnary,
        ty: Ty,
        d: Dst,
        a: Src,
    },
    AddC {
        bits: u32,
        sub: bool,
        cin: bool,
        cout: bool,
        d: Dst,
        a: Src,
        b: Src,
    },
    /// `mad{.lo,.hi}.cc` and `madc{.lo,.hi}[.cc]`: the product's half plus
    /// `c`, with the carry flag in (`madc`) and out (`.cc`), as `add.cc` and
    /// `addc` (extended-precision multiplication).
    MadC {
        part: IntOp,
        ty: Ty,
        cin: bool,
        cout: bool,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    /// `mad.lo/.hi/.wide`: `(a * b).part + c`.
    Mad {
        part: IntOp,
        ty: Ty,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    /// `and/or/xor/not` on predicates.
    PredLogic {
        op: Option<BoolOp>,
        d: Dst,
        a: Src,
        b: Src,
    },
    Bfe {
        ty: Ty,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    Bfi {
        ty: Ty,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
        e: Src,
    },
    Prmt {
        mode: Option<PrmtMode>,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    Shf {
        left: bool,
        wrap: bool,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    Bmsk {
        wrap: bool,
        d: Dst,
        a: Src,
        b: Src,
    },
    Lop3 {
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
        lut: Src,
    },
    Bfind {
        ty: Ty,
        shiftamt: bool,
        d: Dst,
        a: Src,
    },
    /// `mul24`/`mad24` (`c` is 0 for mul24).
    Mul24 {
        signed: bool,
        hi: bool,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    /// `sad.ty d, a, b, c`: `c + |a - b|`.
    Sad {
        ty: Ty,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    /// `dp2a.{lo,hi}`: see [`crate::exec::ops::dp2a`].
    Dp2a {
        a_signed: bool,
        b_signed: bool,
        hi: bool,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    Dp4a {
        a_signed: bool,
        b_signed: bool,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    Szext {
        signed: bool,
        wrap: bool,
        d: Dst,
        a: Src,
        b: Src,
    },
    /// `slct.dty.cty d, a, b, c`: `c >= 0 ? a : b`.
    Slct {
        float: bool,
        ftz: bool,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    /// `set.cmp[.bool].dty.sty`: all ones (or 1.0f) when the comparison holds.
    Set {
        cmp: Cmp,
        dty: Ty,
        sty: Ty,
        d: Dst,
        a: Src,
        b: Src,
        comb: Option<(BoolOp, Src)>,
        ftz: bool,
    },
    /// `isspacep.space p, a`.
    IsSpace {
        space: MemSpace,
        d: Dst,
        a: Src,
    },
    /// `elect.sync d|p, mask`.
    Elect {
        d: Dst,
        p: Dst,
        mask: Src,
    },
    Setp {
        cmp: Cmp,
        ty: Ty,
        d: Dst,
        d2: Dst,
        a: Src,
        b: Src,
        comb: Option<(BoolOp, Src)>,
        ftz: bool,
    },
    Selp {
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    /// `cvt`; `b` is the second source of the pair forms
    /// (`cvt.rn.f16x2.f32 d, a, b`: a's value in the upper half).
    Cvt {
        dty: Ty,
        sty: Ty,
        m: FMods,
        d: Dst,
        a: Src,
        b: Option<Src>,
    },
    /// `cvta.space` (to generic) or `cvta.to.space` (from generic).
    Cvta {
        to: bool,
        space: MemSpace,
        d: Dst,
        a: Src,
    },
    FBin {
        op: FBin,
        ty: Ty,
        m: FMods,
        d: Dst,
        a: Src,
        b: Src,
    },
    FUn {
        op: FUn,
        ty: Ty,
        m: FMods,
        d: Dst,
        a: Src,
    },
    Fma {
        ty: Ty,
        m: FMods,
        d: Dst,
        a: Src,
        b: Src,
        c: Src,
    },
    Testp {
        op: TestP,
        ty: Ty,
        d: Dst,
        a: Src,
    },
    Ld {
        space: MemSpace,
        ty: Ty,
        ds: Vec<Dst>,
        addr: Addr,
        /// `.volatile`, `.relaxed`, `.acquire` or `.mmio`: an access that
        /// synchronizes, which racecheck does not count as a data access.
        strong: bool,
    },
    St {
        space: MemSpace,
        ty: Ty,
        srcs: Vec<Src>,
        addr: Addr,
        /// `.volatile`, `.relaxed`, `.release` or `.mmio` (see `Ld`).
        strong: bool,
    },
    Atom {
        space: MemSpace,
        op: AtomOp,
        ty: Ty,
        d: Dst,
        addr: Addr,
        b: Src,
        c: Option<Src>,
    },
    /// `cp.async.*.shared.global [dst], [src], size`: done synchronously.
    CpAsync {
        dst: Addr,
        src: Addr,
        size: u32,
        src_size: Option<Src>,
    },
    /// `mbarrier.*` and `cp.async.mbarrier.arrive` on a barrier object in
    /// shared memory (see `interp/memory.rs` for its encoding).
    Mbar {
        op: MbarOp,
        space: MemSpace,
        addr: Addr,
        /// The state or predicate written (`_` for none).
        d: Dst,
        /// The count, tx-count, state or phase parity operand.
        a: Option<Src>,
    },
    /// `mapa{.shared::cluster}.u32|u64 d, a, rank`: the address of `a` in
    /// the shared memory of the cluster's block `rank` (`generic`: `a` and
    /// `d` are generic addresses).
    Mapa {
        generic: bool,
        d: Dst,
        a: Src,
        rank: Src,
    },
    /// `getctarank{.shared::cluster}.u32 d, a`: the rank of the block whose
    /// shared memory `a` lies in.
    GetCtaRank {
        generic: bool,
        d: Dst,
        a: Src,
    },
    /// `barrier.cluster.arrive` (`wait: false`) or `barrier.cluster.wait`.
    ClusterBar {
        wait: bool,
    },
    Bra {
        target: u32,
    },
    BrxIdx {
        idx: Src,
        targets: Vec<u32>,
    },
    /// `args`/`rets` are slot offsets of the caller's param buffer.
    Call {
        target: CallTarget,
        args: Vec<(u32, u32)>,
        rets: Vec<(u32, u32)>,
    },
    Ret,
    Exit,
    Trap,
    Brkpt,
    /// `bar.sync`/`barrier.sync` (`wait`) or `bar.arrive` (no wait).
    Bar {
        id: Src,
        count: Option<Src>,
        wait: bool,
        /// `bar.sync`/`bar.arrive` and `barrier.*.aligned`: every thread of
        /// a warp must execute the same one (synccheck holds them to it).
        aligned: bool,
    },
    /// `membar`/`fence` (racecheck counts them; nothing else to do).
    Fence,
    /// `ldmatrix.sync.aligned.m8n8.{x1,x2,x4}{.trans}{.shared}.b16`: a warp
    /// collective; lanes 0..8·num each give the address of one 16-byte row
    /// (lane 8j + r: row r of matrix j), every lane receives one 32-bit
    /// fragment of each matrix in `ds[j]`.
    Ldmatrix {
        trans: bool,
        space: MemSpace,
        addr: Addr,
        ds: Vec<Dst>,
    },
    /// `bar.warp.sync mask`.
    WarpSync {
        mask: Src,
    },
    Shfl {
        mode: ShflMode,
        d: Dst,
        p: Dst,
        a: Src,
        b: Src,
        c: Src,
        mask: Src,
    },
    Vote {
        mode: VoteMode,
        d: Dst,
        a: Src,
        mask: Src,
    },
    Activemask {
        d: Dst,
    },
    Redux {
        op: AtomOp,
        ty: Ty,
        d: Dst,
        a: Src,
        mask: Src,
    },
    Match {
        all: bool,
        ty: Ty,
        d: Dst,
        p: Dst,
        a: Src,
        mask: Src,
    },
    /// Fences, prefetches, `nanosleep`, `setmaxnreg`: nothing to do in an interpreter.
    Nop,
    /// An instruction the emulator does not implement: launching a kernel
    /// that can reach it fails with this text.
    Unsupported(String),
}

/// One instruction with its guard and PTX line.
#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    pub op: Op,
    pub guard: Option<(u32, bool)>,
    pub line: u32,
}

/// A parameter's place in a frame's param buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub offset: u32,
    pub size: u32,
    pub align: u32,
}

/// A decoded function.
#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub is_entry: bool,
    pub line: u32,
    pub params: Vec<Slot>,
    pub returns: Vec<Slot>,
    /// Bytes of the frame's param buffer (params, returns, call-sequence params).
    pub param_size: u32,
    /// Bytes of `.local` variables per frame.
    pub local_size: u32,
    pub nregs: u32,
    pub code: Vec<Inst>,
    /// Declared without a body: a runtime builtin, or an unresolved extern.
    pub builtin: Option<Builtin>,
    pub has_body: bool,
    /// `(text, line)` of every instruction it could not decode.
    pub unsupported: Vec<(String, u32)>,
    /// Functions it calls directly, and whether it calls indirectly.
    pub callees: Vec<u32>,
    pub calls_indirect: bool,
    /// Functions whose address it takes (a function's name as a value):
    /// what an indirect call in its module may reach.
    pub address_taken: Vec<u32>,
    /// The PTX line of its first instruction through which blocks of a
    /// launch could communicate: an atomic outside shared memory, a
    /// volatile or memory-ordered (`.relaxed/.acquire/.release/.mmio`) load
    /// or store outside shared memory, a fence wider than the block. A
    /// launch whose reachable code has none runs its blocks independently.
    pub cross_block: Option<u32>,
    /// A kernel's static `.shared` bytes, where its dynamic shared memory
    /// starts (see `shared_layout.rs`; 0 for a `.func`).
    pub static_shared: u64,
    /// `.reqntid` / `.maxntid`.
    pub reqntid: Option<[u32; 3]>,
    pub maxntid: Option<[u32; 3]>,
    /// `.reqnctapercluster`: the cluster shape the kernel was compiled for
    /// (a launch with no cluster attribute gets it; `cuFuncGetAttribute` reports it).
    pub reqnctapercluster: Option<[u32; 3]>,
}
