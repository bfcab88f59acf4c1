//! Warp collectives, barriers, faults and what they name, bad launches,
//! integer and float instruction families, and the scheduler: blocks on OS
//! threads, spinning lanes, blocks that communicate.

use super::*;

#[test]
fn shuffles_with_partial_masks_and_out_of_range_lanes() {
    // shfl.sync.down by 1 with clamp 31 (c = 0x1f) over a full warp: lane i
    // reads lane i+1; lane 31's source (32) is past maxLane, so it keeps its own.
    let body = store_per_thread(
        "  mul.lo.u32 %r2, %r0, 10;\n  shfl.sync.down.b32 %r1|%p1, %r2, 1, 0x1f, 0xffffffff;",
    );
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!(v[0], 10);
    assert_eq!(v[30], 310);
    assert_eq!(v[31], 310, "lane 31 has no lane 32: its own value, 31 * 10");
    // bfly with xor 1: lanes swap in pairs.
    let body = store_per_thread("  shfl.sync.bfly.b32 %r1, %r0, 1, 0x1f, 0xffffffff;");
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!((v[0], v[1], v[6], v[7]), (1, 0, 7, 6));
    // idx 3 within segments of 8 lanes (c = ((32-8) << 8) | 0x1f = 0x181f):
    // lane 13 reads lane 8 + 3 = 11.
    let body = store_per_thread("  shfl.sync.idx.b32 %r1, %r0, 3, 0x181f, 0xffffffff;");
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!((v[0], v[13], v[31]), (3, 11, 27));
    // up by 2, c = 0: lanes 0 and 1 have no source and keep their own value.
    let body = store_per_thread("  shfl.sync.up.b32 %r1, %r0, 2, 0, 0xffffffff;");
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!((v[0], v[1], v[2], v[31]), (0, 1, 0, 29));
    // A partial mask: only the low 16 lanes shuffle (the others skip it).
    let body = store_per_thread(
        "  mov.u32 %r1, 99;\n  setp.ge.u32 %p2, %r0, 16;\n  @%p2 bra DONE;\n  shfl.sync.bfly.b32 %r1, %r0, 8, 0x1f, 0xffff;\nDONE:",
    );
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!((v[0], v[8], v[15], v[16], v[31]), (8, 0, 7, 99, 99));
}

#[test]
fn votes_ballot_redux_match() {
    // ballot of (tid is odd) over 32 lanes: 0xAAAAAAAA.
    let body = store_per_thread(
        "  and.b32 %r2, %r0, 1;\n  setp.eq.u32 %p1, %r2, 1;\n  vote.sync.ballot.b32 %r1, %p1, 0xffffffff;",
    );
    assert_eq!(run_u32(&body, "k", cfg(1, 32), 32).unwrap()[5], 0xAAAA_AAAA);
    // all(tid < 31) is false; any(tid == 31) is true.
    let body = store_per_thread(
        "  setp.lt.u32 %p1, %r0, 31;\n  vote.sync.all.pred %p2, %p1, 0xffffffff;\n  selp.u32 %r1, 1, 0, %p2;",
    );
    assert_eq!(run_u32(&body, "k", cfg(1, 32), 32).unwrap()[0], 0);
    // redux.sync.add of tid over 32 lanes: 0 + 1 + ... + 31 = 496.
    let body = store_per_thread("  redux.sync.add.u32 %r1, %r0, 0xffffffff;");
    assert_eq!(run_u32(&body, "k", cfg(1, 32), 32).unwrap()[17], 496);
    // redux.sync.max.s32 of (tid - 20): 31 - 20 = 11; min: -20.
    let body =
        store_per_thread("  sub.s32 %r2, %r0, 20;\n  redux.sync.min.s32 %r1, %r2, 0xffffffff;");
    assert_eq!(run_u32(&body, "k", cfg(1, 32), 32).unwrap()[3] as i32, -20);
    // match.any on (tid mod 4): lanes with tid = 1 mod 4 → 0x22222222.
    let body =
        store_per_thread("  and.b32 %r2, %r0, 3;\n  match.any.sync.b32 %r1, %r2, 0xffffffff;");
    assert_eq!(run_u32(&body, "k", cfg(1, 32), 32).unwrap()[5], 0x2222_2222);
}

