//! `extern "ptx-kernel"` on methods with a `self` receiver. The receiver
//! is an ordinary first parameter to the ABI: `&self` and `&mut self` are
//! references (gpu::kernel-reference-param), a by-value `self` of a
//! non-`#[repr(C)]` type has no C layout (gpu::kernel-ffi-unsafe-param),
//! while `self` of a `#[repr(C)]` `Copy` type and `self: *const Self`
//! (with `arbitrary_self_types_pointers`) are accepted like any by-value
//! struct or raw pointer parameter.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, arbitrary_self_types_pointers)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Saxpy {
    pub a: f32,
    pub x: *const f32,
    pub y: *mut f32,
}

impl Saxpy {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn by_ref(&self) { //~ ERROR kernel `by_ref` parameter `self` has type `&Saxpy`, which is a reference; references and fat pointers cannot cross the kernel launch ABI [gpu::kernel-reference-param]
        *self.y += self.a * *self.x;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn by_mut_ref(&mut self) { //~ ERROR kernel `by_mut_ref` parameter `self` has type `&mut Saxpy`, which is a reference
        self.a = 0.0;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn by_value(self) {
        *self.y += self.a * *self.x;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn by_raw_pointer(self: *const Self) {
        *(*self).y += (*self).a;
    }
}

pub struct Loose {
    pub n: u32,
}

impl Loose {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn loose_by_value(self, out: *mut u32) { //~ ERROR kernel `loose_by_value` parameter `self` has type `Loose`, which has no stable C layout (it is not `#[repr(C)]`) [gpu::kernel-ffi-unsafe-param]
        //~^ WARN `extern` fn uses type `Loose`, which is not FFI-safe
        *out = self.n;
    }
}
