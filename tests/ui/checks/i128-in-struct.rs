//! gpu::kernel-ffi-unsafe-param for 128-bit integers hidden in a
//! `#[repr(C)]` struct: a field, a field of a nested struct and an array
//! element. rustc's own lint accepts `i128`/`u128` (so there is no
//! warning), but there is no stable 128-bit kernel parameter ABI. A
//! 16-byte aligned pair of `u64` halves and an `i128` behind a pointer
//! both pass.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

#[repr(C)]
pub struct Wide {
    pub value: i128,
    pub scale: u32,
}

#[repr(C)]
pub struct Holder {
    pub tag: u8,
    pub inner: Wide,
}

#[repr(C)]
pub struct Lanes {
    pub lanes: [u128; 2],
}

#[repr(C, align(16))]
pub struct Halves {
    pub lo: u64,
    pub hi: u64,
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn field(w: Wide, out: *mut i128) { //~ ERROR kernel `field` parameter `w` has type `Wide`, which has no stable C layout (it contains `i128`: 128-bit integers have no stable kernel ABI) [gpu::kernel-ffi-unsafe-param]
    *out = w.value * w.scale as i128;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn nested_field(h: Holder, out: *mut i128) { //~ ERROR has type `Holder`, which has no stable C layout (it contains `i128`: 128-bit integers have no stable kernel ABI)
    *out = h.inner.value + h.tag as i128;
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn array_element(l: Lanes, out: *mut u128) { //~ ERROR has type `Lanes`, which has no stable C layout (it contains `u128`: 128-bit integers have no stable kernel ABI)
    *out = l.lanes[0] ^ l.lanes[1];
}

#[no_mangle]
pub unsafe extern "ptx-kernel" fn halves_and_pointer(h: Halves, p: *const i128, out: *mut i128) {
    *out = ((h.hi as i128) << 64 | h.lo as i128) + *p;
}
