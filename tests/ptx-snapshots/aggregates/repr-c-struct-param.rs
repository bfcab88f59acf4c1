//! `#[repr(C)]` structs passed by value to a kernel become one aligned
//! `.param .align N .b8 name[size]` byte array, read with `ld.param` at the
//! C field offsets.
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

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Params {
    pub n: u32,       // offset 0
    pub scale: f64,   // offset 8
    pub flags: u8,    // offset 16
    pub bias: [f32; 3], // offset 20
    pub out: *mut f64, // offset 32
}

#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct Vec4 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub w: f32,
}

// CHECK-LABEL: .visible .entry apply_params(
// CHECK-NEXT: .param .align 8 .b8 apply_params_param_0[40]
// rustc passes this struct as `[5 x i64]`, so its fields are read in
// 8-byte chunks; `out` is the chunk at offset 32. Because the pointer is
// loaded from a struct, the store through it stays generic (`st.b64`).
// CHECK-DAG: ld.param.b64 {{%rd[0-9]+}}, [apply_params_param_0];
// CHECK-DAG: ld.param.b64 {{%rd[0-9]+}}, [apply_params_param_0+8];
// CHECK-DAG: ld.param.b64 {{%rd[0-9]+}}, [apply_params_param_0+32];
// CHECK: st.b64 [{{%rd[0-9]+}}], {{%rd[0-9]+}};
#[no_mangle]
pub unsafe extern "ptx-kernel" fn apply_params(p: Params) {
    let i = _thread_idx_x();
    if i < p.n {
        let b = p.bias[(i % 3) as usize] as f64;
        *p.out.add(i as usize) = p.scale * i as f64 + b + p.flags as f64;
    }
}

// CHECK-LABEL: .visible .entry dot_vec4(
// CHECK-NEXT: .param .align 16 .b8 dot_vec4_param_0[16],
// CHECK-NEXT: .param .align 16 .b8 dot_vec4_param_1[16],
#[no_mangle]
pub unsafe extern "ptx-kernel" fn dot_vec4(a: Vec4, b: Vec4, out: *mut f32) {
    *out = a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
}