#[test]
fn barriers_order_shared_memory() {
    // Each thread writes tid to shared[tid], syncs, then reads shared[63 - tid].
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<10>; .reg .b64 %rd<8>;
  .shared .align 4 .b8 buf[256];
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  mov.u64 %rd4, buf;
  mul.wide.u32 %rd2, %r0, 4;
  add.s64 %rd5, %rd4, %rd2;
  st.shared.u32 [%rd5], %r0;
  bar.sync 0;
  sub.u32 %r2, 63, %r0;
  mul.wide.u32 %rd6, %r2, 4;
  add.s64 %rd7, %rd4, %rd6;
  ld.shared.u32 %r1, [%rd7];
  add.s64 %rd3, %rd1, %rd2;
  st.global.u32 [%rd3], %r1;
  ret;
}";
    let v = run_u32(body, "k", cfg(1, 64), 64).unwrap();
    assert_eq!((v[0], v[10], v[63]), (63, 53, 0));
}

#[test]
fn carry_chain_adds_128_bits() {
    // (2^64 - 1) + 1 = 2^64: low word 0, high word 0 + 0 + carry = 1.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b64 %rd<8>;
  ld.param.u64 %rd1, [out];
  mov.u64 %rd2, -1;
  add.cc.u64 %rd3, %rd2, 1;
  addc.u64 %rd4, 0, 0;
  st.global.u64 [%rd1], %rd3;
  st.global.u64 [%rd1+8], %rd4;
  ret;
}";
    let v = run_u32(body, "k", cfg(1, 1), 4).unwrap();
    assert_eq!(v, vec![0, 0, 1, 0]);
}

#[test]
fn illegal_address_names_kernel_line_block_thread() {
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b64 %rd<3>; .reg .b32 %r<2>;
  mov.u64 %rd1, 16;
  st.global.u32 [%rd1], 7;
  ret;
}";
    let e = run_u32(body, "k", cfg(2, 3), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::IllegalAddress);
    // Line 4 of the header is `.visible .entry`; the store is line 7.
    assert!(
        e.message.contains("kernel `k` at PTX line 7"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("block [0, 0, 0] thread [0, 0, 0]"),
        "{}",
        e.message
    );
    assert!(e.message.contains("0x10"), "{}", e.message);
}

#[test]
fn one_past_the_end_and_misaligned_accesses_fault() {
    // out has 4 u32s; thread 4 writes out[4].
    let body = store_per_thread("  mov.u32 %r1, 1;");
    let e = run_u32(&body, "k", cfg(1, 5), 4).unwrap_err();
    assert_eq!(e.kind, FaultKind::IllegalAddress);
    assert!(e.message.contains("thread [4, 0, 0]"), "{}", e.message);
    // A 4-byte store at out + 2.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [out];
  st.global.u32 [%rd1+2], 7;
  ret;
}";
    let e = run_u32(body, "k", cfg(1, 1), 4).unwrap_err();
    assert_eq!(e.kind, FaultKind::Misaligned);
}

#[test]
fn trap_is_an_illegal_instruction() {
    let e = run_u32(
        ".visible .entry k(.param .u64 out) { trap; }",
        "k",
        cfg(1, 1),
        1,
    )
    .unwrap_err();
    assert_eq!(e.kind, FaultKind::IllegalInstruction);
    assert_eq!(e.kind.name(), "CUDA_ERROR_ILLEGAL_INSTRUCTION");
}

