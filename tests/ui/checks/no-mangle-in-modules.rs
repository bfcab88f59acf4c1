//! gpu::kernel-no-mangle inside modules: a kernel in a `pub mod` (even a
//! nested one, or one re-exported with `pub use`) still needs
//! `#[no_mangle]`; its path is part of the mangled name.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub mod blas {
    pub mod level1 {
        pub unsafe extern "ptx-kernel" fn axpy(a: f32, x: *const f32, y: *mut f32) { //~ ERROR kernel `axpy` is not `#[no_mangle]`
            *y += a * *x;
        }
    }

    mod impls {
        pub unsafe extern "ptx-kernel" fn dot(x: *const f32, y: *const f32, out: *mut f32) { //~ ERROR gpu::kernel-no-mangle
            *out = *x * *y;
        }
    }
    pub use impls::dot;

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn nrm2(x: *const f32, out: *mut f32) {
        *out = *x * *x;
    }
}
