//! Volatile accesses must keep `.volatile` loads and stores, each one
//! separately (no merging); unaligned reads of a u32 through a byte pointer
//! must split into byte loads.
//@ stages: ptx ptxas sass
#![no_std]

use core::ptr;

// CHECK-LABEL: .visible .entry poll_volatile(
// CHECK: ld.volatile.global.b32
// CHECK: st.volatile.global.b32
// CHECK: st.volatile.global.b32
gpu::kernel! {
    pub unsafe fn poll_volatile(flag: *mut u32, out: *mut u32) {
        // Spin until the host (or another block) sets the flag.
        while ptr::read_volatile(flag) == 0 {}
        // Two stores to the same address both stay.
        ptr::write_volatile(out, 1);
        ptr::write_volatile(out, 2);
    }
}

// CHECK-LABEL: .visible .entry unaligned(
// CHECK: ld.global.b8
// CHECK: ld.global.b8
// CHECK: ld.global.b8
// CHECK: ld.global.b8
// CHECK-NOT: ld.global.b32
// CHECK: st.global.b8
gpu::kernel! {
    pub unsafe fn unaligned(bytes: *const u8, out: *mut u8) {
        let v = ptr::read_unaligned(bytes.add(1) as *const u32);
        ptr::write_unaligned(out.add(3) as *mut u32, v.rotate_left(8));
    }
}

#[repr(C, packed)]
pub struct Packed {
    pub tag: u8,
    pub value: u64,
}

gpu::kernel! {
    pub unsafe fn packed_field(p: *const Packed, out: *mut u64) {
        let v = ptr::addr_of!((*p).value).read_unaligned();
        *out = v + (*p).tag as u64;
    }
}