#[test]
fn a_barrier_that_cannot_complete_is_a_deadlock_not_a_hang() {
    // Warp 0 waits at bar.sync 0 for 64 threads; warp 1 waits in a shfl.sync
    // whose mask names lanes 0-31 of a warp where lane 0 already sits in the barrier...
    // Simplest divergent case: thread 0 waits at the barrier, threads 1-31 at a
    // full-warp shuffle that needs thread 0.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<4>; .reg .pred %p<2>;
  mov.u32 %r0, %tid.x;
  setp.eq.u32 %p1, %r0, 0;
  @%p1 bra BAR;
  shfl.sync.idx.b32 %r1, %r0, 0, 0x1f, 0xffffffff;
  ret;
BAR:
  bar.sync 0;
  ret;
}";
    let e = run_u32(body, "k", cfg(1, 32), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::LaunchFailed);
    assert!(e.message.contains("deadlock"), "{}", e.message);
    assert!(e.message.contains("kernel `k`"), "{}", e.message);
    // The barrier is on line 12 (header 3 lines + 9), the shuffle on line 9.
    assert!(
        e.message.contains("line 12") && e.message.contains("line 9"),
        "{}",
        e.message
    );
    // A barrier with a thread count larger than the block never completes.
    let e = run_u32(
        ".visible .entry k(.param .u64 out) { bar.sync 0, 64; ret; }",
        "k",
        cfg(1, 32),
        1,
    )
    .unwrap_err();
    assert!(
        e.message.contains("deadlock") && e.message.contains("threads 0-31 wait there"),
        "{}",
        e.message
    );
    // A collective whose mask names lanes that exited: they take no part,
    // as on a GPU (where cuda-oxide's ref_index_projections, full-mask
    // shuffles after lanes 4-31 returned, runs); synccheck reports it.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<4>; .reg .pred %p<2>;
  mov.u32 %r0, %tid.x;
  setp.ge.u32 %p1, %r0, 16;
  @%p1 ret;
  shfl.sync.idx.b32 %r1, %r0, 0, 0x1f, 0xffffffff;
  ret;
}";
    run_u32(body, "k", cfg(1, 32), 1).expect("the live lanes complete the shuffle");
    let mut m = machine();
    m.set_tools("synccheck").unwrap();
    let module = m.load_module(&format!("{HEADER}{body}")).unwrap();
    let e = m.launch(module, "k", &cfg(1, 32), &[0u8; 8]).unwrap_err();
    assert!(
        e.message.contains(
            "synccheck: shfl.sync at PTX line 9: its member mask 0xffffffff names lanes 16-31 that exited"
        ),
        "{}",
        e.message
    );
}

#[test]
fn exited_threads_do_not_block_a_barrier() {
    // Threads 16..31 exit; the rest meet at bar.sync and finish (as on sm_70+).
    let body = store_per_thread(
        "  setp.ge.u32 %p1, %r0, 16;\n  @%p1 ret;\n  bar.sync 0;\n  mov.u32 %r1, 5;",
    );
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!((v[0], v[15], v[16]), (5, 5, 0));
}

#[test]
fn bad_launches_get_the_drivers_error() {
    let body = store_per_thread("  mov.u32 %r1, 1;");
    // More than 1024 threads per block.
    let e = run_u32(&body, "k", cfg(1, 1025), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::InvalidValue);
    assert!(e.message.contains("1024"), "{}", e.message);
    // An unknown kernel.
    let e = run_u32(&body, "nope", cfg(1, 1), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::InvalidValue);
    assert!(
        e.message.contains("no kernel named `nope`"),
        "{}",
        e.message
    );
    // Too few parameter bytes.
    let mut m = machine();
    let module = m.load_module(&format!("{HEADER}{body}")).unwrap();
    let e = m.launch(module, "k", &cfg(1, 1), &[0u8; 4]).unwrap_err();
    assert!(
        e.message
            .contains("4 bytes of parameters given, the kernel takes 8"),
        "{}",
        e.message
    );
    // More shared memory than an sm_80 block can have (163 KiB).
    let mut c = cfg(1, 1);
    c.shared = 200 * 1024;
    let e = m.launch(module, "k", &c, &[0u8; 8]).unwrap_err();
    assert!(
        e.message.contains("exceed the 166912 bytes"),
        "{}",
        e.message
    );
}

#[test]
fn malformed_ptx_names_the_line() {
    let mut m = machine();
    let e = m
        .load_module(&format!(
            "{HEADER}.visible .entry k() {{\n  add.s32 %r1, ;\n}}"
        ))
        .unwrap_err();
    assert_eq!(e.line, 5, "{e}");
    let e = m
        .load_module(&format!(
            "{HEADER}.visible .entry k() {{\n  .reg .b32 %r<2>;\n  add.s32 %r1, %r9, 1;\n}}"
        ))
        .unwrap_err();
    assert!(
        e.to_string().contains("PTX line 6") && e.to_string().contains("%r9"),
        "{e}"
    );
}

