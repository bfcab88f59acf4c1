//! Kernels written in PTX by hand, executed on the emulator. Every expected
//! value is worked out by hand from the PTX ISA manual (or IEEE 754) in the
//! comment beside it, never taken from a run.

use ptx_emu::exec::{Arch, FaultKind, LaunchConfig, Machine, Schedule};

const HEADER: &str = ".version 8.0\n.target sm_80\n.address_size 64\n";

fn machine() -> Machine {
    Machine::new(Arch::parse("sm_80").unwrap(), Schedule::InOrder)
}

fn cfg(grid: u32, block: u32) -> LaunchConfig {
    LaunchConfig {
        grid: [grid, 1, 1],
        block: [block, 1, 1],
        shared: 0,
        cluster: [1, 1, 1],
    }
}

/// Loads `body` (after the header), runs `kernel` with one `u64` output
/// buffer of `n` u32s as its only parameter, and returns the buffer.
fn run_u32(
    body: &str,
    kernel: &str,
    c: LaunchConfig,
    n: usize,
) -> Result<Vec<u32>, ptx_emu::exec::Fault> {
    let mut m = machine();
    let module = m
        .load_module(&format!("{HEADER}{body}"))
        .expect("the test PTX loads");
    let out = m
        .mem
        .alloc(4 * n as u64, ptx_emu::exec::memory::AllocKind::Host);
    m.launch(module, kernel, &c, &out.to_le_bytes())?;
    let bytes = m.mem.host_slice_mut(out, 4 * n as u64).unwrap();
    Ok(bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect())
}

/// A kernel `k(out)` that computes `%r1` with `code` and stores it at out[tid].
fn store_per_thread(code: &str) -> String {
    format!(
        ".visible .entry k(.param .u64 out) {{
  .reg .b32 %r<10>; .reg .b64 %rd<5>; .reg .pred %p<4>; .reg .f32 %f<5>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
{code}
  mul.wide.u32 %rd2, %r0, 4;
  add.s64 %rd3, %rd1, %rd2;
  st.global.u32 [%rd3], %r1;
  ret;
}}"
    )
}

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

/// Two warps meet at an `mbarrier` (cuda-oxide's barrier example does the
/// same): thread 0 sets it up for all 64 threads; the second warp spins a
/// while before it writes, so the first warp really waits. Phase 0 is waited
/// for with `test_wait` and the state `arrive` returned, phase 1 with
/// `try_wait.parity` on parity 0 (the phase just completed is the first
/// phase after phase 0's, whose parity is 1: waiting on parity 1).
/// Each thread reads its mirror's slot after each phase: after phase 0 it
/// holds 3·(63 − tid), after phase 1 that plus 1000.
#[test]
fn an_mbarrier_orders_two_warps_across_two_phases() {
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<12>; .reg .b64 %rd<12>; .reg .pred %p<4>;
  .shared .align 8 .b64 bar;
  .shared .align 4 .b8 buf[256];
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  setp.ne.u32 %p1, %r0, 0;
  @%p1 bra SYNC;
  mbarrier.init.shared.b64 [bar], 64;
SYNC:
  bar.sync 0;
  setp.lt.u32 %p2, %r0, 32;
  mov.u32 %r5, 0;
  @%p2 bra WRITE;
SPIN:
  add.u32 %r5, %r5, 1;
  setp.lt.u32 %p3, %r5, 3000;
  @%p3 bra SPIN;
WRITE:
  mov.u64 %rd4, buf;
  mul.wide.u32 %rd2, %r0, 4;
  add.s64 %rd5, %rd4, %rd2;
  mul.lo.u32 %r1, %r0, 3;
  st.shared.u32 [%rd5], %r1;
  mbarrier.arrive.shared.b64 %rd8, [bar];
WAIT0:
  mbarrier.test_wait.shared.b64 %p3, [bar], %rd8;
  @!%p3 bra WAIT0;
  sub.u32 %r2, 63, %r0;
  mul.wide.u32 %rd6, %r2, 4;
  add.s64 %rd7, %rd4, %rd6;
  ld.shared.u32 %r3, [%rd7];
  bar.sync 0;
  add.u32 %r1, %r1, 1000;
  st.shared.u32 [%rd5], %r1;
  mbarrier.arrive.release.cta.shared::cta.b64 _, [bar];
WAIT1:
  mbarrier.try_wait.parity.shared::cta.b64 %p3, [bar], 1;
  @!%p3 bra WAIT1;
  ld.shared.u32 %r4, [%rd7];
  mul.wide.u32 %rd9, %r0, 8;
  add.s64 %rd3, %rd1, %rd9;
  st.global.v2.u32 [%rd3], {%r3, %r4};
  ret;
}";
    let v = run_u32(body, "k", cfg(1, 64), 128).unwrap();
    for tid in [0usize, 5, 31, 32, 63] {
        let mirror = 63 - tid as u32;
        assert_eq!(
            (v[2 * tid], v[2 * tid + 1]),
            (3 * mirror, 3 * mirror + 1000),
            "thread {tid}"
        );
    }
}

