//! APIs that live in `std`, not `core`: `println!`, and the float methods
//! that need libm (`f32::sqrt`, `f32::mul_add`, `f64::sin`). In device code
//! use `core::f32::math::{sqrt, mul_add}` (feature `core_float_math`) or
//! `vprintf`.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn k(x: *mut f32, y: *mut f64) {
    *x = (*x).sqrt(); //~ ERROR no method named `sqrt` found for type `f32` in the current scope
    *x = (*x).mul_add(2.0, 1.0); //~ ERROR no method named `mul_add` found for type `f32`
    *y = (*y).sin(); //~ ERROR no method named `sin` found for type `f64`
    println!("x = {}", *x); //~ ERROR cannot find macro `println` in this scope
}
