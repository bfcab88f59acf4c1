//! Dynamic dispatch with `&dyn Trait` inside device code: vtables become
//! `.global` constant tables of function addresses, and calls go through
//! them indirectly.
//@ stages: ptx ptxas
#![no_std]

trait Kernel {
    fn eval(&self, x: f32) -> f32;
}
struct Gauss {
    sigma: f32,
}
struct Box1 {
    width: f32,
}
impl Kernel for Gauss {
    fn eval(&self, x: f32) -> f32 {
        let t = x / self.sigma;
        1.0 / (1.0 + t * t)
    }
}
impl Kernel for Box1 {
    fn eval(&self, x: f32) -> f32 {
        if x.abs() < self.width { 1.0 } else { 0.0 }
    }
}

#[inline(never)]
fn weigh(k: &dyn Kernel, xs: *const f32, n: usize) -> f32 {
    let mut s = 0.0;
    for i in 0..n {
        s += k.eval(unsafe { *xs.add(i) });
    }
    s
}

// CHECK-LABEL: .visible .entry weigh_both(
gpu::kernel! {
    pub unsafe fn weigh_both(xs: *const f32, n: usize, param: f32, which: u32, out: *mut f32) {
        let g = Gauss { sigma: param };
        let b = Box1 { width: param };
        let k: &dyn Kernel = if which == 0 { &g } else { &b };
        *out = weigh(k, xs, n);
    }
}
// CHECK: call {{.*}}prototype