/// Counts and states of one thread's arrivals: init 5; arrive 2 leaves 3
/// pending (the state says 3); `arrive_drop` 1 leaves 2 pending and lowers
/// the count of later phases to 4; `expect_tx` 16 then an arrival of 2
/// leaves 0 pending but the phase open (16 bytes outstanding): `test_wait.parity`
/// on parity 0 answers false (0); `complete_tx` 16 ends the phase, so it
/// answers true (1); the next phase expects 4: `arrive.expect_tx` of 8 (an
/// arrival), a `cp.async.mbarrier.arrive.noinc` (an arrival), one without
/// `.noinc` (no net change) and an arrival of 1 leave 1 pending.
#[test]
fn mbarrier_counts_transactions_and_pending_arrivals() {
    let body = ".visible .entry k(.param .u64 out) {
  .reg .b32 %r<12>; .reg .b64 %rd<12>; .reg .pred %p<4>;
  .shared .align 8 .b64 bar;
  ld.param.u64 %rd1, [out];
  mov.u64 %rd2, bar;
  cvta.shared.u64 %rd3, %rd2;
  mbarrier.init.shared.b64 [bar], 5;
  mbarrier.arrive.shared.b64 %rd4, [bar], 2;
  mbarrier.pending_count.b64 %r1, %rd4;
  mbarrier.arrive_drop.b64 %rd5, [%rd3];
  mbarrier.pending_count.b64 %r2, %rd5;
  mbarrier.expect_tx.relaxed.cta.shared::cta.b64 [bar], 16;
  mbarrier.arrive.noComplete.shared.b64 %rd6, [bar], 2;
  mbarrier.pending_count.b64 %r3, %rd6;
  mbarrier.test_wait.parity.shared.b64 %p1, [bar], 0;
  selp.u32 %r4, 1, 0, %p1;
  mbarrier.complete_tx.relaxed.cta.shared::cta.b64 [bar], 16;
  mbarrier.test_wait.parity.shared.b64 %p1, [bar], 0;
  selp.u32 %r5, 1, 0, %p1;
  mbarrier.arrive.expect_tx.shared.b64 %rd7, [bar], 8;
  cp.async.mbarrier.arrive.noinc.shared.b64 [bar];
  cp.async.mbarrier.arrive.shared.b64 [bar];
  mbarrier.arrive.noComplete.shared.b64 %rd8, [bar], 1;
  mbarrier.pending_count.b64 %r6, %rd8;
  st.global.v2.u32 [%rd1], {%r1, %r2};
  st.global.v2.u32 [%rd1+8], {%r3, %r4};
  st.global.v2.u32 [%rd1+16], {%r5, %r6};
  ret;
}";
    let v = run_u32(body, "k", cfg(1, 1), 6).unwrap();
    assert_eq!(v, vec![3, 2, 0, 0, 1, 1]);
}

/// Arriving at an object `mbarrier.init` never set up, or arriving more
/// often than the count allows, is undefined in PTX: the launch stops with
/// a report naming it (a GPU would go on with a value nobody can rely on).
#[test]
fn mbarrier_misuse_stops_the_launch_naming_it() {
    for (code, expect) in [
        (
            "  mbarrier.arrive.shared.b64 %rd4, [bar];",
            "holds no barrier",
        ),
        (
            "  mbarrier.init.shared.b64 [bar], 1;\n  mbarrier.arrive.shared.b64 %rd4, [bar], 2;",
            "2 arrival(s) where the phase has 1 pending",
        ),
        ("  mbarrier.init.shared.b64 [bar], 0;", "count of 0"),
        ("  mbarrier.init.b64 [%rd1], 1;", "not in shared memory"),
    ] {
        let body = format!(
            ".visible .entry k(.param .u64 out) {{
  .reg .b64 %rd<8>;
  .shared .align 8 .b64 bar;
  ld.param.u64 %rd1, [out];
{code}
  ret;
}}"
        );
        let e = run_u32(&body, "k", cfg(1, 1), 2).unwrap_err();
        assert!(e.message.contains(expect), "{code}: {}", e.message);
    }
}

/// `rec(n) = n + rec(n - 1)`, `rec(0) = 0`, each call with a 256-byte
/// `.local` frame; the kernel stores `rec(depth)` = depth·(depth+1)/2.
fn recursion(depth: u32) -> String {
    format!(
        ".visible .func (.param .b32 r) rec(.param .b32 n)
{{
  .local .align 4 .b8 buf[256];
  .reg .b32 %r<6>; .reg .pred %p1;
  ld.param.u32 %r1, [n];
  st.local.u32 [buf+252], %r1;
  mov.u32 %r3, 0;
  setp.eq.u32 %p1, %r1, 0;
  @%p1 bra DONE;
  sub.u32 %r2, %r1, 1;
  {{
  .param .b32 a;
  st.param.b32 [a], %r2;
  .param .b32 rv;
  call.uni (rv), rec, (a);
  ld.param.b32 %r3, [rv];
  }}
DONE:
  ld.local.u32 %r4, [buf+252];
  add.u32 %r5, %r3, %r4;
  st.param.b32 [r], %r5;
  ret;
}}
.visible .entry k(.param .u64 out) {{
  .reg .b32 %r<3>; .reg .b64 %rd<2>;
  ld.param.u64 %rd1, [out];
  {{
  .param .b32 a;
  st.param.b32 [a], {depth};
  .param .b32 rv;
  call.uni (rv), rec, (a);
  ld.param.b32 %r1, [rv];
  }}
  st.global.u32 [%rd1], %r1;
  ret;
}}"
    )
}

/// A recursive kernel's stack is the context's stack size
/// (`CU_LIMIT_STACK_SIZE`, 1 KiB by default), as a driver sizes it when
/// ptxas cannot: depth 3 is 4 frames of 256 bytes (1,024, fits), depth 4
/// is 5 (1,280, overflows); with the limit raised to 2 KiB depth 6 (7
/// frames, 1,792 bytes) runs.
#[test]
fn recursion_past_the_stack_size_limit_overflows() {
    assert_eq!(run_u32(&recursion(3), "k", cfg(1, 1), 1).unwrap(), vec![6]);
    let e = run_u32(&recursion(4), "k", cfg(1, 1), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::IllegalAddress);
    assert!(
        e.message
            .contains("stack overflow: calling `rec` needs 1280 bytes")
            && e.message.contains("past the 1024 bytes")
            && e.message.contains("CU_LIMIT_STACK_SIZE"),
        "{}",
        e.message
    );
    let mut m = machine();
    m.stack_limit = 2048;
    let module = m
        .load_module(&format!("{HEADER}{}", recursion(6)))
        .expect("the test PTX loads");
    let out = m.mem.alloc(4, ptx_emu::exec::memory::AllocKind::Host);
    m.launch(module, "k", &cfg(1, 1), &out.to_le_bytes())
        .unwrap();
    assert_eq!(m.mem.host_slice_mut(out, 4).unwrap(), 21u32.to_le_bytes());
}

