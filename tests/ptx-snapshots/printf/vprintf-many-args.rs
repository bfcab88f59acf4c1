//! vprintf with twelve run-time arguments of mixed sizes. The argument
//! buffer is a `#[repr(C)]` struct in local memory laid out by C's rules:
//! each `i32` slot is 4 bytes and each 8-byte value (`f64`, `i64`, pointer)
//! is aligned to 8, so an `i32` followed by an `f64` leaves a 4-byte hole.
//! Narrow integers are promoted to `int` (here folded into a sign-extending
//! `ld.global.s16`) and `f32` to `f64` (`cvt.f64.f32`) by the caller, as C
//! varargs require. vprintf gets the buffer's generic address (`%SP`-based,
//! not the local `%SPL` one the stores use). A second call in a loop reuses the
//! same stack slot every iteration.
//@ stages: ptx ptxas
#![no_std]

use core::ffi::c_void;

#[repr(C)]
struct Twelve {
    a: i32, // 0
    b: f64, // 8 (after a 4-byte hole)
    c: i32, // 16
    d: i32, // 20
    e: i64, // 24
    f: f64, // 32
    g: i32, // 40
    h: u64, // 48 (after a hole)
    i: i32, // 56
    j: f64, // 64
    k: *const u8, // 72
    l: i32, // 80
}

#[repr(C)]
struct Row {
    i: u32,
    v: f64,
}

// CHECK-LABEL: .visible .entry a_twelve(
// CHECK: .local .align 8 .b8 __local_depot{{[0-9]+}}[88];
// CHECK-DAG: add.u64 [[ARGS:%rd[0-9]+]], %SP, 0;
// CHECK-DAG: cvt.f64.f32
// CHECK-DAG: ld.global.s16
// CHECK-DAG: st.local.b32 {{\[}}[[BUF:%rd[0-9]+]]{{\]}},
// CHECK-DAG: st.local.b64 {{\[}}[[BUF]]+8],
// CHECK-DAG: st.local.b64 {{\[}}[[BUF]]+24],
// CHECK-DAG: st.local.b64 {{\[}}[[BUF]]+48],
// CHECK-DAG: st.local.b64 {{\[}}[[BUF]]+72],
// CHECK-DAG: st.local.b32 {{\[}}[[BUF]]+80],
// CHECK: st.param.b64 [param1], [[ARGS]];
// CHECK: call.uni (retval0), vprintf, (param0, param1);
gpu::kernel! {
    pub unsafe fn a_twelve(ints: *const i32, wide: *const i64, floats: *const f32, small: *const i16) {
        let t = gpu::thread_idx_x();
        let args = Twelve {
            a: *ints,
            b: *floats as f64,
            c: *small as i32,
            d: *ints.add(1),
            e: *wide,
            f: *floats.add(1) as f64,
            g: t as i32,
            h: *wide.add(1) as u64,
            i: *small.add(1) as i32,
            j: 0.5,
            k: b"tag\0".as_ptr(),
            l: *ints.add(2),
        };
        gpu::vprintf(
            b"%d %f %d %d %lld %f %d %llu %d %f %s %d\n\0".as_ptr(),
            &args as *const Twelve as *const c_void,
        );
    }
}

// CHECK-LABEL: .visible .entry b_rows(
// CHECK: .local .align 8 .b8 __local_depot{{[0-9]+}}[16];
// CHECK: [[LOOP:\$L__BB[0-9_]+]]:
// CHECK: st.local.b32
// CHECK: st.local.b64
// CHECK: call.uni (retval0), vprintf, (param0, param1);
// CHECK: @{{%p[0-9]+}} bra [[LOOP]];
gpu::kernel! {
    pub unsafe fn b_rows(vals: *const f32, n: u32) {
        for i in 0..n {
            let row = Row { i, v: *vals.add(i as usize) as f64 };
            gpu::vprintf(b"row %u: %f\n\0".as_ptr(), &row as *const Row as *const c_void);
        }
    }
}
