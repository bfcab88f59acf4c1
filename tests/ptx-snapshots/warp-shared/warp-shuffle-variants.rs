//! The other shuffle modes (down, up, idx) on i32 and f32, through LLVM
//! intrinsic declarations, including a broadcast from lane 0.
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
    #[link_name = "llvm.nvvm.shfl.sync.down.f32"]
    fn shfl_down_f32(mask: u32, value: f32, delta: i32, clamp: i32) -> f32;
    #[link_name = "llvm.nvvm.shfl.sync.up.i32"]
    fn shfl_up_i32(mask: u32, value: i32, delta: i32, clamp: i32) -> i32;
    #[link_name = "llvm.nvvm.shfl.sync.idx.i32"]
    fn shfl_idx_i32(mask: u32, value: i32, lane: i32, clamp: i32) -> i32;
}

const FULL: u32 = 0xffff_ffff;

// CHECK-LABEL: .visible .entry broadcast_lane0(
// CHECK: shfl.sync.idx.b32 {{.*}}, 0, 31, -1;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn broadcast_lane0(x: *mut i32) {
    let i = _thread_idx_x() as usize;
    *x.add(i) = shfl_idx_i32(FULL, *x.add(i), 0, 31);
}

// CHECK-LABEL: .visible .entry inclusive_scan(
// CHECK: shfl.sync.up.b32 {{.*}}, 1, 0, -1;
// CHECK: shfl.sync.up.b32 {{.*}}, 16, 0, -1;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn inclusive_scan(x: *mut i32) {
    let i = _thread_idx_x() as usize;
    let lane = (_thread_idx_x() % 32) as i32;
    let mut v = *x.add(i);
    let mut d = 1;
    while d < 32 {
        let n = shfl_up_i32(FULL, v, d, 0);
        if lane >= d {
            v += n;
        }
        d *= 2;
    }
    *x.add(i) = v;
}

// CHECK-LABEL: .visible .entry reduce_down_f32(
// CHECK: shfl.sync.down.b32 {{.*}}, 16, 31, -1;
// CHECK: add.rn.f32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn reduce_down_f32(x: *const f32, out: *mut f32) {
    let mut v = *x.add(_thread_idx_x() as usize);
    for d in [16, 8, 4, 2, 1] {
        v += shfl_down_f32(FULL, v, d, 31);
    }
    if _thread_idx_x() == 0 {
        *out = v;
    }
}
