//! `copy_nonoverlapping`, `copy` (memmove), `write_bytes` (memset), with
//! constant and variable sizes. There is no libc on the device: LLVM
//! expands variable-size copies into loops instead of calling `memcpy`.
//@ stages: ptx ptxas llvm-ir-opt
#![no_std]

use core::ptr;

// CHECK-LABEL: .visible .entry copy_const(
// CHECK-NOT: memcpy
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn copy_const(src: *const [u32; 8], dst: *mut [u32; 8]) {
        ptr::copy_nonoverlapping(src, dst, 1);
    }
}

// The expansion is a byte loop, although both pointers are 4-aligned f32s.
// CHECK-LABEL: .visible .entry copy_var(
// CHECK-NOT: call{{.*}}memcpy
// CHECK: ld.global.b8
// CHECK: st.global.b8
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn copy_var(src: *const f32, dst: *mut f32, n: usize) {
        ptr::copy_nonoverlapping(src, dst, n);
    }
}

// CHECK-LABEL: .visible .entry memmove_var(
// CHECK-NOT: call{{.*}}memmove
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn memmove_var(buf: *mut u8, n: usize, shift: usize) {
        ptr::copy(buf, buf.add(shift), n);
    }
}

// CHECK-LABEL: .visible .entry memset_var(
// CHECK-NOT: call{{.*}}memset
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn memset_var(buf: *mut u16, n: usize) {
        ptr::write_bytes(buf, 0xab, n);
    }
}
