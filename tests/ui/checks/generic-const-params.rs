//! gpu::kernel-generic: const generics too. The way out, as the help says,
//! is one non-generic kernel per instantiation calling a generic device
//! function (as `tile_16` does, which is fine).
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

unsafe fn tile_sum<const N: usize>(x: *const [f32; N]) -> f32 {
    (*x).iter().sum()
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn tile<const N: usize>(x: *const [f32; N], out: *mut f32) { //~ ERROR kernel `tile` has generic parameters (`N`) and can never be exported under a fixed symbol [gpu::kernel-generic]
    //~^ WARN functions generic over types or consts must be mangled
    *out = tile_sum(x);
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn both<T: Copy, const N: usize>(x: *mut [T; N], v: T) { //~ ERROR has generic parameters (`T`, `N`)
    //~^ WARN functions generic over types or consts must be mangled
    *x = [v; N];
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn tile_16(x: *const [f32; 16], out: *mut f32) {
    *out = tile_sum(x);
}
