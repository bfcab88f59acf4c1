//! A kernel taking one parameter of every FFI-safe scalar type, in the
//! order the PTX lists them, with each parameter's `.param` type pinned:
//! 8/16-bit integers and bool are `.u8`/`.u16` (no sign in the ABI), f32/f64
//! keep float types, and pointers are `.u64 .ptr` with their alignment.
//@ stages: ptx ptxas llvm-ir
// Built-in backend only: the pre-optimization .llvm-ir snapshot contains the test's own panic handler (rust_begin_unwind), which the dialect moves into the prelude.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry every_scalar(
// CHECK-NEXT: .param .u8 every_scalar_param_0,
// CHECK-NEXT: .param .u8 every_scalar_param_1,
// CHECK-NEXT: .param .u16 every_scalar_param_2,
// CHECK-NEXT: .param .u16 every_scalar_param_3,
// CHECK-NEXT: .param .u32 every_scalar_param_4,
// CHECK-NEXT: .param .u32 every_scalar_param_5,
// CHECK-NEXT: .param .u64 every_scalar_param_6,
// CHECK-NEXT: .param .u64 every_scalar_param_7,
// CHECK-NEXT: .param .u64 every_scalar_param_8,
// CHECK-NEXT: .param .u64 every_scalar_param_9,
// CHECK-NEXT: .param .f32 every_scalar_param_10,
// CHECK-NEXT: .param .f64 every_scalar_param_11,
// CHECK-NEXT: .param .u8 every_scalar_param_12,
// CHECK-NEXT: .param .u64 .ptr .align 1 every_scalar_param_13,
// CHECK-NEXT: .param .u64 .ptr .align 1 every_scalar_param_14,
// CHECK-NEXT: .param .u64 .ptr .align 1 every_scalar_param_15
// CHECK-NEXT: )
#[no_mangle]
pub unsafe extern "ptx-kernel" fn every_scalar(
    a: i8,
    b: u8,
    c: i16,
    d: u16,
    e: i32,
    f: u32,
    g: i64,
    h: u64,
    i: isize,
    j: usize,
    k: f32,
    l: f64,
    m: bool,
    src: *const u64,
    out: *mut f64,
    out_i: *mut i64,
) {
    let ints = a as i64 + b as i64 + c as i64 + d as i64 + e as i64 + f as i64 + g + h as i64 + i as i64 + j as i64;
    *out_i = ints + if m { *src as i64 } else { 0 };
    *out = k as f64 + l;
}

/// Sixty-four `u64` parameters: well below the 4 KiB (sm_70+: 32 KiB)
/// parameter space, and every one must still be read.
// CHECK-LABEL: .visible .entry many_params(
// CHECK: .param .u64 many_params_param_62,
// CHECK-NEXT: .param .u64 .ptr .align 1 many_params_param_63
// CHECK: ld.param.b64 {{%rd[0-9]+}}, [many_params_param_62];
#[no_mangle]
pub unsafe extern "ptx-kernel" fn many_params(
    p0: u64, p1: u64, p2: u64, p3: u64, p4: u64, p5: u64, p6: u64, p7: u64,
    p8: u64, p9: u64, p10: u64, p11: u64, p12: u64, p13: u64, p14: u64, p15: u64,
    p16: u64, p17: u64, p18: u64, p19: u64, p20: u64, p21: u64, p22: u64, p23: u64,
    p24: u64, p25: u64, p26: u64, p27: u64, p28: u64, p29: u64, p30: u64, p31: u64,
    p32: u64, p33: u64, p34: u64, p35: u64, p36: u64, p37: u64, p38: u64, p39: u64,
    p40: u64, p41: u64, p42: u64, p43: u64, p44: u64, p45: u64, p46: u64, p47: u64,
    p48: u64, p49: u64, p50: u64, p51: u64, p52: u64, p53: u64, p54: u64, p55: u64,
    p56: u64, p57: u64, p58: u64, p59: u64, p60: u64, p61: u64, p62: u64,
    out: *mut u64,
) {
    let all = [
        p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p20,
        p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32, p33, p34, p35, p36, p37, p38, p39,
        p40, p41, p42, p43, p44, p45, p46, p47, p48, p49, p50, p51, p52, p53, p54, p55, p56, p57, p58,
        p59, p60, p61, p62,
    ];
    let mut acc = 0u64;
    for (k, v) in all.iter().enumerate() {
        acc = acc.rotate_left(k as u32) ^ v;
    }
    *out = acc;
}
