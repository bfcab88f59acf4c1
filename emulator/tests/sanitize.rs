//! The sanitizer tools on hand-written PTX: each planted bug is found and
//! named, and the same kernel with the bug fixed runs clean. What makes
//! each case a hazard (or not) is worked out in the comment beside it from
//! the PTX memory model and the tools' rules in `src/exec/interp/sanitize.rs`.

use ptx_emu::exec::{Arch, Fault, LaunchConfig, Machine, Schedule};

const HEADER: &str = ".version 8.0\n.target sm_80\n.address_size 64\n";

/// Runs `k(out)` with `tools` on, `out` a zeroed buffer of 64 u32s.
fn run(body: &str, grid: u32, block: u32, tools: &str) -> Result<Vec<u32>, Fault> {
    let mut m = Machine::new(Arch::parse("sm_80").unwrap(), Schedule::InOrder);
    m.set_tools(tools).unwrap();
    let module = m
        .load_module(&format!("{HEADER}{body}"))
        .expect("the test PTX loads");
    let out = m.mem.alloc(256, ptx_emu::exec::memory::AllocKind::Host);
    m.mem.host_slice_mut(out, 256).unwrap().fill(0);
    m.mem.mark_initialized(out, 256);
    let cfg = LaunchConfig {
        grid: [grid, 1, 1],
        block: [block, 1, 1],
        shared: 0,
        cluster: [1, 1, 1],
    };
    m.launch(module, "k", &cfg, &out.to_le_bytes())?;
    let bytes = m.mem.host_slice_mut(out, 256).unwrap();
    Ok(bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect())
}

/// A kernel over a 64-word shared array `s`: `%r0` = tid, `%rd4` = &s,
/// `%rd5` = &s[tid], `%rd3` = &out[tid]; `code` runs, then `%r1` is
/// stored to out[tid].
fn kernel(code: &str) -> String {
    format!(
        ".visible .entry k(.param .u64 out) {{
  .reg .b32 %r<10>; .reg .b64 %rd<10>; .reg .pred %p<4>;
  .shared .align 4 .b8 s[256];
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
  mov.u64 %rd4, s;
  mul.wide.u32 %rd2, %r0, 4;
  add.s64 %rd5, %rd4, %rd2;
  add.s64 %rd3, %rd1, %rd2;
  mov.u32 %r1, 0;
{code}
  st.global.u32 [%rd3], %r1;
  ret;
}}"
    )
}

fn expect_finding(r: Result<Vec<u32>, Fault>, what: &[&str]) {
    let e = r.expect_err("the tool should report the planted bug");
    for w in what {
        assert!(e.message.contains(w), "missing `{w}` in: {}", e.message);
    }
}

/// Each thread writes s[tid], then reads its neighbour's s[tid + 1] (mod
/// 64). Without a barrier between, thread 31's read of s[32] (warp 1's
/// slot) is unordered against warp 1's write: a RAW hazard, whichever warp
/// runs first (the second access reports it). With `bar.sync 0` between:
/// clean, and each thread reads tid + 1.
#[test]
fn racecheck_finds_a_missing_barrier_between_write_and_neighbour_read() {
    let body = |sync: &str| {
        kernel(&format!(
            "  st.shared.u32 [%rd5], %r0;\n{sync}  add.u32 %r2, %r0, 1;\n  and.b32 %r2, %r2, 63;\n  mul.wide.u32 %rd6, %r2, 4;\n  add.s64 %rd7, %rd4, %rd6;\n  ld.shared.u32 %r1, [%rd7];"
        ))
    };
    expect_finding(
        run(&body(""), 1, 64, "racecheck"),
        &[
            "racecheck: read-after-write (RAW) hazard on shared memory",
            "wrote it at PTX line 14",
            "bar.sync",
        ],
    );
    let v = run(&body("  bar.sync 0;\n"), 1, 64, "racecheck").unwrap();
    assert_eq!((v[0], v[31], v[63]), (1, 32, 0));
}

/// Each thread reads its neighbour's s[tid + 1] and then overwrites its
/// own s[tid], with no barrier between: thread 31 (warp 0) read s[32], and
/// thread 32 (warp 1) writes s[32] in the same barrier interval, a
/// write-after-read hazard. With `bar.sync` between the read and the
/// write: clean, and each thread stores tid + 1 (mod 64).
#[test]
fn racecheck_finds_a_write_after_read_hazard() {
    let body = |sync: &str| {
        kernel(&format!(
            "  st.shared.u32 [%rd5], %r0;\n  bar.sync 0;\n  add.u32 %r2, %r0, 1;\n  and.b32 %r2, %r2, 63;\n  mul.wide.u32 %rd6, %r2, 4;\n  add.s64 %rd7, %rd4, %rd6;\n  ld.shared.u32 %r1, [%rd7];\n{sync}  st.shared.u32 [%rd5], %r1;"
        ))
    };
    expect_finding(
        run(&body(""), 1, 64, "racecheck"),
        &[
            "write-after-read (WAR) hazard on shared memory",
            "read it at PTX line",
        ],
    );
    let v = run(&body("  bar.sync 0;\n"), 1, 64, "racecheck").unwrap();
    assert_eq!((v[0], v[63]), (1, 0));
}

