//! Function pointers: a table of `fn(f32) -> f32` selected at run time is
//! an indirect call (`call` through a register with a `prototype`).
//@ stages: ptx ptxas
#![no_std]

fn double(x: f32) -> f32 {
    x * 2.0
}
fn negate(x: f32) -> f32 {
    -x
}
fn halve(x: f32) -> f32 {
    x * 0.5
}
fn cube(x: f32) -> f32 {
    x * x * x
}

static OPS: [fn(f32) -> f32; 4] = [double, negate, halve, cube];

#[inline(never)]
fn apply_all(ops: &[fn(f32) -> f32], x: f32) -> f32 {
    ops.iter().fold(x, |acc, f| f(acc))
}

// CHECK-LABEL: .visible .entry dispatch(
// CHECK: prototype_{{[0-9]+}} : .callprototype
// CHECK: call {{.*}}prototype_{{[0-9]+}};
gpu::kernel! {
    pub unsafe fn dispatch(sel: *const u32, x: *const f32, out: *mut f32) {
        let i = gpu::thread_idx_x() as usize;
        let f = OPS[*sel.add(i) as usize % 4];
        *out.add(i) = f(*x.add(i));
    }
}

gpu::kernel! {
    pub unsafe fn pipeline(x: *mut f32) {
        let i = gpu::thread_idx_x() as usize;
        *x.add(i) = apply_all(&OPS, *x.add(i));
    }
}

gpu::kernel! {
    /// An `extern "C" fn` pointer passed in from the host side is callable too
    /// (the pointer must of course be a device function address).
    pub unsafe fn call_param(f: extern "C" fn(u32) -> u32, out: *mut u32) {
        *out = f(gpu::thread_idx_x());
    }
}