/// `mad.lo.cc` / `madc.hi.cc` carry chains (extended-precision multiply,
/// as cuda-oxide's u64 math emits them), derived by hand:
/// 0xFFFFFFFF * 2 = 0x1_FFFFFFFE; lo 0xFFFFFFFE + 5 = 0x1_00000003 → 3, carry 1;
/// hi 1 + 0 + carry = 2, carry 0; `addc 0, 0` = the carry, 0. 300 + 20 + 0 = 320.
#[test]
fn mad_carry_chains() {
    let body = store_per_thread(
        "  mov.u32 %r5, 0xFFFFFFFF;\n  mad.lo.cc.u32 %r1, %r5, 2, 5;\n  madc.hi.cc.u32 %r2, %r5, 2, 0;\n  addc.u32 %r3, 0, 0;\n  mad.lo.u32 %r1, %r1, 100, %r3;\n  mad.lo.u32 %r1, %r2, 10, %r1;",
    );
    assert_eq!(run_u32(&body, "k", cfg(1, 2), 2).unwrap(), vec![320, 320]);
}

/// `dp2a`, derived by hand: a = 0x0003FFFE (halves -2 and 3 signed, 0xFFFE
/// and 3 unsigned), b = 0x0405FF02 (bytes 2, -1/255, 5, 4).
/// .lo signed: -2*2 + 3*(-1) + 10 = 3; .hi signed: -2*5 + 3*4 = 2 → 3 + 2*10 = 23.
/// .lo unsigned: 0xFFFE*2 + 3*255 = 131833.
#[test]
fn dp2a_halves_times_bytes() {
    let signed = store_per_thread(
        "  mov.u32 %r5, 0x0003FFFE;\n  mov.u32 %r6, 0x0405FF02;\n  dp2a.lo.s32.s32 %r1, %r5, %r6, 10;\n  dp2a.hi.s32.s32 %r2, %r5, %r6, 0;\n  mad.lo.u32 %r1, %r2, 10, %r1;",
    );
    assert_eq!(run_u32(&signed, "k", cfg(1, 1), 1).unwrap(), vec![23]);
    let unsigned = store_per_thread(
        "  mov.u32 %r5, 0x0003FFFE;\n  mov.u32 %r6, 0x0405FF02;\n  dp2a.lo.u32.u32 %r1, %r5, %r6, 0;",
    );
    assert_eq!(run_u32(&unsigned, "k", cfg(1, 1), 1).unwrap(), vec![131833]);
}

/// Half-precision atomic adds (cuda-oxide's atomic_f16 and
/// packed_atomic_add emit them): 4 threads each add 1.0 (0x3c00) to an f16
/// starting at 0 → 4.0 (0x4400); and (1.0, 0.5) (0x3c00_3800) to an f16x2
/// → (4.0, 2.0) = 0x4400_4000. Rounding: 2048 + 1 = 2049 lies halfway
/// between 2048 (0x6800) and 2050 (0x6801), f16's neighbours there; ties go
/// to the even mantissa, 2048.
#[test]
fn half_precision_atomic_adds() {
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b16 %h<3>; .reg .b32 %r<3>; .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [out];
  mov.b16 %h1, 0x3c00;
  atom.global.add.noftz.f16 %h2, [%rd1], %h1;
  mov.b32 %r1, 0x3c003800;
  atom.global.add.noftz.f16x2 %r2, [%rd1+4], %r1;
  ret;
}";
    assert_eq!(
        run_u32(body, "k", cfg(1, 4), 2).unwrap(),
        vec![0x4400, 0x4400_4000]
    );
    assert_eq!(
        ptx_emu::exec::ops::float::atom(
            ptx_emu::exec::program::AtomOp::Add,
            ptx_emu::exec::types::Ty::F16,
            0x6800, // 2048.0
            0x3c00, // 1.0: 2049 is a tie between 2048 and 2050; even is 2048
            None
        ),
        Some(0x6800)
    );
    // bf16x2: (1.0, 0.5) is (0x3f80, 0x3f00); 4 adds give (4.0, 2.0) = (0x4080, 0x4000).
    let bf = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<3>; .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [out];
  mov.b32 %r1, 0x3f803f00;
  atom.global.add.noftz.bf16x2 %r2, [%rd1], %r1;
  ret;
}";
    assert_eq!(run_u32(bf, "k", cfg(1, 4), 1).unwrap(), vec![0x4080_4000]);
}

