//! Emulator throughput. Prints, for an arithmetic kernel (an LCG step per
//! thread), emulated thread-instructions per second on one core and on all
//! cores with the ratio to the same kernel compiled natively for the CPU (a
//! host loop over the thread indices, on one core), and the time of a large
//! kernel: a tiled 512×512 f32 GEMM with shared memory, checked against a
//! host GEMM. Asserts results, never speed (machines are noisy: compare
//! ratios measured in one run).
//!
//!     cargo run --release -p ptx-emu --example bench
//!
//! `BENCH_QUICK=1` runs small sizes (CI checks that the benchmark still
//! runs and computes the right results, not its numbers); `BENCH_ONLY=lcg`,
//! `BENCH_ONLY=gemm` or `BENCH_ONLY=tools` runs one part (for a profiler).
//! The last part times a smaller GEMM under each sanitizer tool.

use std::hint::black_box;
use std::time::Instant;

use ptx_emu::exec::{memory::AllocKind, Arch, LaunchConfig, Machine, Schedule};

const THREADS: u32 = 256;
/// The GEMM's tile edge (a block is TILE × TILE threads).
const TILE: u32 = 16;

fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some_and(|v| v == "1")
}

/// (iterations, blocks) of the LCG kernel, and the GEMM's edge.
fn size() -> (u32, u32, u32) {
    if quick() {
        (100, 2, 32)
    } else {
        (2000, 32, 512)
    }
}

