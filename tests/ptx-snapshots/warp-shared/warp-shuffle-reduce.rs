//! Warp-level sum with butterfly shuffles through the LLVM intrinsic
//! `llvm.nvvm.shfl.sync.bfly.i32` (declared with `link_llvm_intrinsics`):
//! five `shfl.sync.bfly.b32` steps with offsets 16, 8, 4, 2, 1, and no
//! shared memory.
//@ stages: ptx ptxas sass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, link_llvm_intrinsics)]
#![allow(internal_features)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

extern "C" {
    #[link_name = "llvm.nvvm.shfl.sync.bfly.i32"]
    fn shfl_bfly(mask: u32, value: i32, lane_mask: i32, clamp: i32) -> i32;
}

const FULL: u32 = 0xffff_ffff;

// CHECK-LABEL: .visible .entry warp_sum(
// CHECK: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// CHECK: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// CHECK-NOT: shfl
// CHECK-NOT: .shared
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn warp_sum(x: *const i32, out: *mut i32) {
    let i = (_block_idx_x() * _block_dim_x() + _thread_idx_x()) as usize;
    let mut v = *x.add(i);
    let mut offset = 16;
    while offset > 0 {
        v = v.wrapping_add(shfl_bfly(FULL, v, offset, 31));
        offset /= 2;
    }
    if _thread_idx_x() % 32 == 0 {
        *out.add(i / 32) = v;
    }
}