/// `stacksave`/`stackrestore` around code that uses local memory (LLVM
/// emits them for scoped allocas; cuda-oxide's thread_runs): the saved
/// value is a local address, and the code between runs as usual.
#[test]
fn stacksave_and_stackrestore() {
    let body = store_per_thread(
        "  stacksave.u64 %rd4;\n  cvta.local.u64 %rd4, %rd4;\n  add.u32 %r1, %r0, 7;\n  cvta.to.local.u64 %rd4, %rd4;\n  stackrestore.u64 %rd4;",
    );
    assert_eq!(run_u32(&body, "k", cfg(1, 3), 3).unwrap(), vec![7, 8, 9]);
}

#[test]
fn an_unimplemented_instruction_fails_the_launch_naming_it() {
    let body = store_per_thread(
        "  mov.u32 %r1, 1;\n  tex.1d.v4.s32.s32 {%r1, %r2, %r3, %r4}, [tex, {%r0}];",
    );
    let mut m = machine();
    match m.load_module(&format!("{HEADER}{body}")) {
        // Either the parser rejects the texture operand, naming the line…
        Err(e) => assert_eq!(e.line, 9, "{e}"),
        // …or the launch fails naming the instruction.
        Ok(module) => {
            let e = m.launch(module, "k", &cfg(1, 1), &[0u8; 8]).unwrap_err();
            assert_eq!(e.kind, FaultKind::Unsupported);
            assert!(
                e.message
                    .contains("unsupported PTX instruction `tex.1d.v4.s32.s32")
                    && e.message.contains("line 9"),
                "{}",
                e.message
            );
        }
    }
}

#[test]
fn float_rounding_modes_and_ftz() {
    // add.rz.f32 1 + 2^-24: the exact sum lies between 1 and 1 + 2^-23; rz → 1.0.
    // add.rp.f32: → 1 + 2^-23 = 0x3F800001. add.rn: a tie → even → 1.0.
    let body = store_per_thread(
        "  setp.eq.u32 %p1, %r0, 0;\n  setp.eq.u32 %p2, %r0, 1;\n  mov.b32 %f1, 0f3F800000;\n  mov.b32 %f2, 0f33800000;\n  add.rn.f32 %f3, %f1, %f2;\n  @%p1 add.rz.f32 %f3, %f1, %f2;\n  @%p2 add.rp.f32 %f3, %f1, %f2;\n  mov.b32 %r1, %f3;",
    );
    let v = run_u32(&body, "k", cfg(1, 3), 3).unwrap();
    assert_eq!(v, vec![0x3F80_0000, 0x3F80_0001, 0x3F80_0000]);
    // mul.ftz.f32 of the smallest normal (2^-126) by 0.5 gives a subnormal,
    // flushed to +0; without .ftz it is 2^-127 = 0x00400000.
    let body = store_per_thread(
        "  setp.eq.u32 %p1, %r0, 0;\n  mov.b32 %f1, 0f00800000;\n  mov.b32 %f2, 0f3F000000;\n  mul.rn.f32 %f3, %f1, %f2;\n  @%p1 mul.rn.ftz.f32 %f3, %f1, %f2;\n  mov.b32 %r1, %f3;",
    );
    assert_eq!(
        run_u32(&body, "k", cfg(1, 2), 2).unwrap(),
        vec![0, 0x0040_0000]
    );
    // cvt.rni.s32.f32 of 2.5 → 2 (ties to even); cvt.rzi.s32.f32 of NaN → 0.
    let body = store_per_thread(
        "  setp.eq.u32 %p1, %r0, 0;\n  mov.b32 %f1, 0f40200000;\n  @%p1 mov.b32 %f1, 0f7FC00000;\n  cvt.rni.s32.f32 %r1, %f1;",
    );
    assert_eq!(run_u32(&body, "k", cfg(1, 2), 2).unwrap(), vec![0, 2]);
    // min.f32 of NaN and 3.0 is 3.0 (0x40400000); min.NaN.f32 is the canonical NaN.
    let body = store_per_thread(
        "  setp.eq.u32 %p1, %r0, 0;\n  mov.b32 %f1, 0f7FC00000;\n  mov.b32 %f2, 0f40400000;\n  min.f32 %f3, %f1, %f2;\n  @%p1 min.NaN.f32 %f3, %f1, %f2;\n  mov.b32 %r1, %f3;",
    );
    assert_eq!(
        run_u32(&body, "k", cfg(1, 2), 2).unwrap(),
        vec![0x7FFF_FFFF, 0x4040_0000]
    );
}

