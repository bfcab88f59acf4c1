//! gpu::kernel-reference-param: slices cross the launch ABI as (pointer,
//! length) pairs that the host can't build. rustc's own
//! `improper_ctypes_definitions` lint warns about the slice types as well.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn scale(
    xs: &[f32],     //~ ERROR gpu::kernel-reference-param
    //~^ WARN `extern` fn uses type `[f32]`, which is not FFI-safe
    ys: &mut [f32], //~ ERROR gpu::kernel-reference-param
    //~^ WARN `extern` fn uses type `[f32]`, which is not FFI-safe
    k: f32,
) {
    for (y, x) in ys.iter_mut().zip(xs) {
        *y = k * x;
    }
}

// A fat *raw* pointer is just as unusable from the host.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn raw_fat(bytes: *const [u8]) { //~ ERROR has type `*const [u8]`, which is a fat raw pointer
    //~^ WARN `extern` fn uses type `[u8]`, which is not FFI-safe
    let _ = bytes.len();
}