/// Per thread: x = tid; repeat `iters` times { x = x * 1664525 + 1013904223; x ^= x >> 13 }; out[tid] = x.
fn lcg_ptx(iters: u32) -> String {
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

fn lcg_native(n: u32, iters: u32) -> Vec<u32> {
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

/// `C = A × B` for row-major `n × n` f32 matrices (`n` a multiple of
/// [`TILE`]), as a CUDA programmer writes it: each block stages a TILE ×
/// TILE tile of A and of B in shared memory, synchronizes, accumulates
/// TILE products per thread with `fma`, synchronizes again, and moves on.
fn gemm_ptx() -> String {
    let mut inner = String::new();
    for k in 0..TILE {
        inner += &format!(
            "  ld.shared.f32 %f4, [%r17+{}];\n  ld.shared.f32 %f5, [%r18+{}];\n  fma.rn.f32 %f1, %f4, %f5, %f1;\n",
            4 * k,
            4 * TILE * k
        );
    }
    let tile_bytes = 4 * TILE * TILE;
    let row_shift = (4 * TILE).trailing_zeros();
    let tile_shift = TILE.trailing_zeros();
    format!(
        ".version 8.0
.target sm_80
.address_size 64
.shared .align 4 .b8 As[{tile_bytes}];
.shared .align 4 .b8 Bs[{tile_bytes}];
.visible .entry sgemm(.param .u64 A, .param .u64 B, .param .u64 C, .param .u32 N) {{
  .reg .b32 %r<20>; .reg .b64 %rd<12>; .reg .f32 %f<6>; .reg .pred %p<2>;
  ld.param.u64 %rd1, [A];
  ld.param.u64 %rd2, [B];
  ld.param.u64 %rd3, [C];
  ld.param.u32 %r1, [N];
  cvta.to.global.u64 %rd1, %rd1;
  cvta.to.global.u64 %rd2, %rd2;
  cvta.to.global.u64 %rd3, %rd3;
  mov.u32 %r2, %tid.x;
  mov.u32 %r3, %tid.y;
  mov.u32 %r4, %ctaid.x;
  mov.u32 %r5, %ctaid.y;
  shl.b32 %r6, %r5, {tile_shift};
  add.s32 %r6, %r6, %r3;
  shl.b32 %r7, %r4, {tile_shift};
  add.s32 %r7, %r7, %r2;
  mad.lo.s32 %r8, %r6, %r1, %r2;
  mul.wide.u32 %rd4, %r8, 4;
  add.s64 %rd5, %rd1, %rd4;
  mad.lo.s32 %r9, %r3, %r1, %r7;
  mul.wide.u32 %rd6, %r9, 4;
  add.s64 %rd7, %rd2, %rd6;
  mul.lo.s32 %r10, %r1, {row_bytes};
  cvt.u64.u32 %rd8, %r10;
  mov.u32 %r11, As;
  mov.u32 %r12, Bs;
  shl.b32 %r13, %r3, {row_shift};
  shl.b32 %r14, %r2, 2;
  add.s32 %r15, %r11, %r13;
  add.s32 %r15, %r15, %r14;
  add.s32 %r16, %r12, %r13;
  add.s32 %r16, %r16, %r14;
  add.s32 %r17, %r11, %r13;
  add.s32 %r18, %r12, %r14;
  mov.f32 %f1, 0f00000000;
  mov.u32 %r19, 0;
TILE_LOOP:
  ld.global.f32 %f2, [%rd5];
  st.shared.f32 [%r15], %f2;
  ld.global.f32 %f3, [%rd7];
  st.shared.f32 [%r16], %f3;
  bar.sync 0;
{inner}  bar.sync 0;
  add.s64 %rd5, %rd5, {row_bytes};
  add.s64 %rd7, %rd7, %rd8;
  add.s32 %r19, %r19, {TILE};
  setp.lt.u32 %p1, %r19, %r1;
  @%p1 bra TILE_LOOP;
  mad.lo.s32 %r8, %r6, %r1, %r7;
  mul.wide.u32 %rd9, %r8, 4;
  add.s64 %rd10, %rd3, %rd9;
  st.global.f32 [%rd10], %f1;
  ret;
}}",
        row_bytes = 4 * TILE,
    )
}

/// The host GEMM, summing in the kernel's order with the same fused
/// multiply-add, so the results are bit for bit equal.
fn gemm_native(n: usize, a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut c = vec![0f32; n * n];
    for i in 0..n {
        for j in 0..n {
            let mut acc = 0f32;
            for k in 0..n {
                acc = a[i * n + k].mul_add(b[k * n + j], acc);
            }
            c[i * n + j] = acc;
        }
    }
    c
}

fn words(m: &mut Machine, addr: u64, n: usize) -> Vec<u32> {
    m.mem
        .host_slice_mut(addr, 4 * n as u64)
        .expect("a live allocation")
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// A rayon pool of `threads` OS threads (0: all cores).
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// One launch: (seconds, thread-instructions).
fn time_launch(
    m: &mut Machine,
    module: usize,
    kernel: &str,
    cfg: &LaunchConfig,
    params: &[u8],
) -> (f64, u64) {
    let before = m.instructions;
    let t = Instant::now();
    m.launch(module, kernel, cfg, params)
        .unwrap_or_else(|e| panic!("the benchmark kernel `{kernel}` runs: {e}"));
    (t.elapsed().as_secs_f64(), m.instructions - before)
}

fn lcg(cores: usize) {
    let (iters, blocks, _) = size();
    let n = blocks * THREADS;
    let mut m = Machine::new(Arch::parse("sm_80").unwrap(), Schedule::InOrder);
    let module = m
        .load_module(&lcg_ptx(iters))
        .expect("the benchmark PTX loads");
    let out = m.mem.alloc(4 * n as u64, AllocKind::Host);
    let cfg = LaunchConfig {
        grid: [blocks, 1, 1],
        block: [THREADS, 1, 1],
        shared: 0,
        cluster: [1, 1, 1],
    };
    let params = out.to_le_bytes();
    let (one_core, all_cores) = (pool(1), pool(0));
    // Rounds alternate the three measurements, so a load that comes and
    // goes (another job on the machine) weighs on all of them alike; the
    // best of each is kept.
    let (mut one, mut all, mut native) = (f64::MAX, f64::MAX, f64::MAX);
    let mut insts = 0;
    let mut expect = Vec::new();
    for _ in 0..5 {
        let (t, k) = one_core.install(|| time_launch(&mut m, module, "lcg", &cfg, &params));
        (one, insts) = (one.min(t), k);
        let (t, _) = all_cores.install(|| time_launch(&mut m, module, "lcg", &cfg, &params));
        all = all.min(t);
        let t = Instant::now();
        expect = black_box(lcg_native(n, iters));
        native = native.min(t.elapsed().as_secs_f64());
    }
    assert_eq!(
        words(&mut m, out, n as usize),
        expect,
        "the emulated kernel must compute what the host loop computes"
    );
    println!("kernel: {n} threads x {iters} iterations of an LCG step (6 PTX instructions each)");
    println!("emulated thread-instructions: {insts}");
    let rate = |s: f64| insts as f64 / s / 1e6;
    println!(
        "emulator, one core:        {one:.3} s, {:.1} M thread-instructions/s",
        rate(one)
    );
    println!(
        "emulator, all {cores} cores:     {all:.3} s, {:.1} M thread-instructions/s",
        rate(all)
    );
    println!("native (one core):         {native:.4} s (host loop over the thread indices)");
    println!(
        "ratio emulator/native: {:.1}x on one core, {:.1}x on all cores",
        one / native,
        all / native
    );
}

/// The GEMM's operands for edge `n`: small integers, so that every product
/// and partial sum is exact in f32 as well.
fn gemm_inputs(n: u32) -> (Vec<f32>, Vec<f32>) {
    let nn = (n * n) as usize;
    let a = (0..nn).map(|i| ((i * 7 + 3) % 11) as f32 - 5.0).collect();
    let b = (0..nn)
        .map(|i| ((i * 5 + 1) % 13) as f32 * 0.25 - 1.5)
        .collect();
    (a, b)
}

/// A machine with the sanitizer `tools` on ("" for none), the GEMM loaded
/// and `a`, `b` uploaded (and marked written, for initcheck): the machine,
/// the module, the result's address, the parameters and the launch.
fn gemm_setup(
    n: u32,
    a: &[f32],
    b: &[f32],
    tools: &str,
) -> (Machine, usize, u64, Vec<u8>, LaunchConfig) {
    let mut m = Machine::new(Arch::parse("sm_80").unwrap(), Schedule::InOrder);
    m.set_tools(tools).expect("known tools");
    let module = m.load_module(&gemm_ptx()).expect("the GEMM PTX loads");
    let bytes = 4 * (n * n) as u64;
    let (da, db, dc) = (
        m.mem.alloc(bytes, AllocKind::Host),
        m.mem.alloc(bytes, AllocKind::Host),
        m.mem.alloc(bytes, AllocKind::Host),
    );
    for (dst, src) in [(da, a), (db, b)] {
        let s = m.mem.host_slice_mut(dst, bytes).expect("a live allocation");
        for (d, x) in s.chunks_mut(4).zip(src.iter()) {
            d.copy_from_slice(&x.to_le_bytes());
        }
        m.mem.mark_initialized(dst, bytes);
    }
    let mut params = Vec::new();
    for p in [da, db, dc] {
        params.extend_from_slice(&p.to_le_bytes());
    }
    params.extend_from_slice(&n.to_le_bytes());
    let cfg = LaunchConfig {
        grid: [n / TILE, n / TILE, 1],
        block: [TILE, TILE, 1],
        shared: 0,
        cluster: [1, 1, 1],
    };
    (m, module, dc, params, cfg)
}

fn gemm(cores: usize) {
    let (_, _, n) = size();
    let nn = (n * n) as usize;
    let (a, b) = gemm_inputs(n);
    let t = Instant::now();
    let expect: Vec<u32> = gemm_native(n as usize, &a, &b)
        .iter()
        .map(|x| x.to_bits())
        .collect();
    let native = t.elapsed().as_secs_f64();
    let (mut m, module, dc, params, cfg) = gemm_setup(n, &a, &b, "");
    let bytes = 4 * nn as u64;
    let (all, insts) = pool(0).install(|| time_launch(&mut m, module, "sgemm", &cfg, &params));
    assert_eq!(
        words(&mut m, dc, nn),
        expect,
        "the emulated GEMM must compute what the host GEMM computes"
    );
    let s = m.mem.host_slice_mut(dc, bytes).expect("a live allocation");
    s.fill(0);
    let (one, _) = pool(1).install(|| time_launch(&mut m, module, "sgemm", &cfg, &params));
    assert_eq!(words(&mut m, dc, nn), expect, "the same on one core");
    println!(
        "GEMM {n}x{n} f32 ({TILE}x{TILE} tiles in shared memory): {insts} thread-instructions"
    );
    println!(
        "  emulator: {all:.2} s on all {cores} cores ({:.1} M/s), {one:.2} s on one core ({:.1} M/s)",
        insts as f64 / all / 1e6,
        insts as f64 / one / 1e6
    );
    println!("  host GEMM (one core, naive loop): {native:.3} s; result checked bit for bit");
}

/// The sanitizer tools' cost: the GEMM (a smaller one: the tools run a
/// launch on one OS thread, and slow it down many times) plain and under
/// each tool, on one core, result checked each time.
fn gemm_tools() {
    let n: u32 = if quick() { 32 } else { 128 };
    let nn = (n * n) as usize;
    let (a, b) = gemm_inputs(n);
    let expect: Vec<u32> = gemm_native(n as usize, &a, &b)
        .iter()
        .map(|x| x.to_bits())
        .collect();
    let run = |tools: &str| -> f64 {
        let (mut m, module, dc, params, cfg) = gemm_setup(n, &a, &b, tools);
        let (secs, _) = pool(1).install(|| time_launch(&mut m, module, "sgemm", &cfg, &params));
        assert_eq!(words(&mut m, dc, nn), expect, "GEMM under `{tools}`");
        secs
    };
    let plain = run("");
    println!("sanitizer tools on the GEMM {n}x{n}, one core: plain {plain:.3} s");
    for tool in ["racecheck", "initcheck", "synccheck", "all"] {
        let t = run(tool);
        println!("  {tool:<10} {t:.3} s  ({:.1}x plain)", t / plain);
    }
}

fn main() {
    let cores = rayon::current_num_threads();
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "lcg" {
        lcg(cores);
    }
    if only.is_empty() || only == "gemm" {
        gemm(cores);
    }
    if only.is_empty() || only == "tools" {
        gemm_tools();
    }
}
