//! gpu::kernel-params-too-large: the limit applies to the sum of all
//! parameters, so several arrays that are each small enough can still
//! overflow it together, and one huge array overflows it alone. (rustc
//! warns about arrays by value in any `extern` fn.)
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn three_tables( //~ ERROR kernel `three_tables` takes 36872 bytes of parameters
    a: [u32; 3072], //~ WARN `extern` fn uses type `[u32; 3072]`, which is not FFI-safe
    b: [u32; 3072], //~ WARN `extern` fn uses type `[u32; 3072]`, which is not FFI-safe
    c: [u32; 3072], //~ WARN `extern` fn uses type `[u32; 3072]`, which is not FFI-safe
    out: *mut u32,
) {
    *out = a[0] + b[1] + c[2];
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn one_huge_array(lut: [f32; 65536], out: *mut f32) { //~ ERROR gpu::kernel-params-too-large
    //~^ WARN `extern` fn uses type `[f32; 65536]`, which is not FFI-safe
    *out = lut[7];
}
