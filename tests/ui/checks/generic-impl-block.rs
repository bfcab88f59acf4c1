//! Kernels declared inside `impl` blocks. In a generic `impl<T>` (or
//! `impl<const N: usize>`) block the kernel has no generic parameters of
//! its own, yet it inherits the block's: every instantiation would need its
//! own symbol, so gpu::kernel-generic must still fire (and rustc warns that
//! the `#[no_mangle]` item is generic). A kernel in a non-generic `impl`
//! of a concrete instantiation (`impl Grid<f32>`) is fine.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

pub struct Grid<T>(pub *mut T);

impl<T: Copy> Grid<T> {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn fill_generic(p: *mut T, v: T) { //~ ERROR kernel `fill_generic` has generic parameters (`T`) and can never be exported under a fixed symbol [gpu::kernel-generic]
    //~^ WARN functions generic over types or consts must be mangled
        *p = v;
    }
}

pub struct Tile<const N: usize>;

impl<const N: usize> Tile<N> {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn tile_sum(p: *const f32, out: *mut f32) { //~ ERROR kernel `tile_sum` has generic parameters (`N`)
    //~^ WARN functions generic over types or consts must be mangled
        let mut s = 0.0;
        for i in 0..N {
            s += *p.add(i);
        }
        *out = s;
    }
}

impl Grid<f32> {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn fill_f32(p: *mut f32, v: f32) {
        *p = v;
    }
}