#[test]
fn shuffle_schedule_is_deterministic_per_seed_and_changes_the_order() {
    // Every thread does atomic exch on one word: the survivor is the last
    // writer, which depends on the schedule.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<4>; .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  atom.global.exch.b32 %r1, [%rd1], %r0;
  ret;
}";
    let run = |s: Schedule| {
        let mut m = Machine::new(Arch::parse("sm_80").unwrap(), s);
        let module = m.load_module(&format!("{HEADER}{body}")).unwrap();
        let out = m.mem.alloc(4, ptx_emu::exec::memory::AllocKind::Host);
        m.launch(module, "k", &cfg(1, 256), &out.to_le_bytes())
            .unwrap();
        u32::from_le_bytes(m.mem.host_slice_mut(out, 4).unwrap().try_into().unwrap())
    };
    // In order, thread 255 runs last.
    assert_eq!(run(Schedule::InOrder), 255);
    assert_eq!(run(Schedule::Shuffle(7)), run(Schedule::Shuffle(7)));
    let winners: std::collections::HashSet<u32> =
        (1..6).map(|s| run(Schedule::Shuffle(s))).collect();
    assert!(
        winners.len() > 1,
        "different seeds should give different last writers: {winners:?}"
    );
}

#[test]
fn less_common_integer_instructions() {
    // bfind.u32 of (tid + 1) << 3: tid 0 → 8 → bit 3; tid 5 → 48 → bit 5.
    let body =
        store_per_thread("  add.u32 %r2, %r0, 1;\n  shl.b32 %r2, %r2, 3;\n  bfind.u32 %r1, %r2;");
    let v = run_u32(&body, "k", cfg(1, 6), 6).unwrap();
    assert_eq!((v[0], v[5]), (3, 5));
    // sad.u32: 10 + |tid - 4|: tid 0 → 14, tid 6 → 12.
    let body = store_per_thread("  sad.u32 %r1, %r0, 4, 10;");
    let v = run_u32(&body, "k", cfg(1, 7), 7).unwrap();
    assert_eq!((v[0], v[4], v[6]), (14, 10, 12));
    // mad24.lo.u32: tid * 3 + 1.
    let body = store_per_thread("  mad24.lo.u32 %r1, %r0, 3, 1;");
    assert_eq!(
        run_u32(&body, "k", cfg(1, 4), 4).unwrap(),
        vec![1, 4, 7, 10]
    );
    // set.lt.u32.s32: all ones where tid < 2.
    let body = store_per_thread("  set.lt.u32.s32 %r1, %r0, 2;");
    assert_eq!(
        run_u32(&body, "k", cfg(1, 3), 3).unwrap(),
        vec![u32::MAX, u32::MAX, 0]
    );
    // slct.u32.s32: (tid - 1) >= 0 ? 7 : 9.
    let body = store_per_thread("  sub.s32 %r2, %r0, 1;\n  slct.u32.s32 %r1, 7, 9, %r2;");
    assert_eq!(run_u32(&body, "k", cfg(1, 2), 2).unwrap(), vec![9, 7]);
    // elect.sync over lanes 4..31 (mask 0xfffffff0): the leader is lane 4.
    let body = store_per_thread(
        "  mov.u32 %r1, 99;\n  setp.lt.u32 %p2, %r0, 4;\n  @%p2 bra DONE;\n  elect.sync %r2|%p1, 0xfffffff0;\n  selp.u32 %r1, 1, 0, %p1;\n  add.u32 %r1, %r1, %r2;\nDONE:",
    );
    let v = run_u32(&body, "k", cfg(1, 32), 32).unwrap();
    assert_eq!((v[0], v[4], v[5], v[31]), (99, 5, 4, 4));
    // isspacep.shared of a shared-window address, and of a global one.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<4>; .reg .b64 %rd<5>; .reg .pred %p<3>;
  .shared .align 4 .b8 buf[4];
  ld.param.u64 %rd1, [out];
  mov.u64 %rd2, buf;
  cvta.shared.u64 %rd3, %rd2;
  isspacep.shared %p1, %rd3;
  isspacep.shared %p2, %rd1;
  selp.u32 %r1, 1, 0, %p1;
  selp.u32 %r2, 1, 0, %p2;
  st.global.u32 [%rd1], %r1;
  st.global.u32 [%rd1+4], %r2;
  ret;
}";
    assert_eq!(run_u32(body, "k", cfg(1, 1), 2).unwrap(), vec![1, 0]);
}

