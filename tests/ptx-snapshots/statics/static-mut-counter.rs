//! `static mut` state reached through raw pointers (`&raw mut`, no
//! references to the static): a plain (non-atomic) counter and a histogram
//! array, each a module-local `.global` variable, plus `#[no_mangle] pub`
//! statics that the host should find by name (`cuModuleGetGlobal`, like a
//! CUDA `__device__` variable).
//!
//! Known bug: the pipeline internalizes every symbol but the kernels, so
//! the exported statics lose their linkage. `LAUNCHES` is emitted as a
//! non-`.visible` `LAUNCHES_$_0` (once internal, opt rewrites the
//! `[8 x i8]` global as an `i64` `LAUNCHES.0`, and llc spells `.` as `_$_`),
//! and `VERSION`, used by no kernel, is deleted by globaldce. When this is fixed, both must be `.visible .global` with
//! their own names: change the CHECK lines and drop the known-bug.
//@ stages: ptx ptxas
//@ known-bug: #[no_mangle] pub statics are internalized: LAUNCHES becomes a hidden LAUNCHES_$_0 and an unused VERSION is dropped, so the host cannot look them up
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

static mut COUNTER: u32 = 0;
static mut HISTOGRAM: [u32; 16] = [0; 16];

#[no_mangle]
pub static mut LAUNCHES: u64 = 5;

#[no_mangle]
pub static VERSION: u32 = 7;

// CHECK-NOT: .visible .global
// CHECK-NOT: VERSION
// CHECK: .global .align 8 .u64 [[$LAUNCHES:LAUNCHES_\$_0]] = 5;
// CHECK: .global .align 4 .u32 [[$COUNTER:.*COUNTER.*]];
// CHECK: .global .align 4 .b8 [[$HIST:.*HISTOGRAM.*]][64];

/// A non-atomic read-modify-write of the counter: a load, an add and a
/// store, all to the global symbol's address.
// CHECK-LABEL: .visible .entry a_bump(
// CHECK: ld.global.b32 [[OLD:%r[0-9]+]], {{\[}}[[$COUNTER]]{{\]}};
// CHECK: add.s32 [[NEW:%r[0-9]+]], [[OLD]], 1;
// CHECK: st.global.b32 {{\[}}[[$COUNTER]]{{\]}}, [[NEW]];
#[no_mangle]
pub unsafe extern "ptx-kernel" fn a_bump(out: *mut u32) {
    let c = &raw mut COUNTER;
    *c += 1;
    *out = *c;
}

/// Indexing a `static mut` array through a raw pointer, masked so there
/// is no bounds check.
// CHECK-LABEL: .visible .entry b_histogram(
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$HIST]];
// CHECK-NOT: trap;
// CHECK: ret;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn b_histogram(vals: *const u8, n: usize) {
    let h = &raw mut HISTOGRAM;
    for i in 0..n {
        let bin = (*vals.add(i) & 15) as usize;
        (*h)[bin] += 1;
    }
}

/// The exported static, addressed by its renamed symbol (see above).
// CHECK-LABEL: .visible .entry c_exported(
// CHECK: ld.global.b64 {{%rd[0-9]+}}, {{\[}}[[$LAUNCHES]]{{\]}};
// CHECK: st.global.b64 {{\[}}[[$LAUNCHES]]{{\]}},
#[no_mangle]
pub unsafe extern "ptx-kernel" fn c_exported(out: *mut u64) {
    let l = &raw mut LAUNCHES;
    *l = (*l).wrapping_mul(3);
    *out = *l;
}
// CHECK-NOT: VERSION
