//! gpu::kernel-no-mangle: a kernel without `#[no_mangle]` gets a mangled
//! (v0/legacy hash) symbol that the host can't know. `#[export_name]` is an
//! accepted alternative.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub unsafe extern "ptx-kernel" fn saxpy(n: u32, a: f32, x: *const f32, y: *mut f32) { //~ ERROR kernel `saxpy` is not `#[no_mangle]`, so the host cannot find its mangled symbol [gpu::kernel-no-mangle]
    for i in 0..n as usize {
        *y.add(i) += a * *x.add(i);
    }
}

#[inline(never)]
pub unsafe extern "ptx-kernel" fn with_other_attrs(p: *mut u32) { //~ ERROR gpu::kernel-no-mangle
    *p = 0;
}

#[export_name = "renamed_kernel"]
pub unsafe extern "ptx-kernel" fn exported(p: *mut u32) {
    *p = 1;
}
