//! Small conditionals become predicated selects (`selp`) rather than
//! branches; the `branchy` revision forces real control flow with an
//! opaque call on one side.
//@ revisions: select branchy
//@ stages: ptx ptxas
#![no_std]

#[cfg(branchy)]
#[inline(never)]
fn slow_path(x: i32) -> i32 {
    x.wrapping_mul(x).rotate_left(7)
}

#[cfg(select)]
#[inline(always)]
fn slow_path(x: i32) -> i32 {
    x.wrapping_mul(3)
}

// CHECK-LABEL: .visible .entry relu_or_path(
// select-CHECK: selp.b32
// select-CHECK-NOT: bra
// branchy-CHECK: @%p{{[0-9]+}} bra
// branchy-CHECK: call.uni
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn relu_or_path(x: *const i32, out: *mut i32) {
        let i = gpu::thread_idx_x() as usize;
        let v = *x.add(i);
        *out.add(i) = if v > 0 { v } else { slow_path(v) };
    }
}
