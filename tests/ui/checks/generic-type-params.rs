//! gpu::kernel-generic: a kernel with type parameters (named, or an
//! `impl Trait` argument) has no single symbol for the host to look up.
//! rustc also warns that `#[no_mangle]` generic items must be mangled.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn fill<T: Copy>(p: *mut T, v: T, n: usize) { //~ ERROR kernel `fill` has generic parameters (`T`)
    //~^ WARN functions generic over types or consts must be mangled
    for i in 0..n {
        *p.add(i) = v;
    }
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn store_any(p: *mut u64, v: impl Into<u64>) { //~ ERROR kernel `store_any` has generic parameters (`impl Trait`)
    //~^ WARN functions generic over types or consts must be mangled
    *p = v.into();
}

/// Lifetime parameters are not generics in this sense: no error.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn with_lifetime<'a>(p: *mut &'a u8, q: *const u8) {
    let _ = (p, q);
}