/// A kernel whose call graph is known gets the stack its deepest path
/// needs, whatever the limit: 3 KiB of `.local` in a callee runs.
#[test]
fn a_known_call_graph_gets_the_stack_it_needs() {
    let body = ".visible .func (.param .b32 r) big()
{
  .local .align 4 .b8 buf[3072];
  .reg .b32 %r<2>;
  st.local.u32 [buf+3068], 7;
  ld.local.u32 %r1, [buf+3068];
  st.param.b32 [r], %r1;
  ret;
}
.visible .entry k(.param .u64 out) {
  .reg .b32 %r<3>; .reg .b64 %rd<2>;
  ld.param.u64 %rd1, [out];
  {
  .param .b32 rv;
  call.uni (rv), big, ();
  ld.param.b32 %r1, [rv];
  }
  st.global.u32 [%rd1], %r1;
  ret;
}";
    assert_eq!(run_u32(body, "k", cfg(1, 1), 1).unwrap(), vec![7]);
    // The same with a call through a pointer elsewhere in the kernel (never
    // taken here, as a panic path's formatting would hold one): the direct
    // path's 3 KiB still fit (the fuzz lane's unoptimized kernels).
    let indirect = body
        .replace(
            "  st.global.u32 [%rd1], %r1;",
            "  st.global.u32 [%rd1], %r1;
  mov.u32 %r2, 0;
  setp.ne.u32 %p1, %r2, 0;
  mov.u64 %rd2, big;
  {
  .param .b32 rv2;
  proto: .callprototype (.param .b32 _) _ ();
  @%p1 call (rv2), %rd2, (), proto;
  }",
        )
        .replace(".reg .b64 %rd<2>;", ".reg .b64 %rd<3>; .reg .pred %p1;");
    assert_eq!(run_u32(&indirect, "k", cfg(1, 1), 1).unwrap(), vec![7]);
}

/// A cluster kernel on sm_90: each block's thread 0 puts `1000 + 10 ·
/// %clusterid.x + %cluster_ctarank` in its shared word 0 and, through
/// `mapa` + `st.shared::cluster`, `7 · rank` in word 1 of the next rank's
/// block; after the cluster barrier it reads word 0 of the next rank's
/// block and its own word 1 (written by the previous rank). With 8 blocks
/// in clusters of 4, block b (rank b % 4, cluster b / 4) stores
/// `1000 + 10·(b/4) + (b%4 + 1) % 4`, `7 · ((b%4 + 3) % 4)`, and
/// `%cluster_nctarank·100 + %nclusterid.x·10 + %is_explicit_cluster` =
/// 4·100 + 2·10 + 1 = 421.
const CLUSTER_RING: &str = ".visible .entry ring(.param .u64 out) {
  .reg .b32 %r<20>; .reg .b64 %rd<12>; .reg .pred %p<3>;
  .shared .align 4 .b8 words[8];
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  mov.u32 %r1, %cluster_ctarank;
  mov.u32 %r2, %cluster_nctarank;
  mov.u32 %r3, %clusterid.x;
  add.u32 %r4, %r1, 1;
  rem.u32 %r4, %r4, %r2;
  mov.u64 %rd2, words;
  setp.ne.u32 %p1, %r0, 0;
  @%p1 bra SYNC;
  mad.lo.u32 %r5, %r3, 10, 1000;
  add.u32 %r5, %r5, %r1;
  st.shared.u32 [words], %r5;
  mapa.shared::cluster.u64 %rd3, %rd2, %r4;
  mul.lo.u32 %r6, %r1, 7;
  st.shared::cluster.u32 [%rd3+4], %r6;
SYNC:
  barrier.cluster.arrive.release.aligned;
  barrier.cluster.wait.acquire.aligned;
  @%p1 bra DONE;
  mapa.shared::cluster.u64 %rd3, %rd2, %r4;
  ld.shared::cluster.u32 %r7, [%rd3];
  ld.shared.u32 %r8, [words+4];
  mov.u32 %r9, %ctaid.x;
  mul.wide.u32 %rd4, %r9, 4;
  add.s64 %rd5, %rd1, %rd4;
  st.global.u32 [%rd5], %r7;
  st.global.u32 [%rd5+32], %r8;
  mov.u32 %r10, %nclusterid.x;
  mov.u32 %r11, %is_explicit_cluster;
  mul.lo.u32 %r12, %r2, 100;
  mad.lo.u32 %r12, %r10, 10, %r12;
  add.u32 %r12, %r12, %r11;
  st.global.u32 [%rd5+64], %r12;
DONE:
  barrier.cluster.arrive;
  barrier.cluster.wait;
  ret;
}";

fn run_cluster(body: &str, c: &LaunchConfig, n: usize) -> Result<Vec<u32>, ptx_emu::exec::Fault> {
    let mut m = Machine::new(Arch::parse("sm_90").unwrap(), Schedule::InOrder);
    let module = m
        .load_module(&format!(
            ".version 8.0\n.target sm_90\n.address_size 64\n{body}"
        ))
        .expect("the test PTX loads");
    let out = m
        .mem
        .alloc(4 * n as u64, ptx_emu::exec::memory::AllocKind::Host);
    let kernel = if body.contains("entry ring") {
        "ring"
    } else {
        "k"
    };
    m.launch(module, kernel, c, &out.to_le_bytes())?;
    let bytes = m.mem.host_slice_mut(out, 4 * n as u64).unwrap();
    Ok(bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect())
}

#[test]
fn a_cluster_shares_shared_memory_and_a_barrier() {
    let c = LaunchConfig {
        grid: [8, 1, 1],
        block: [64, 1, 1],
        shared: 0,
        cluster: [4, 1, 1],
    };
    let v = run_cluster(CLUSTER_RING, &c, 24).unwrap();
    for b in 0..8u32 {
        let (rank, cl) = (b % 4, b / 4);
        let k = b as usize;
        assert_eq!(v[k], 1000 + 10 * cl + (rank + 1) % 4, "block {b} word 0");
        assert_eq!(v[8 + k], 7 * ((rank + 3) % 4), "block {b} word 1");
        assert_eq!(v[16 + k], 421, "block {b} registers");
    }
}

