//! gpu::kernel-unreachable: `pub` kernels inside a private module (or a
//! `pub(crate)` one) are not reachable from the crate root unless
//! re-exported with `pub use`.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

mod hidden {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn hidden_kernel(p: *mut u32) { //~ ERROR kernel `hidden_kernel` is `pub` but not reachable from the crate root, so rustc may drop it and the host cannot launch it [gpu::kernel-unreachable]
        *p = 1;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn exported_again(p: *mut u32) {
        *p = 2;
    }
}
pub use hidden::exported_again;

pub(crate) mod internal {
    pub mod deeper {
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn deep_kernel(p: *mut u32) { //~ ERROR gpu::kernel-unreachable
            *p = 3;
        }
    }
}