/// Every block's threads 0 and 1 print `b<block> t<thread>` and store
/// `block * 100 + thread` at out[block * 2 + thread]; thread 1 of block
/// `trap_block` traps after printing (none traps when it is out of range).
fn printing_blocks(trap_block: u32) -> String {
    format!(
        ".extern .func (.param .b32 func_retval0) vprintf (.param .b64 vprintf_param_0, .param .b64 vprintf_param_1);
.global .align 1 .b8 fmt[9] = {{98, 37, 117, 32, 116, 37, 117, 10, 0}};
.visible .entry k(.param .u64 out) {{
  .local .align 8 .b8 buf[8];
  .reg .b32 %r<8>; .reg .b64 %rd<8>; .reg .pred %p<3>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %tid.x;
  mad.lo.s32 %r3, %r1, 100, %r2;
  shl.b32 %r4, %r1, 1;
  add.s32 %r4, %r4, %r2;
  mul.wide.u32 %rd2, %r4, 4;
  add.s64 %rd3, %rd1, %rd2;
  st.global.u32 [%rd3], %r3;
  st.local.v2.u32 [buf], {{%r1, %r2}};
  mov.u64 %rd4, buf;
  cvta.local.u64 %rd5, %rd4;
  mov.u64 %rd6, fmt;
  cvta.global.u64 %rd7, %rd6;
  {{
  .param .b64 param0;
  st.param.b64 [param0], %rd7;
  .param .b64 param1;
  st.param.b64 [param1], %rd5;
  .param .b32 retval0;
  call.uni (retval0), vprintf, (param0, param1);
  }}
  setp.eq.u32 %p1, %r1, {trap_block};
  setp.eq.u32 %p2, %r2, 1;
  and.pred %p1, %p1, %p2;
  @%p1 trap;
  ret;
}}"
    )
}

#[test]
fn independent_blocks_give_one_result_on_any_number_of_os_threads() {
    let run = |threads: usize, trap_block: u32| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut m = machine();
            let module = m
                .load_module(&format!("{HEADER}{}", printing_blocks(trap_block)))
                .expect("the test PTX loads");
            let out = m.mem.alloc(64, ptx_emu::exec::memory::AllocKind::Host);
            let r = m.launch(module, "k", &cfg(8, 2), &out.to_le_bytes());
            let words: Vec<u32> = m
                .mem
                .host_slice_mut(out, 64)
                .unwrap()
                .chunks(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            (r, String::from_utf8(m.take_printf()).unwrap(), words)
        })
    };
    // No trap: every block prints, in block order, thread 0 before thread 1.
    let all: String = (0..8).map(|b| format!("b{b} t0\nb{b} t1\n")).collect();
    let (r, printed, words) = run(4, 99);
    assert_eq!(r, Ok(()));
    assert_eq!(printed, all);
    let expect: Vec<u32> = (0..16).map(|i| i / 2 * 100 + i % 2).collect();
    assert_eq!(words, expect);
    assert_eq!(run(1, 99), (Ok(()), all, expect));
    // Thread 1 of block 5 traps after printing: the output stops there, on
    // one OS thread or four, and the fault names that block and thread.
    let upto: String = (0..6).map(|b| format!("b{b} t0\nb{b} t1\n")).collect();
    for threads in [1, 4] {
        let (r, printed, _) = run(threads, 5);
        let f = r.unwrap_err();
        assert_eq!(f.kind, FaultKind::IllegalInstruction);
        assert!(
            f.message.contains("block [5, 0, 0] thread [1, 0, 0]"),
            "{}",
            f.message
        );
        assert_eq!(printed, upto, "on {threads} OS threads");
    }
}

