//! gpu::kernel-params-too-large: from PTX ISA 8.1 on (sm_100 is emitted as
//! ISA 8.6), CUDA limits kernel parameters to 32764 bytes. A `#[repr(C)]`
//! struct of 4096 f64s alone is 32768 bytes; the label points at the
//! parameter that takes the space. (Below ISA 8.1 the limit is 4352 bytes:
//! params-too-large-arrays.rs, pass-repr-c-by-value.rs.)
//@ sm: 100
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct Weights {
    pub w: [f64; 4096],
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn apply(n: u32, weights: Weights, out: *mut f64) { //~ ERROR kernel `apply` takes 32784 bytes of parameters, more than CUDA's limit of 32764 bytes [gpu::kernel-params-too-large]
    *out = weights.w[n as usize % 4096];
}

/// Exactly at the limit: 8 + 32756 = 32764 bytes. (Put the other way
/// round, the pointer would need 4 bytes of alignment padding: 32768.)
#[no_mangle]
pub unsafe extern "ptx-kernel" fn just_fits(out: *mut u8, b: [u8; 32756]) { //~ WARN `extern` fn uses type `[u8; 32756]`, which is not FFI-safe
    *out = b[0];
}
