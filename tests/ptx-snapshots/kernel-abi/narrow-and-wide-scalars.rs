//! Narrow scalars by value, one kernel each, so each parameter's load and
//! extension is pinned on its own: `bool` is a `.u8` masked to bit 0, `i8`
//! and `i16` are sign-extending `ld.param.s8`/`.s16` loads, `u8` and `u16`
//! zero-extending `.b8`/`.b16` loads (the `.param` type carries no sign). A 128-bit integer has no kernel ABI
//! (gpu::kernel-ffi-unsafe-param rejects `i128`, also inside a struct), so
//! the portable way to pass one is a `#[repr(C, align(16))]` pair of
//! halves, a 16-byte aligned byte array in the parameter space.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry a_bool(
// CHECK-NEXT: .param .u8 a_bool_param_0,
// CHECK: ld.param.b8 [[B:%rs[0-9]+]], [a_bool_param_0];
// CHECK: and.b16 {{%rs[0-9]+}}, [[B]], 1;
gpu::kernel! {
    pub unsafe fn a_bool(b: bool, out: *mut u32) {
        *out = if b { 7 } else { 3 };
    }
}

// CHECK-LABEL: .visible .entry b_i8(
// CHECK-NEXT: .param .u8 b_i8_param_0,
// CHECK: ld.param.s8 [[X:%r[0-9]+]], [b_i8_param_0];
// CHECK: st.global.b32 [{{%rd[0-9]+}}], [[X]];
gpu::kernel! {
    pub unsafe fn b_i8(x: i8, out: *mut i32) {
        *out = x as i32;
    }
}

// CHECK-LABEL: .visible .entry c_u8(
// CHECK-NEXT: .param .u8 c_u8_param_0,
// CHECK: ld.param.b8 [[X:%r[0-9]+]], [c_u8_param_0];
// CHECK: st.global.b32 [{{%rd[0-9]+}}], [[X]];
gpu::kernel! {
    pub unsafe fn c_u8(x: u8, out: *mut i32) {
        *out = x as i32;
    }
}

// CHECK-LABEL: .visible .entry d_i16(
// CHECK-NEXT: .param .u16 d_i16_param_0,
// CHECK: ld.param.s16 [[X:%rd[0-9]+]], [d_i16_param_0];
// CHECK: st.global.b64 [{{%rd[0-9]+}}], [[X]];
gpu::kernel! {
    pub unsafe fn d_i16(x: i16, out: *mut i64) {
        *out = x as i64;
    }
}

// CHECK-LABEL: .visible .entry e_u16(
// CHECK-NEXT: .param .u16 e_u16_param_0,
// CHECK: ld.param.b16 [[X:%rd[0-9]+]], [e_u16_param_0];
// CHECK: st.global.b64 [{{%rd[0-9]+}}], [[X]];
gpu::kernel! {
    pub unsafe fn e_u16(x: u16, out: *mut i64) {
        *out = x as i64;
    }
}

/// Every narrow type at once, summed in 32 bits.
// CHECK-LABEL: .visible .entry f_all_narrow(
// CHECK-NEXT: .param .u8 f_all_narrow_param_0,
// CHECK-NEXT: .param .u8 f_all_narrow_param_1,
// CHECK-NEXT: .param .u8 f_all_narrow_param_2,
// CHECK-NEXT: .param .u16 f_all_narrow_param_3,
// CHECK-NEXT: .param .u16 f_all_narrow_param_4,
// CHECK-DAG: ld.param.b8 [[B:%r[0-9]+]], [f_all_narrow_param_0];
// CHECK-DAG: ld.param.s8 {{%r[0-9]+}}, [f_all_narrow_param_1];
// CHECK-DAG: ld.param.b8 {{%r[0-9]+}}, [f_all_narrow_param_2];
// CHECK-DAG: ld.param.s16 {{%r[0-9]+}}, [f_all_narrow_param_3];
// CHECK-DAG: ld.param.b16 {{%r[0-9]+}}, [f_all_narrow_param_4];
// CHECK-DAG: and.b32 {{%r[0-9]+}}, [[B]], 1;
gpu::kernel! {
    pub unsafe fn f_all_narrow(b: bool, x: i8, y: u8, z: i16, w: u16, out: *mut i32) {
        *out = b as i32 + x as i32 + y as i32 + z as i32 + w as i32;
    }
}

#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct I128Parts {
    pub lo: u64,
    pub hi: u64,
}

/// A 128-bit value in a struct by value, rebuilt and multiplied in the
/// kernel (a 128-bit multiply is `mul.lo`/`mul.hi` on 64-bit halves).
// CHECK-LABEL: .visible .entry g_i128_in_struct(
// CHECK-NEXT: .param .align 16 .b8 g_i128_in_struct_param_0[16],
// CHECK: ld.param.v2.b64 {[[LO:%rd[0-9]+]], [[HI:%rd[0-9]+]]}, [g_i128_in_struct_param_0];
// CHECK: mul.hi.u64 {{%rd[0-9]+}}, [[LO]],
// CHECK: st.global.v2.b64
gpu::kernel! {
    pub unsafe fn g_i128_in_struct(v: I128Parts, k: i64, out: *mut I128Parts) {
        let x = ((v.hi as u128) << 64 | v.lo as u128) as i128;
        let y = x.wrapping_mul(k as i128);
        *out = I128Parts { lo: y as u64, hi: (y as u128 >> 64) as u64 };
    }
}

/// An `i128` behind a pointer needs no ABI: a 16-byte load.
// CHECK-LABEL: .visible .entry h_i128_by_pointer(
// CHECK: ld.global.v2.b64
gpu::kernel! {
    pub unsafe fn h_i128_by_pointer(p: *const i128, out: *mut i128) {
        *out = (*p).wrapping_neg() >> 3;
    }
}
