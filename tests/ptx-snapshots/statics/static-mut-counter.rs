//! `static mut` state reached through raw pointers (`&raw mut`, no
//! references to the static): a plain (non-atomic) counter and a histogram
//! array, each a module-local `.global` variable, plus `#[no_mangle] pub`
//! statics that the host should find by name (`cuModuleGetGlobal`, like a
//! CUDA `__device__` variable).
//!
//! The exported statics keep their names and linkage: the pipeline
//! internalizes everything except kernels and globals with external linkage.
//! (This test used to pin that bug: `LAUNCHES` became a hidden
//! `LAUNCHES_$_0` and the unused `VERSION` was deleted.)
//@ stages: ptx ptxas
#![no_std]

static mut COUNTER: u32 = 0;
static mut HISTOGRAM: [u32; 16] = [0; 16];

#[no_mangle]
pub static mut LAUNCHES: u64 = 5;

#[no_mangle]
pub static VERSION: u32 = 7;

// CHECK: .visible .global .align 8 .b8 [[$LAUNCHES:LAUNCHES]][8] = {5};
// CHECK: .visible .global .align 4 .b8 VERSION[4] = {7};
// CHECK: .global .align 4 .u32 [[$COUNTER:.*COUNTER.*]];
// CHECK: .global .align 4 .b8 [[$HIST:.*HISTOGRAM.*]][64];

/// A non-atomic read-modify-write of the counter: a load, an add and a
/// store, all to the global symbol's address.
// CHECK-LABEL: .visible .entry a_bump(
// CHECK: ld.global.b32 [[OLD:%r[0-9]+]], {{\[}}[[$COUNTER]]{{\]}};
// CHECK: add.s32 [[NEW:%r[0-9]+]], [[OLD]], 1;
// CHECK: st.global.b32 {{\[}}[[$COUNTER]]{{\]}}, [[NEW]];
gpu::kernel! {
    pub unsafe fn a_bump(out: *mut u32) {
        let c = &raw mut COUNTER;
        *c += 1;
        *out = *c;
    }
}

/// Indexing a `static mut` array through a raw pointer, masked so there
/// is no bounds check.
// CHECK-LABEL: .visible .entry b_histogram(
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$HIST]];
// CHECK-NOT: trap;
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn b_histogram(vals: *const u8, n: usize) {
        let h = &raw mut HISTOGRAM;
        for i in 0..n {
            let bin = (*vals.add(i) & 15) as usize;
            (*h)[bin] += 1;
        }
    }
}

/// The exported static, addressed by its renamed symbol (see above).
// CHECK-LABEL: .visible .entry c_exported(
// CHECK: ld.global.b64 {{%rd[0-9]+}}, {{\[}}[[$LAUNCHES]]{{\]}};
// CHECK: st.global.b64 {{\[}}[[$LAUNCHES]]{{\]}},
gpu::kernel! {
    pub unsafe fn c_exported(out: *mut u64) {
        let l = &raw mut LAUNCHES;
        *l = (*l).wrapping_mul(3);
        *out = *l;
    }
}
// CHECK-NOT: VERSION