/// Lanes of one warp: a broadcast store of one instruction by every lane
/// is one SIMT store (no hazard); two different instructions of two lanes
/// writing one word with no `bar.warp.sync` between is a WAW hazard;
/// with `bar.warp.sync -1` between, clean.
#[test]
fn racecheck_within_a_warp() {
    let broadcast = kernel("  st.shared.u32 [s], %r0;\n  bar.sync 0;\n  ld.shared.u32 %r1, [s];");
    let v = run(&broadcast, 1, 32, "racecheck").unwrap();
    // In-order lockstep: lane 31 stores last.
    assert_eq!(v[0], 31);
    let two = |sync: &str| {
        kernel(&format!(
            "  setp.eq.u32 %p1, %r0, 0;\n  @%p1 st.shared.u32 [s], 7;\n{sync}  setp.eq.u32 %p2, %r0, 1;\n  @%p2 st.shared.u32 [s], 9;\n  bar.sync 0;\n  ld.shared.u32 %r1, [s];"
        ))
    };
    expect_finding(
        run(&two(""), 1, 32, "racecheck"),
        &[
            "write-after-write (WAW) hazard on shared memory",
            "thread [0, 0, 0] wrote it",
        ],
    );
    let v = run(&two("  bar.warp.sync -1;\n"), 1, 32, "racecheck").unwrap();
    assert_eq!(v[5], 9);
}

/// initcheck on shared memory: reading s[tid] that no thread wrote is a
/// finding (a GPU's shared memory holds garbage); written first, clean.
#[test]
fn initcheck_finds_a_read_of_unwritten_shared_memory() {
    let read = "  ld.shared.u32 %r1, [%rd5];";
    expect_finding(
        run(&kernel(read), 1, 32, "initcheck"),
        &[
            "initcheck: a load of 4 bytes at shared offset 0x0",
            "no thread of the block wrote",
        ],
    );
    let v = run(
        &kernel(&format!("  st.shared.u32 [%rd5], 5;\n{read}")),
        1,
        32,
        "initcheck",
    )
    .unwrap();
    assert_eq!(v[3], 5);
}

/// Global memory between blocks: block 1 reads out[0], which block 0
/// wrote, with nothing ordering the two: a RAW (or, when the read runs
/// first, WAR) hazard naming the other block. When block 0 fences after
/// its write (the message-passing pattern), the write is published: clean.
/// Atomics on one address never race (64 threads add 1: out[2] = 64); an
/// atomic publishes only what came before it, so block 0's atomic before
/// its write does not order the write.
#[test]
fn racecheck_finds_a_global_race_between_blocks() {
    let body = |fence: &str| {
        format!(
            ".visible .entry k(.param .u64 out) {{
  .reg .b32 %r<6>; .reg .b64 %rd<4>; .reg .pred %p<3>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %ctaid.x;
  mov.u32 %r1, %tid.x;
  atom.global.add.u32 %r3, [%rd1+8], 1;
  setp.ne.u32 %p1, %r1, 0;
  @%p1 bra DONE;
  setp.eq.u32 %p2, %r0, 0;
  @%p2 st.global.u32 [%rd1], 11;
  @%p2 {fence}
  @!%p2 ld.global.u32 %r2, [%rd1];
  @!%p2 st.global.u32 [%rd1+4], %r2;
DONE:
  ret;
}}"
        )
    };
    expect_finding(
        run(&body("add.u32 %r4, %r4, 0;"), 2, 32, "racecheck"),
        &[
            "hazard on global memory",
            "of block 0 (linear index)",
            "no fence of the other thread",
        ],
    );
    let v = run(&body("membar.gl;"), 2, 32, "racecheck").unwrap();
    assert_eq!((v[1], v[2]), (11, 64));
}

