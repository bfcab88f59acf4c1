//! `unwrap` on `None`, `expect`, `panic!` with a message and
//! `unreachable!`: each lowers to a call into core's panic machinery,
//! which ends in the `#[panic_handler]`'s `trap`. Formatting machinery
//! must not be a problem in device code. (Kernels are prefixed a_..d_
//! because the PTX lists them sorted by name.)
//@ stages: ptx ptxas
#![no_std]

#[inline(never)]
fn find(xs: &[u32], v: u32) -> Option<usize> {
    xs.iter().position(|&x| x == v)
}

// CHECK-LABEL: .visible .entry a_unwrap_none(
// CHECK: call.uni {{.*}}unwrap_failed
gpu::kernel! {
    pub unsafe fn a_unwrap_none(x: *const u32, n: usize, v: u32, out: *mut usize) {
        let xs = core::slice::from_raw_parts(x, n);
        *out = find(xs, v).unwrap();
    }
}

gpu::kernel! {
    pub unsafe fn b_expect_msg(x: *const u32, out: *mut u32) {
        let v = (*x).checked_sub(10).expect("value below 10");
        *out = v;
    }
}

// CHECK-LABEL: .visible .entry c_panic_fmt_args(
// CHECK: call.uni {{.*}}panic_fmt
gpu::kernel! {
    pub unsafe fn c_panic_fmt_args(x: *const i32, out: *mut i32) {
        let v = *x;
        if v < 0 {
            panic!("negative input {} at thread {}", v, gpu::thread_idx_x());
        }
        *out = v * 2;
    }
}

gpu::kernel! {
    pub unsafe fn d_unreachable_arm(tag: u32, out: *mut u32) {
        *out = match tag % 3 {
            0 => 10,
            1 => 20,
            2 => 30,
            _ => unreachable!("remainder of 3"),
        };
    }
}

// Every panic path funnels into the handler, which is just `trap`.
// CHECK: trap;