/// `.reqnctapercluster` sets the cluster shape when the launch names none;
/// a launch naming another is refused; clusters need sm_90, and a grid
/// they divide; a `barrier.cluster.wait` with no arrive before it is
/// undefined in PTX and stops the launch.
#[test]
fn cluster_shapes_and_misuse() {
    let req = CLUSTER_RING.replace(
        ".visible .entry ring(.param .u64 out) {",
        ".visible .entry ring(.param .u64 out)\n.explicitcluster\n.reqnctapercluster 4, 1, 1\n{",
    );
    let mut c = LaunchConfig {
        grid: [8, 1, 1],
        block: [32, 1, 1],
        shared: 0,
        cluster: [1, 1, 1],
    };
    let v = run_cluster(&req, &c, 24).unwrap();
    assert_eq!((v[0], v[8], v[16]), (1001, 21, 421));
    c.cluster = [2, 1, 1];
    let e = run_cluster(&req, &c, 24).unwrap_err();
    assert!(
        e.message.contains(".reqnctapercluster [4, 1, 1]"),
        "{}",
        e.message
    );
    c.cluster = [3, 1, 1];
    let e = run_cluster(CLUSTER_RING, &c, 24).unwrap_err();
    assert_eq!(e.kind, FaultKind::InvalidValue);
    assert!(
        e.message.contains("a grid ([8, 1, 1]) they divide"),
        "{}",
        e.message
    );
    let mut m = machine();
    let module = m
        .load_module(&format!("{HEADER}{CLUSTER_RING}"))
        .expect("the test PTX loads");
    c.cluster = [2, 1, 1];
    let e = m.launch(module, "ring", &c, &[0u8; 8]).unwrap_err();
    assert!(
        e.message.contains("need sm_90 or newer (sm_80 here)"),
        "{}",
        e.message
    );
    let body = store_per_thread("  mov.u32 %r1, 1;\n  barrier.cluster.wait;");
    c.cluster = [2, 1, 1];
    let e = run_cluster(&body, &c, 8).unwrap_err();
    assert!(
        e.message
            .contains("barrier.cluster.wait with no barrier.cluster.arrive"),
        "{}",
        e.message
    );
}

/// A cluster barrier that can never complete is a deadlock reported as
/// such, not a hang: in block rank 1, threads 0–15 wait at `bar.sync 0`
/// for threads 16–31, which wait at the cluster barrier for threads 0–15
/// to arrive; block 0's threads all wait at the cluster barrier.
#[test]
fn a_cluster_barrier_that_cannot_complete_is_a_deadlock() {
    let body = store_per_thread(
        "  mov.u32 %r1, 1;\n  mov.u32 %r2, %cluster_ctarank;\n  setp.eq.u32 %p1, %r2, 1;\n  setp.lt.u32 %p2, %r0, 16;\n  and.pred %p3, %p1, %p2;\n  @%p3 bar.sync 0;\n  barrier.cluster.arrive;\n  barrier.cluster.wait;",
    );
    let c = LaunchConfig {
        grid: [2, 1, 1],
        block: [32, 1, 1],
        shared: 0,
        cluster: [2, 1, 1],
    };
    let e = run_cluster(&body, &c, 64).unwrap_err();
    assert_eq!(e.kind, FaultKind::LaunchFailed);
    assert!(
        e.message.contains(
            "deadlock in kernel `k`: barrier.cluster.wait at PTX line 15 in block [0, 0, 0]"
        ),
        "{}",
        e.message
    );
}

/// Each kernel gets only the shared variables it names, from offset 0, as
/// on a GPU: kernels `a` and `b` each store the shared-window offset of
/// their own 256-byte array (both 0: `cvta.shared` of it minus the
/// window's base, found as `cvta.shared` of 0) and `%total_smem_size`
/// (256 for each, not the module's 512).
#[test]
fn each_kernel_gets_only_its_own_shared_variables() {
    let body = ".shared .align 4 .b8 sa[256];
.shared .align 4 .b8 sb[256];
.visible .entry a(.param .u64 out) {
  .reg .b32 %r<3>; .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [out];
  mov.u64 %rd2, sa;
  cvta.shared.u64 %rd3, %rd2;
  mov.u64 %rd4, 0;
  cvta.shared.u64 %rd5, %rd4;
  sub.s64 %rd3, %rd3, %rd5;
  cvt.u32.u64 %r1, %rd3;
  mov.u32 %r2, %total_smem_size;
  st.global.v2.u32 [%rd1], {%r1, %r2};
  ret;
}
.visible .entry b(.param .u64 out) {
  .reg .b32 %r<3>; .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [out];
  mov.u64 %rd2, sb;
  cvta.shared.u64 %rd3, %rd2;
  mov.u64 %rd4, 0;
  cvta.shared.u64 %rd5, %rd4;
  sub.s64 %rd3, %rd3, %rd5;
  cvt.u32.u64 %r1, %rd3;
  mov.u32 %r2, %total_smem_size;
  st.global.v2.u32 [%rd1+8], {%r1, %r2};
  ret;
}";
    let mut m = machine();
    let module = m
        .load_module(&format!("{HEADER}{body}"))
        .expect("the test PTX loads");
    let out = m.mem.alloc(16, ptx_emu::exec::memory::AllocKind::Host);
    for k in ["a", "b"] {
        m.launch(module, k, &cfg(1, 1), &out.to_le_bytes()).unwrap();
    }
    let v: Vec<u32> = m
        .mem
        .host_slice_mut(out, 16)
        .unwrap()
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(v, vec![0, 256, 0, 256]);
}

/// A one-thread kernel that runs each step in turn (each leaves a value in
/// `%r1`) and stores step k's value at out[k]. Registers: `%h<10>` (b16),
/// `%r<10>` (b32), `%f<10>` (f32), `%p<4>`.
fn steps_kernel(steps: &[&str]) -> String {
    let mut code = String::new();
    for (k, s) in steps.iter().enumerate() {
        code += &format!("  {s}\n  st.global.u32 [%rd1+{}], %r1;\n", 4 * k);
    }
    format!(
        ".visible .entry k(.param .u64 out) {{
  .reg .b16 %h<10>; .reg .b32 %r<10>; .reg .b64 %rd<5>; .reg .pred %p<4>; .reg .f32 %f<10>;
  ld.param.u64 %rd1, [out];
{code}  ret;
}}"
    )
}

fn run_steps(steps: &[&str]) -> Vec<u32> {
    run_u32(&steps_kernel(steps), "k", cfg(1, 1), steps.len()).unwrap()
}