/// synccheck: `bar.sync` in a branch only lanes 0–15 take, while lanes
/// 16–31 go on and read shared memory: the barrier is reached by part of
/// a warp. The early-exit pattern (lanes 16–31 exit before the barrier)
/// is fine: exited threads take no part.
#[test]
fn synccheck_finds_a_barrier_reached_by_part_of_a_warp() {
    let half = kernel(
        "  setp.lt.u32 %p1, %r0, 16;\n  @!%p1 bra SKIP;\n  st.shared.u32 [%rd5], %r0;\n  bar.sync 0;\nSKIP:\n  ld.shared.u32 %r1, [s];",
    );
    expect_finding(
        run(&half, 1, 32, "synccheck"),
        &[
            "synccheck: this thread exits without reaching the bar.sync at PTX line 17",
            "after accessing memory at PTX line 19",
            "every thread of a warp or by none",
        ],
    );
    let early_exit = kernel(
        "  setp.ge.u32 %p1, %r0, 16;\n  @%p1 bra END;\n  st.shared.u32 [%rd5], %r0;\n  bar.sync 0;\n  ld.shared.u32 %r1, [s];\n  st.global.u32 [%rd3], %r1;\nEND:\n  ret;",
    );
    let v = run(&early_exit, 1, 32, "synccheck").unwrap();
    assert_eq!((v[0], v[15], v[16]), (0, 0, 0));
}

/// synccheck: lanes that are behind (still on their way to the barrier,
/// touching memory) are not past it: lanes 16–31 reach `bar.sync` first
/// (it lies at a lower address), lanes 0–15 store and then arrive at the
/// same instruction. Clean, and lane 3 reads s[3] = 3.
#[test]
fn synccheck_lets_lanes_that_are_behind_arrive() {
    let body = kernel(
        "  setp.lt.u32 %p1, %r0, 16;\n  @%p1 bra BODY;\nWAIT:\n  bar.sync 0;\n  bra AFTER;\nBODY:\n  st.shared.u32 [%rd5], %r0;\n  bra WAIT;\nAFTER:\n  setp.lt.u32 %p2, %r0, 16;\n  @%p2 ld.shared.u32 %r1, [%rd5];",
    );
    let v = run(&body, 1, 32, "synccheck,racecheck").unwrap();
    assert_eq!((v[3], v[20]), (3, 0));
}

/// synccheck: a barrier's thread count must be a multiple of 32, and all
/// threads at one barrier must give the same count.
#[test]
fn synccheck_finds_bad_barrier_counts() {
    expect_finding(
        run(&kernel("  bar.sync 1, 48;"), 1, 64, "synccheck"),
        &[
            "synccheck: barrier 1 with a thread count of 48",
            "multiple of the warp size",
        ],
    );
    let mixed =
        kernel("  setp.lt.u32 %p1, %r0, 32;\n  @%p1 bar.sync 1, 64;\n  @!%p1 bar.sync 1, 32;");
    expect_finding(
        run(&mixed, 1, 64, "synccheck"),
        &["synccheck: barrier 1 with a thread count of 32", "gave 64"],
    );
}

/// Clean kernels stay clean under every tool: a shared-memory tree
/// reduction with its barriers (64 threads sum 0..63 = 2016).
#[test]
fn a_correct_reduction_runs_clean_under_all_tools() {
    let body = kernel(
        "  st.shared.u32 [%rd5], %r0;\n  bar.sync 0;\n  mov.u32 %r3, 32;\nLOOP:\n  setp.ge.u32 %p1, %r0, %r3;\n  @%p1 bra NEXT;\n  mul.wide.u32 %rd6, %r3, 4;\n  add.s64 %rd7, %rd5, %rd6;\n  ld.shared.u32 %r4, [%rd7];\n  ld.shared.u32 %r5, [%rd5];\n  add.u32 %r5, %r5, %r4;\n  st.shared.u32 [%rd5], %r5;\nNEXT:\n  bar.sync 0;\n  shr.u32 %r3, %r3, 1;\n  setp.ne.u32 %p2, %r3, 0;\n  @%p2 bra LOOP;\n  ld.shared.u32 %r1, [s];",
    );
    let v = run(&body, 1, 64, "all").unwrap();
    assert_eq!((v[0], v[63]), (2016, 2016));
}

/// With debug lines, racecheck names the source line of the first access
/// too: the store follows `.loc 1 3 1` in `k.rs`, the read `.loc 1 4 1`.
#[test]
fn racecheck_names_source_lines_when_the_ptx_has_them() {
    let body = format!(
        ".file 1 \"k.rs\"\n{}",
        kernel(
            "  .loc 1 3 1\n  st.shared.u32 [%rd5], %r0;\n  add.u32 %r2, %r0, 1;\n  and.b32 %r2, %r2, 63;\n  mul.wide.u32 %rd6, %r2, 4;\n  add.s64 %rd7, %rd4, %rd6;\n  .loc 1 4 1\n  ld.shared.u32 %r1, [%rd7];"
        )
    );
    expect_finding(
        run(&body, 1, 64, "racecheck"),
        &[
            "(k.rs:4), block [0, 0, 0]",
            "wrote it at PTX line 16 (k.rs:3)",
        ],
    );
}
