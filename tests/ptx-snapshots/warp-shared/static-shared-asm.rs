//! Static shared memory with `gpu::static_shared!` (the built-in prelude
//! declares it with inline `asm!`): a 128-byte `.shared` tile, its generic
//! address taken with `cvta.shared.u64`. ptxas reports the 128 bytes of smem
//! for the kernel.
//@ stages: ptx ptxas sass
#![no_std]

// CHECK-LABEL: .visible .entry transpose_tile(
// CHECK: .shared .align 4 .b8 tile[128];
// CHECK: cvta.shared.u64 {{%rd[0-9]+}}, tile;
// CHECK: {{bar|barrier}}.sync 0;
gpu::kernel! {
    pub unsafe fn transpose_tile(input: *const u32, output: *mut u32) {
        let tile = gpu::static_shared!(tile: [u32; 32]);
        // 32 u32 = a 4×8 tile, transposed to 8×4 through shared memory.
        let t = gpu::thread_idx_x() as usize;
        if t < 32 {
            *tile.add(t) = *input.add(t);
        }
        gpu::sync_threads();
        if t < 32 {
            let (r, c) = (t / 4, t % 4);
            *output.add(t) = *tile.add(c * 8 + r);
        }
    }
}

// The tile is reached through a generic pointer (`cvta.shared`), so ptxas
// emits generic ST/LD, not the shared-memory STS/LDS: the SASS shows what the
// generic address costs. ptxas still reserves the 128 bytes and one barrier.
// SASS-CHECK-LABEL: .entry transpose_tile
// SASS-CHECK: {{\bST\.E\b}}
// SASS-CHECK: BAR.SYNC
// SASS-CHECK: {{\bLD\.E\b}}
// SASS-CHECK-NOT: {{\b(LDS|STS)\b}}
// PTXAS-CHECK: entry transpose_tile: {{.*}} smem=128 {{.*}}barriers=1