/// The launch of a one-thread kernel running `step` fails as unsupported,
/// naming `what` (the module itself loads).
fn assert_unsupported(step: &str, what: &str) {
    let e = run_u32(&steps_kernel(&[step]), "k", cfg(1, 1), 1).unwrap_err();
    assert_eq!(e.kind, FaultKind::Unsupported, "{step}: {}", e.message);
    assert!(e.message.contains(what), "{step}: {}", e.message);
}

#[test]
fn cvt_packs_two_f32_into_f16x2_and_bf16x2() {
    // PTX ISA, cvt: "d[31:16] = convert(a); d[15:0] = convert(b)".
    let v = run_steps(&[
        // 1.0 → f16 0x3C00 (upper), -2.0 → 0xC000 (lower).
        "cvt.rn.f16x2.f32 %r1, 0f3F800000, 0fC0000000;",
        // 1 + 2^-11 + 2^-12 (0x3F801800): f16 keeps 10 fraction bits (ulp
        // 2^-10 at 1), the rest is 3/4 ulp: .rn rounds up to 0x3C01, .rz
        // down to 0x3C00; the negative twin gives 0xBC01 / 0xBC00.
        "cvt.rn.f16x2.f32 %r1, 0f3F801800, 0fBF801800;",
        "cvt.rz.f16x2.f32 %r1, 0f3F801800, 0fBF801800;",
        // .relu: -3.0 → 0; 2.5 = 1.25 * 2^1 → exponent 16, fraction 0x100 → 0x4100.
        "cvt.rn.relu.f16x2.f32 %r1, 0fC0400000, 0f40200000;",
        // .relu: a NaN becomes the canonical NaN 0x7FFF.
        "cvt.rn.relu.f16x2.f32 %r1, 0f7FC00000, 0f40200000;",
        // 1e6 (0x49742400) and -inf are past the largest f16, 65504 = 0x7BFF:
        // without .satfinite they are ±inf (0x7C00, 0xFC00) ...
        "cvt.rn.f16x2.f32 %r1, 0f49742400, 0fFF800000;",
        // ... with it, ±65504 (0x7BFF, 0xFBFF).
        "cvt.rn.satfinite.f16x2.f32 %r1, 0f49742400, 0fFF800000;",
        // bf16: 1.0 → 0x3F80, -2.0 → 0xC000.
        "cvt.rn.bf16x2.f32 %r1, 0f3F800000, 0fC0000000;",
        // 1 + 2^-8 + 2^-9 (0x3F80C000): bf16 keeps 7 fraction bits, the rest
        // is 3/4 ulp: .rn → 0x3F81, .rz → 0x3F80.
        "cvt.rn.bf16x2.f32 %r1, 0f3F80C000, 0f3F80C000;",
        "cvt.rz.bf16x2.f32 %r1, 0f3F80C000, 0f3F80C000;",
        // The largest f32 (0x7F7FFFFF) is above bf16's largest, 0x7F7F, by
        // more than half its ulp: .rn gives inf 0x7F80 (and -inf 0xFF80) ...
        "cvt.rn.bf16x2.f32 %r1, 0f7F7FFFFF, 0fFF800000;",
        // ... .satfinite gives ±0x7F7F.
        "cvt.rn.satfinite.bf16x2.f32 %r1, 0f7F7FFFFF, 0fFF800000;",
        // .relu on bf16: -1.0 → 0, 1.0 → 0x3F80.
        "cvt.rn.relu.bf16x2.f32 %r1, 0fBF800000, 0f3F800000;",
        // The single forms take .relu/.satfinite too: -1.0 → 0 in the low
        // half (cvt.u32.u16 zero-extends); 1e6 → 0x7BFF.
        "cvt.rn.relu.f16.f32 %h1, 0fBF800000; cvt.u32.u16 %r1, %h1;",
        "cvt.rn.satfinite.f16.f32 %h1, 0f49742400; cvt.u32.u16 %r1, %h1;",
    ]);
    assert_eq!(
        v,
        vec![
            0x3C00_C000,
            0x3C01_BC01,
            0x3C00_BC00,
            0x0000_4100,
            0x7FFF_4100,
            0x7C00_FC00,
            0x7BFF_FBFF,
            0x3F80_C000,
            0x3F81_3F81,
            0x3F80_3F80,
            0x7F80_FF80,
            0x7F7F_FF7F,
            0x0000_3F80,
            0,
            0x7BFF,
        ]
    );
    // The stochastic-rounding form is not implemented (and says so).
    assert_unsupported(
        "cvt.rs.f16x2.f32 %r1, 0f3F800000, 0f3F800000, %r2;",
        "cvt.rs.f16x2.f32",
    );
}

#[test]
fn cvt_to_tf32_rounds_to_ten_fraction_bits() {
    // tf32 is an f32 pattern with the low 13 fraction bits zero.
    let v = run_steps(&[
        // 1 + 2^-11 (0x3F801000): the dropped bits are exactly half an ulp
        // (0x1000 of 0x2000). .rna: ties away → 0x3F802000; .rn: ties to
        // even (bit 13 is 0) → 0x3F800000; .rz → 0x3F800000.
        "cvt.rna.tf32.f32 %r1, 0f3F801000;",
        "cvt.rn.tf32.f32 %r1, 0f3F801000;",
        "cvt.rz.tf32.f32 %r1, 0f3F801000;",
        // 0x3F803000: a tie with bit 13 set: .rn rounds up to even, 0x3F804000.
        "cvt.rn.tf32.f32 %r1, 0f3F803000;",
        // Just above the tie (0x3F801001): .rn → 0x3F802000; .rz → 0x3F800000.
        "cvt.rn.tf32.f32 %r1, 0f3F801001;",
        "cvt.rz.tf32.f32 %r1, 0f3F801001;",
        // Negative ties go away from zero in magnitude: 0xBF801000 → 0xBF802000.
        "cvt.rna.tf32.f32 %r1, 0fBF801000;",
        // The largest f32 rounds up past the largest tf32 to inf (0x7F800000) ...
        "cvt.rna.tf32.f32 %r1, 0f7F7FFFFF;",
        // ... and .satfinite keeps it at the largest tf32, 0x7F7FE000 (-inf:
        // 0xFF7FE000).
        "cvt.rna.satfinite.tf32.f32 %r1, 0f7F7FFFFF;",
        "cvt.rn.satfinite.tf32.f32 %r1, 0fFF800000;",
        // .relu: -1.5 → 0, 1.5 (0x3FC00000, already tf32) stays, NaN → the
        // canonical NaN 0x7FFFFFFF.
        "cvt.rn.relu.tf32.f32 %r1, 0fBFC00000;",
        "cvt.rz.relu.tf32.f32 %r1, 0f3FC00000;",
        "cvt.rn.relu.tf32.f32 %r1, 0f7FC00001;",
    ]);
    assert_eq!(
        v,
        vec![
            0x3F80_2000,
            0x3F80_0000,
            0x3F80_0000,
            0x3F80_4000,
            0x3F80_2000,
            0x3F80_0000,
            0xBF80_2000,
            0x7F80_0000,
            0x7F7F_E000,
            0xFF7F_E000,
            0,
            0x3FC0_0000,
            0x7FFF_FFFF,
        ]
    );
    // cvt.rna has no .relu form in the PTX ISA.
    assert_unsupported(
        "cvt.rna.relu.tf32.f32 %r1, 0f3F800000;",
        "cvt.rna.relu.tf32.f32",
    );
}

