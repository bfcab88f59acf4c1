//! Exported and reachable in every accepted way: `#[export_name]`,
//! `#[unsafe(no_mangle)]`, kernels in `pub mod`s, a `pub use` re-export
//! (also renamed) out of a private module, and a kernel that is an
//! associated function of a public type. Lifetime-only generics are fine.
//@ build-pass
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[export_name = "scale_kernel"]
pub unsafe extern "ptx-kernel" fn scale(p: *mut f32, k: f32) {
    *p *= k;
}

#[unsafe(no_mangle)]
pub unsafe extern "ptx-kernel" fn edition_2024_style(p: *mut f32) {
    *p = 0.0;
}

pub mod ops {
    pub mod unary {
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn negate(p: *mut f32) {
            *p = -*p;
        }
    }
}

mod private {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn reexported(p: *mut f32) {
        *p += 1.0;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn renamed_on_export(p: *mut f32) {
        *p -= 1.0;
    }
}
pub use private::reexported;
pub use private::renamed_on_export as public_name;

pub struct Kernels;
impl Kernels {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn associated(p: *mut f32) {
        *p *= 2.0;
    }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn with_lifetime<'a>(p: *const &'a u8, out: *mut u8) {
    *out = **p;
}

// A kernel declared in an `extern` block is defined elsewhere: not checked.
extern "ptx-kernel" {
    pub fn defined_elsewhere(p: *mut f32);
}
