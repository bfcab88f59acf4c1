//! `static` tables become initialised `.global` arrays (not `.const`) and,
//! being immutable, are read with `ld.global.nc`; a `const` array indexed by a constant folds away, and one
//! indexed dynamically is materialised as a private global too.
//@ stages: ptx ptxas
// Built-in backend only: the PTX names a promoted constant `anon_$_<hash>`, a hash LLVM takes over the crate's exported symbols, which include the test's own panic handler (moving it to the prelude renames the constant).
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

static CRC_NIBBLE: [u32; 16] = [
    0x0000_0000, 0x1db7_1064, 0x3b6e_20c8, 0x26d9_30ac, 0x76dc_4190, 0x6b6b_51f4, 0x4db2_6158, 0x5005_713c,
    0xedb8_8320, 0xf00f_9344, 0xd6d6_a3e8, 0xcb61_b38c, 0x9b64_c2b0, 0x86d3_d2d4, 0xa00a_e278, 0xbdbd_f21c,
];

const POW10: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

// CHECK: .global .align 4 .b8 {{.*}}CRC_NIBBLE{{.*}}[64] = {0, 0, 0, 0, 100, 16, 183, 29,
// CHECK-LABEL: .visible .entry crc32(
// The immutable table is read through the non-coherent (read-only) path:
// CHECK: ld.global.nc.b32
#[no_mangle]
pub unsafe extern "ptx-kernel" fn crc32(data: *const u8, n: usize, out: *mut u32) {
    let mut crc = !0u32;
    for i in 0..n {
        crc ^= *data.add(i) as u32;
        crc = (crc >> 4) ^ CRC_NIBBLE[(crc & 15) as usize];
        crc = (crc >> 4) ^ CRC_NIBBLE[(crc & 15) as usize];
    }
    *out = !crc;
}

// CHECK-LABEL: .visible .entry pow10(
#[no_mangle]
pub unsafe extern "ptx-kernel" fn pow10(e: *const u32, out: *mut u64) {
    let i = _thread_idx_x() as usize;
    *out.add(i) = POW10[*e.add(i) as usize & 7] + POW10[3];
}
