//! mbarriers, the stack-size limit, clusters and per-kernel shared memory.

use super::*;

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

/// A call through a pointer may reach any function whose address the
/// module takes: a kernel that calls `big` (3 KiB of locals) only through
/// its address gets the stack for it, as a kernel that calls it directly
/// does (the fuzz lane's unoptimized kernels call core's `int_sqrt` through
/// a pointer this way). `big` returns 7.
#[test]
fn a_call_through_a_pointer_gets_the_stack_of_every_function_it_may_reach() {
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
  .reg .b32 %r<2>; .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [out];
  mov.u64 %rd2, big;
  {
  .param .b32 rv;
  proto: .callprototype (.param .b32 _) _ ();
  call (rv), %rd2, (), proto;
  ld.param.b32 %r1, [rv];
  }
  st.global.u32 [%rd1], %r1;
  ret;
}";
    assert_eq!(run_u32(body, "k", cfg(1, 1), 1).unwrap(), vec![7]);
}

/// Mutual recursion that never recurses here: `fa` calls `fb` only for a
/// flag of 7, and `fb` always calls `fa`. The kernel calls `fa(0)` (which
/// calls `e`, 1 KiB of locals) and `fb(1)`, whose path k → fb (512) → fa
/// (16) → e (1,024) needs 1,552 bytes. The cycle {fa, fb} counts once, so
/// the launch gets at least that; the same graph entered through `fb`
/// first must not be sized as if `fb` reached nothing past `fa` (a cycle
/// cut while sizing `fa` once made it 1,040, and this path overflowed).
/// Each call returns `e`'s 5: the kernel stores 5 + 5 = 10.
#[test]
fn a_call_cycle_counts_every_function_reachable_through_it() {
    let body = ".func (.param .b32 r) fb(.param .b32 f);
.func (.param .b32 r) e()
{
  .local .align 4 .b8 buf[1024];
  .reg .b32 %r<2>;
  st.local.u32 [buf+1020], 5;
  ld.local.u32 %r1, [buf+1020];
  st.param.b32 [r], %r1;
  ret;
}
.func (.param .b32 r) fa(.param .b32 f)
{
  .local .align 4 .b8 buf[16];
  .reg .b32 %r<3>; .reg .pred %p1;
  ld.param.u32 %r1, [f];
  st.local.u32 [buf], %r1;
  setp.eq.u32 %p1, %r1, 7;
  @%p1 bra BACK;
  {
  .param .b32 rv;
  call.uni (rv), e, ();
  ld.param.b32 %r2, [rv];
  }
  bra DONE;
BACK:
  {
  .param .b32 a;
  st.param.b32 [a], %r1;
  .param .b32 rv;
  call.uni (rv), fb, (a);
  ld.param.b32 %r2, [rv];
  }
DONE:
  st.param.b32 [r], %r2;
  ret;
}
.func (.param .b32 r) fb(.param .b32 f)
{
  .local .align 4 .b8 buf[512];
  .reg .b32 %r<3>;
  ld.param.u32 %r1, [f];
  st.local.u32 [buf+508], %r1;
  {
  .param .b32 a;
  st.param.b32 [a], %r1;
  .param .b32 rv;
  call.uni (rv), fa, (a);
  ld.param.b32 %r2, [rv];
  }
  st.param.b32 [r], %r2;
  ret;
}
.visible .entry k(.param .u64 out) {
  .reg .b32 %r<3>; .reg .b64 %rd<2>;
  ld.param.u64 %rd1, [out];
  {
  .param .b32 a;
  st.param.b32 [a], 0;
  .param .b32 rv;
  call.uni (rv), fa, (a);
  ld.param.b32 %r1, [rv];
  }
  {
  .param .b32 a;
  st.param.b32 [a], 1;
  .param .b32 rv;
  call.uni (rv), fb, (a);
  ld.param.b32 %r2, [rv];
  }
  add.u32 %r1, %r1, %r2;
  st.global.u32 [%rd1], %r1;
  ret;
}";
    assert_eq!(run_u32(body, "k", cfg(1, 1), 1).unwrap(), vec![10]);
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