#[test]
fn packed_half_fma_in_every_form() {
    // f16 lanes (upper, lower): a = (2.0 0x4000, 1.5 0x3E00), b = (3.0
    // 0x4200, -2.0 0xC000), c = (0.5 0x3800, 1.0 0x3C00). Upper: 2*3 + 0.5 =
    // 6.5 = 1.625 * 2^2 → exponent 17, fraction 0.625*1024 = 0x280 →
    // 0x4680. Lower: 1.5 * -2 + 1 = -2.0 → 0xC000.
    let set = "mov.b32 %r2, 0x40003E00; mov.b32 %r3, 0x4200C000; mov.b32 %r4, 0x38003C00;";
    // Tiny lanes: a = (2^-14 0x0400, 2.0 0x4000), b = (0.5 0x3800, 2.0
    // 0x4000), c = 0: upper 2^-15 (subnormal 0x0200), lower 4.0 (0x4400).
    let tiny = "mov.b32 %r2, 0x04004000; mov.b32 %r3, 0x38004000; mov.b32 %r4, 0;";
    // bf16 lanes: a = (2.0 0x4000, 1.5 0x3FC0), b = (3.0 0x4040, -2.0
    // 0xC000), c = (0.5 0x3F00, 1.0 0x3F80): upper 6.5 → exponent 129,
    // fraction 0.625*128 = 0x50 → 0x40D0; lower -2.0 → 0xC000.
    let bf = "mov.b32 %r2, 0x40003FC0; mov.b32 %r3, 0x4040C000; mov.b32 %r4, 0x3F003F80;";
    let steps: Vec<String> = [
        (set, "fma.rn.f16x2"),
        // .relu: the negative lane becomes 0.
        (set, "fma.rn.relu.f16x2"),
        // .sat: 6.5 → 1.0 (0x3C00), -2.0 → 0.
        (set, "fma.rn.sat.f16x2"),
        (tiny, "fma.rn.f16x2"),
        // .ftz flushes the subnormal 2^-15 to +0.
        (tiny, "fma.rn.ftz.f16x2"),
        // .ftz.sat: 0 and 4.0 → 1.0.
        (tiny, "fma.rn.ftz.sat.f16x2"),
        // .ftz.relu: 0 and 4.0 (positive, kept).
        (tiny, "fma.rn.ftz.relu.f16x2"),
        (bf, "fma.rn.bf16x2"),
        (bf, "fma.rn.relu.bf16x2"),
    ]
    .iter()
    .map(|(s, op)| format!("{s} {op} %r1, %r2, %r3, %r4;"))
    .collect();
    let steps: Vec<&str> = steps.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        run_steps(&steps),
        vec![
            0x4680_C000,
            0x4680_0000,
            0x3C00_0000,
            0x0200_4400,
            0x0000_4400,
            0x0000_3C00,
            0x0000_4400,
            0x40D0_C000,
            0x40D0_0000,
        ]
    );
    // The scalar relu form: 1.5 * -2 + 1 = -2 → 0.
    let v = run_steps(&[
        "mov.b16 %h2, 0x3E00; mov.b16 %h3, 0xC000; mov.b16 %h4, 0x3C00; fma.rn.relu.f16 %h1, %h2, %h3, %h4; cvt.u32.u16 %r1, %h1;",
    ]);
    assert_eq!(v, vec![0]);
    // neg.ftz.f16x2 flushes a subnormal input (0x0001, 2^-24) to a
    // sign-preserving zero before negating: 0x8000; a normal lane (1.0,
    // 0x3C00) just flips its sign: 0xBC00. Without .ftz: 0x8001.
    let v = run_steps(&[
        "mov.b32 %r2, 0x00013C00; neg.ftz.f16x2 %r1, %r2;",
        "mov.b32 %r2, 0x00013C00; neg.f16x2 %r1, %r2;",
    ]);
    assert_eq!(v, vec![0x8000_BC00, 0x8001_BC00]);
    // bf16 has no .ftz/.sat forms; .oob is not implemented: all say so.
    assert_unsupported("fma.rn.ftz.bf16x2 %r1, %r2, %r3, %r4;", "fma.rn.ftz.bf16x2");
    assert_unsupported("fma.rn.oob.f16x2 %r1, %r2, %r3, %r4;", "the modifier .oob");
}

