//! vprintf with every C promotion: `%d` (i32), `%lld` (i64), `%u`, `%x`,
//! `%c` (a char promoted to int), `%f` (f64), `%s` (a device string
//! pointer) and `%p`, plus a call without arguments (null args pointer).
//@ stages: ptx ptxas
#![no_std]

use core::ffi::c_void;

#[repr(C)]
struct Mixed {
    i: i32,
    l: i64,
    u: u32,
    x: u32,
    c: i32,
    f: f64,
    s: *const u8,
    p: *const c_void,
}

// CHECK-LABEL: .visible .entry print_mixed(
// CHECK: call.uni (retval0), vprintf,
// CHECK: call.uni (retval0), vprintf,
gpu::kernel! {
    pub unsafe fn print_mixed(data: *const i64) {
        if gpu::thread_idx_x() != 0 {
            return;
        }
        gpu::vprintf(b"--- begin ---\n\0".as_ptr(), core::ptr::null());
        let args = Mixed {
            i: -42,
            l: *data,
            u: gpu::block_idx_x(),
            x: 0xbeef,
            c: b'R' as i32,
            f: 2.5,
            s: b"device\0".as_ptr(),
            p: data as *const c_void,
        };
        gpu::vprintf(
            b"%d %lld %u %x %c %f %s %p\n\0".as_ptr(),
            &args as *const Mixed as *const c_void,
        );
    }
}
