//! Emulator throughput: emulated thread-instructions per second on one core,
//! and the ratio to the same arithmetic kernel compiled natively for the CPU
//! (a host loop over the thread indices). Prints numbers; asserts nothing
//! about speed (machines are noisy: compare the ratio, measured in one run).
//!
//!     cargo run --release -p ptx-emu --example bench
//!
//! `BENCH_QUICK=1` runs one block of 100 iterations (CI checks that the
//! benchmark still runs, not its numbers).

use std::hint::black_box;
use std::time::Instant;

use ptx_emu::exec::{memory::AllocKind, Arch, LaunchConfig, Machine, Schedule};

const THREADS: u32 = 256;

/// (iterations, blocks): the full run, or a quick one under `BENCH_QUICK=1`.
fn size() -> (u32, u32) {
    if std::env::var_os("BENCH_QUICK").is_some_and(|v| v == "1") {
        (100, 1)
    } else {
        (2000, 32)
    }
}

/// Per thread: x = tid; repeat `iters` times { x = x * 1664525 + 1013904223; x ^= x >> 13 }; out[tid] = x.
fn ptx(iters: u32) -> String {
    format!(
        ".version 8.0
.target sm_80
.address_size 64
.visible .entry lcg(.param .u64 out) {{
  .reg .b32 %r<8>; .reg .b64 %rd<5>; .reg .pred %p<2>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mad.lo.s32 %r0, %r1, %r2, %r3;
  mov.u32 %r4, %r0;
  mov.u32 %r5, 0;
LOOP:
  mad.lo.s32 %r4, %r4, 1664525, 1013904223;
  shr.u32 %r6, %r4, 13;
  xor.b32 %r4, %r4, %r6;
  add.s32 %r5, %r5, 1;
  setp.lt.u32 %p1, %r5, {iters};
  @%p1 bra LOOP;
  mul.wide.u32 %rd2, %r0, 4;
  add.s64 %rd3, %rd1, %rd2;
  st.global.u32 [%rd3], %r4;
  ret;
}}"
    )
}

fn native(n: u32, iters: u32) -> Vec<u32> {
    (0..n)
        .map(|tid| {
            let mut x = black_box(tid);
            for _ in 0..black_box(iters) {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                x ^= x >> 13;
            }
            x
        })
        .collect()
}

fn main() {
    let (iters, blocks) = size();
    let n = blocks * THREADS;
    let mut m = Machine::new(Arch::parse("sm_80").unwrap(), Schedule::InOrder);
    let module = m.load_module(&ptx(iters)).expect("the benchmark PTX loads");
    let out = m.mem.alloc(4 * n as u64, AllocKind::Host);
    let cfg = LaunchConfig {
        grid: [blocks, 1, 1],
        block: [THREADS, 1, 1],
        shared: 0,
    };
    let mut emu_best = f64::MAX;
    let mut insts = 0;
    for _ in 0..3 {
        let before = m.instructions;
        let t = Instant::now();
        m.launch(module, "lcg", &cfg, &out.to_le_bytes())
            .expect("the benchmark kernel runs");
        emu_best = emu_best.min(t.elapsed().as_secs_f64());
        insts = m.instructions - before;
    }
    let mut native_best = f64::MAX;
    let mut expect = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        expect = black_box(native(n, iters));
        native_best = native_best.min(t.elapsed().as_secs_f64());
    }
    let got: Vec<u32> = m
        .mem
        .host_slice_mut(out, 4 * n as u64)
        .unwrap()
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(
        got, expect,
        "the emulated kernel must compute what the host loop computes"
    );
    println!("kernel: {n} threads x {iters} iterations of an LCG step (6 PTX instructions each)");
    println!("emulated thread-instructions: {insts}");
    println!(
        "emulator: {:.3} s, {:.1} M thread-instructions/s (one core)",
        emu_best,
        insts as f64 / emu_best / 1e6
    );
    println!(
        "native:   {:.4} s (host loop over the thread indices)",
        native_best
    );
    println!("ratio emulator/native: {:.0}x", emu_best / native_best);
}