#[test]
fn min_max_xorsign_abs() {
    // PTX ISA, min/max: xorsign = sign(a) ^ sign(b) (before .abs); d is the
    // min/max of |a| and |b| (NaN rules as without the modifier); the sign
    // bit of d is set to xorsign unless d is NaN.
    let v = run_steps(&[
        // f16 min(|1.0|, |-2.0|) = 1.0, sign 0^1 → -1.0 = 0xBC00.
        "mov.b16 %h2, 0x3C00; mov.b16 %h3, 0xC000; min.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // max → 2.0 with sign 1 → -2.0 = 0xC000.
        "mov.b16 %h2, 0x3C00; mov.b16 %h3, 0xC000; max.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // f16x2: a = (-3.0 0xC200, 0.5 0x3800), b = (-1.0 0xBC00, -4.0 0xC400).
        // min: upper min(3, 1) = 1, sign 1^1 = 0 → 0x3C00; lower min(0.5, 4)
        // = 0.5, sign 0^1 = 1 → -0.5 = 0xB800.
        "mov.b32 %r2, 0xC2003800; mov.b32 %r3, 0xBC00C400; min.xorsign.abs.f16x2 %r1, %r2, %r3;",
        // max: upper 3.0 sign 0 → 0x4200; lower 4.0 sign 1 → -4.0 = 0xC400.
        "mov.b32 %r2, 0xC2003800; mov.b32 %r3, 0xBC00C400; max.xorsign.abs.f16x2 %r1, %r2, %r3;",
        // A NaN operand (0x7E00) is dropped: |b| = 2.0, sign 0^1 → -2.0 = 0xC000.
        "mov.b16 %h2, 0x7E00; mov.b16 %h3, 0xC000; min.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // With .NaN the result is NaN, and then no sign is set: 0x7FFF.
        "mov.b16 %h2, 0x7E00; mov.b16 %h3, 0xC000; min.NaN.xorsign.abs.f16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // bf16 max(|-1.5| (0xBFC0), |2.0| (0x4000)) = 2.0, sign 1 → 0xC000.
        "mov.b16 %h2, 0xBFC0; mov.b16 %h3, 0x4000; max.xorsign.abs.bf16 %h1, %h2, %h3; cvt.u32.u16 %r1, %h1;",
        // bf16x2: a = (-1.0 0xBF80, 3.0 0x4040), b = (-2.0 0xC000, 0.5 0x3F00):
        // upper min(1, 2) = 1, sign 0 → 0x3F80; lower 0.5, sign 0 → 0x3F00.
        "mov.b32 %r2, 0xBF804040; mov.b32 %r3, 0xC0003F00; min.xorsign.abs.bf16x2 %r1, %r2, %r3;",
        // f32: min(|1.0|, |-2.0|) = 1, sign 1 → -1.0 = 0xBF800000.
        "min.xorsign.abs.f32 %f1, 0f3F800000, 0fC0000000; mov.b32 %r1, %f1;",
        // max(|-3.0|, |-0.5|) = 3.0, sign 1^1 = 0 → 0x40400000.
        "max.xorsign.abs.f32 %f1, 0fC0400000, 0fBF000000; mov.b32 %r1, %f1;",
    ]);
    assert_eq!(
        v,
        vec![
            0xBC00,
            0xC000,
            0x3C00_B800,
            0x4200_C400,
            0xC000,
            0x7FFF,
            0xC000,
            0x3F80_3F00,
            0xBF80_0000,
            0x4040_0000,
        ]
    );
    // .xorsign without .abs and f64 (which has no such form) are not ignored.
    assert_unsupported("min.xorsign.f32 %f1, %f2, %f3;", "min.xorsign.f32");
    assert_unsupported(
        "min.xorsign.abs.f64 %rd2, %rd3, %rd4;",
        "min.xorsign.abs.f64",
    );
}

#[test]
fn float_modifiers_the_emulator_lacks_fail_the_launch() {
    // Modifiers outside each instruction's PTX ISA syntax, or not
    // implemented, make the instruction unsupported instead of being ignored.
    assert_unsupported("add.rn.relu.f32 %f1, %f2, %f3;", "the modifier .relu");
    assert_unsupported("add.ftz.bf16 %h1, %h2, %h3;", "add.ftz.bf16");
    assert_unsupported("cvt.pack.sat.u16.s32 %r1, %r2, %r3;", "the modifier .pack");
    assert_unsupported("mul.rni.f32 %f1, %f2, %f3;", "the modifier .rni");
    assert_unsupported("min.ftz.NaN.f32 %f1, %f2, %f3, %f4;", "three-input");
    assert_unsupported(
        "cvt.rn.satfinite.f32.f64 %f1, %rd2;",
        "cvt.rn.satfinite.f32.f64",
    );
}

/// A one-warp kernel: shared memory holds 32 rows of 8 b16 elements, row R
/// at byte 16·R holding the values 8R..8R+7; lane l gives the address of
/// row π(l) = 5·l mod 32 (lanes past 8·num give an address past the end of
/// shared memory, which ldmatrix must not read), runs `ldmatrix` with `num`
/// matrices, and stores register j at out[4·l + j].
fn ldmatrix_kernel(num: u32, trans: bool, generic: bool) -> String {
    let regs: Vec<String> = (0..num).map(|j| format!("%r{}", 10 + j)).collect();
    let stores: String = (0..num)
        .map(|j| format!("  st.global.u32 [%rd3+{}], %r{};\n", 4 * j, 10 + j))
        .collect();
    let (space, addr) = if generic {
        (
            "",
            "  cvt.u64.u32 %rd4, %r9;\n  cvta.shared.u64 %rd4, %rd4;\n",
        )
    } else {
        (".shared", "  cvt.u64.u32 %rd4, %r9;\n")
    };
    format!(
        ".shared .align 16 .b8 smem[512];
.visible .entry k(.param .u64 out) {{
  .reg .b32 %r<20>; .reg .b64 %rd<5>; .reg .pred %p<4>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  shl.b32 %r1, %r0, 3;
  shl.b32 %r2, %r0, 4;
  mov.u32 %r3, smem;
  add.u32 %r4, %r3, %r2;
  mad.lo.u32 %r5, %r1, 0x10001, 0x10000;
  add.u32 %r6, %r5, 0x20002;
  add.u32 %r7, %r6, 0x20002;
  add.u32 %r8, %r7, 0x20002;
  st.shared.v4.b32 [%r4], {{%r5, %r6, %r7, %r8}};
  bar.sync 0;
  mul.lo.u32 %r9, %r0, 5;
  and.b32 %r9, %r9, 31;
  shl.b32 %r9, %r9, 4;
  add.u32 %r9, %r9, %r3;
  setp.ge.u32 %p1, %r0, {lanes};
  @%p1 mov.u32 %r9, 0xfff0;
{addr}  ldmatrix.sync.aligned.m8n8.x{num}{trans}{space}.b16 {{{regs}}}, [%rd4];
  mul.wide.u32 %rd2, %r0, 16;
  add.s64 %rd3, %rd1, %rd2;
{stores}  ret;
}}",
        lanes = 8 * num,
        trans = if trans { ".trans" } else { "" },
        regs = regs.join(", "),
    )
}