#[test]
fn a_spin_lock_between_lanes_of_one_warp_makes_progress() {
    // Each of 32 threads takes a global lock with atom.cas, adds its tid+1
    // to a plain counter, and releases it. The lanes that lose the cas spin
    // at a lower instruction than the winner's critical section: the
    // lockstep order alone would starve the winner (as a pre-Volta GPU
    // does); independent thread scheduling must let it finish. The counter
    // ends at 1 + 2 + … + 32 = 528.
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<6>; .reg .b64 %rd<4>; .reg .pred %p<2>;
  ld.param.u64 %rd1, [out];
  add.s64 %rd2, %rd1, 4;
  mov.u32 %r0, %tid.x;
SPIN:
  atom.global.cas.b32 %r1, [%rd1], 0, 1;
  setp.ne.u32 %p1, %r1, 0;
  @%p1 bra SPIN;
  ld.global.u32 %r2, [%rd2];
  add.s32 %r3, %r0, 1;
  add.s32 %r2, %r2, %r3;
  st.global.u32 [%rd2], %r2;
  atom.global.exch.b32 %r4, [%rd1], 0;
  ret;
}";
    let out = run_u32(body, "k", cfg(1, 32), 2).expect("the kernel completes");
    assert_eq!(out, vec![0, 528]);
}

#[test]
fn a_fault_in_a_converged_warp_names_its_lane() {
    // Lane 5 alone stores 64 bytes past its 8-word buffer; the others store
    // inside it. The fault names thread 5 and the store's line (line 14 of
    // the module: 3 header lines, then the kernel).
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<6>; .reg .b64 %rd<5>; .reg .pred %p<2>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  and.b32 %r1, %r0, 7;
  setp.eq.u32 %p1, %r0, 5;
  selp.b32 %r2, 16, 0, %p1;
  add.s32 %r1, %r1, %r2;
  mul.wide.u32 %rd2, %r1, 4;
  add.s64 %rd3, %rd1, %rd2;
  st.global.u32 [%rd3], %r0;
  ret;
}";
    let f = run_u32(body, "k", cfg(1, 32), 8).unwrap_err();
    assert_eq!(f.kind, FaultKind::IllegalAddress);
    assert!(
        f.message.contains("PTX line 14") && f.message.contains("thread [5, 0, 0]"),
        "{}",
        f.message
    );
}

#[test]
fn blocks_that_communicate_through_volatile_accesses_run_together() {
    // Block 0 waits for a flag that block 1 sets with a volatile store, then
    // copies block 1's plain store. Run block after block, block 0 would
    // spin forever; the volatile accesses keep the blocks resident together
    // (in a wave), as on a GPU. out = [flag 1, copied 42, block 1's 42].
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<4>; .reg .b64 %rd<4>; .reg .pred %p<2>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %ctaid.x;
  setp.eq.u32 %p1, %r0, 0;
  @%p1 bra WAIT;
  st.global.u32 [%rd1+8], 42;
  st.volatile.global.u32 [%rd1], 1;
  ret;
WAIT:
  ld.volatile.global.u32 %r1, [%rd1];
  setp.eq.u32 %p1, %r1, 0;
  @%p1 bra WAIT;
  ld.global.u32 %r2, [%rd1+8];
  st.global.u32 [%rd1+4], %r2;
  ret;
}";
    // On one OS thread, so that independent blocks would run one by one.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let out = pool
        .install(|| run_u32(body, "k", cfg(2, 1), 3))
        .expect("the kernel completes");
    assert_eq!(out, vec![1, 42, 42]);
}

#[test]
fn a_shared_load_past_the_end_in_a_converged_warp_names_its_lane() {
    // 32 words of shared memory; every lane loads word tid, except lane 3,
    // which loads word 32: one past the end.
    let body = ".shared .align 4 .b8 tile[128];
.visible .entry k(.param .u64 out) {
  .reg .b32 %r<6>; .reg .b64 %rd<3>; .reg .pred %p<2>;
  mov.u32 %r0, %tid.x;
  setp.eq.u32 %p1, %r0, 3;
  selp.b32 %r1, 32, %r0, %p1;
  shl.b32 %r2, %r1, 2;
  mov.u32 %r3, tile;
  add.s32 %r4, %r3, %r2;
  ld.shared.u32 %r5, [%r4];
  ret;
}";
    let f = run_u32(body, "k", cfg(1, 32), 1).unwrap_err();
    assert_eq!(f.kind, FaultKind::IllegalAddress);
    assert!(
        f.message.contains("thread [3, 0, 0]") && f.message.contains("load of 4 bytes at 0x80"),
        "{}",
        f.message
    );
}
