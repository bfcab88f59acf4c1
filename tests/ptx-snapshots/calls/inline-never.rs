//! `#[inline(never)]` device functions stay as internal `.func`s and are
//! called with `call.uni` and `.param` passing; `#[inline(always)]` ones
//! leave no call.
//@ stages: ptx ptxas
#![no_std]

#[inline(never)]
fn hash(x: u32) -> u32 {
    let mut h = x ^ 0x9e37_79b9;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h.wrapping_mul(0xc2b2_ae35)
}

#[inline(never)]
fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

#[inline(always)]
fn square(x: f32) -> f32 {
    x * x
}

// CHECK-LABEL: .visible .entry hash_and_lerp(
// CHECK: call.uni (retval0), [[HASH:.*4hash]], (param0);
// CHECK: call.uni (retval0), [[LERP:.*4lerp]], (param0);
// CHECK-NOT: call.uni
// CHECK: ret;
// The definitions follow the kernel:
// CHECK: .func (.param .b32 func_retval0) [[HASH]](
// CHECK: .func (.param .b32 func_retval0) [[LERP]](
gpu::kernel! {
    pub unsafe fn hash_and_lerp(x: *const f32, out: *mut f32, h: *mut u32) {
        let i = gpu::thread_idx_x();
        *h.add(i as usize) = hash(i);
        let t = (*x.add(i as usize)).clamp(0.0, 1.0);
        *out.add(i as usize) = square(lerp(1.0, 3.0, t));
    }
}