#[test]
fn ldmatrix_loads_fragments_of_8x8_matrices() {
    // PTX ISA, ldmatrix: lanes 8j..8j+7 give the addresses of rows 0..7 of
    // matrix j; lane k receives, in register j, the elements (row k/4,
    // columns 2(k%4) and 2(k%4)+1) of matrix j, the first in the low half.
    // Here row r of matrix j is memory row π(8j + r), whose element c is
    // 8·π(8j + r) + c. With .trans the matrix is read column-major: the
    // addresses are those of its columns, so element (r, c) is element r of
    // memory row π(8j + c).
    let pi = |l: u32| (5 * l) % 32;
    let want = |num: u32, trans: bool| -> Vec<u32> {
        let mut v = vec![0u32; 128];
        for k in 0..32u32 {
            for j in 0..num {
                let (r, c) = (k / 4, 2 * (k % 4));
                let (lo, hi) = if trans {
                    (8 * pi(8 * j + c) + r, 8 * pi(8 * j + c + 1) + r)
                } else {
                    (8 * pi(8 * j + r) + c, 8 * pi(8 * j + r) + c + 1)
                };
                v[(4 * k + j) as usize] = lo | hi << 16;
            }
        }
        v
    };
    // Spot checks by hand. .x4, lane 5, register 2: j = 2, r = 1, c = 2:
    // memory row π(17) = 85 mod 32 = 21 → elements 170 and 171 → 0x00AB00AA.
    // With .trans: rows π(18) = 26 and π(19) = 31, element r = 1 of each:
    // 209 and 249 → 0x00F900D1. .x1, lane 0: row π(0) = 0, elements 0, 1 →
    // 0x00010000; lane 31 (r = 7, c = 6): row π(7) = 3 → 30, 31 → 0x001F001E.
    assert_eq!(want(4, false)[4 * 5 + 2], 0x00AB_00AA);
    assert_eq!(want(4, true)[4 * 5 + 2], 0x00F9_00D1);
    assert_eq!(want(1, false)[0], 0x0001_0000);
    assert_eq!(want(1, false)[4 * 31], 0x001F_001E);
    for (num, trans, generic) in [
        (1, false, false),
        (1, true, false),
        (2, false, true),
        (2, true, true),
        (4, false, false),
        (4, true, false),
    ] {
        let got = run_u32(&ldmatrix_kernel(num, trans, generic), "k", cfg(1, 32), 128).unwrap();
        assert_eq!(
            got,
            want(num, trans),
            ".x{num} trans={trans} generic={generic}"
        );
    }
    // A row address that is not 16-byte aligned faults (the ISA: "the
    // matrix addresses must be naturally aligned").
    let misaligned = ldmatrix_kernel(1, false, false).replace(
        "  setp.ge.u32 %p1",
        "  add.u32 %r9, %r9, 2;\n  setp.ge.u32 %p1",
    );
    let e = run_u32(&misaligned, "k", cfg(1, 32), 128).unwrap_err();
    assert_eq!(e.kind, FaultKind::Misaligned, "{}", e.message);
}

/// With debug lines in the PTX (`.file`, `.loc`: a build with debug info),
/// a fault names the source line of the faulting instruction beside its
/// PTX line: the store on PTX line 10 follows `.loc 1 7 5`.
#[test]
fn a_fault_names_the_source_line_when_the_ptx_has_debug_lines() {
    let body = ".file 1 \"src/kernels.rs\"
.visible .entry k(.param .u64 out) {
  .reg .b64 %rd<3>; .reg .b32 %r<2>;
  .loc 1 6 9
  mov.u64 %rd1, 16;
  .loc 1 7 5
  st.global.u32 [%rd1], 1;
  ret;
}";
    let e = run_u32(body, "k", cfg(1, 1), 1).unwrap_err();
    assert!(
        e.message
            .contains("in kernel `k` at PTX line 10 (src/kernels.rs:7), block [0, 0, 0]"),
        "{}",
        e.message
    );
}

/// HMM, on request: with `Machine::hmm`, a kernel reads and writes the
/// host program's own memory through a plain pointer (a Rust array on this
/// test's stack): out = in[0] + in[1] = 40 + 2, and in[1] becomes 7.
/// Without it the same pointer is an illegal address, as on a GPU without
/// HMM; and an unmapped host address is one even with HMM.
#[test]
fn hmm_lets_a_kernel_reach_host_memory_when_asked() {
    let body = ".visible .entry k(.param .u64 src, .param .u64 dst) {
  .reg .b32 %r<4>; .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [src];
  ld.param.u64 %rd2, [dst];
  ld.global.u32 %r1, [%rd1];
  ld.global.u32 %r2, [%rd1+4];
  add.u32 %r3, %r1, %r2;
  st.global.u32 [%rd1+4], 7;
  st.global.u32 [%rd2], %r3;
  ret;
}";
    for hmm in [false, true] {
        let mut src = [40u32, 2];
        let mut dst = [0u32];
        let mut m = machine();
        m.hmm = hmm;
        let module = m.load_module(&format!("{HEADER}{body}")).unwrap();
        let mut params = (src.as_mut_ptr() as u64).to_le_bytes().to_vec();
        params.extend_from_slice(&(dst.as_mut_ptr() as u64).to_le_bytes());
        let r = m.launch(module, "k", &cfg(1, 1), &params);
        if hmm {
            r.unwrap();
            assert_eq!(std::hint::black_box(dst), [42]);
            assert_eq!(std::hint::black_box(src), [40, 7]);
            let mut wild = 16u64.to_le_bytes().to_vec();
            wild.extend_from_slice(&16u64.to_le_bytes());
            let e = m.launch(module, "k", &cfg(1, 1), &wild).unwrap_err();
            assert_eq!(e.kind, FaultKind::IllegalAddress);
        } else {
            assert_eq!(r.unwrap_err().kind, FaultKind::IllegalAddress);
        }
    }
}
