//! Device printf with every argument class `vprintf` supports: 32- and
//! 64-bit integers (signed, unsigned, hex, octal, width and padding),
//! doubles (`%f`, `%.3f`, `%e`), characters, and a `%s` string pointer into
//! global memory. The argument buffer follows the CUDA rule: each argument
//! aligned to its own size, which `#[repr(C)]` reproduces. One thread prints
//! all lines, so their order is fixed. Every line is standard C printf
//! formatting of the given values.
//@ run-pass
//@ stdout: Output: 4000000000 -17
//@ stdout: Output: -9223372036854775808 18446744073709551615
// 255 = 0xff; 0xBEEF zero-padded to 8 upper-case hex digits; 8 = 0o10.
//@ stdout: Output: ff 0000BEEF 10
// %f prints 6 decimals; 2/3 to 3 decimals is 0.667; 12345.678 = 1.2345678e4 -> 1.234568e+04.
//@ stdout: Output: 1.500000 0.667 1.234568e+04
//@ stdout: Output: ok string
// %5d right-aligns 42 in 5 columns, %-5d left-aligns it.
//@ stdout: Output:    42|42   |
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ffi::c_void;

    unsafe fn printf<T>(fmt: &[u8], args: &T) {
        gpu::vprintf(fmt.as_ptr(), args as *const T as *const c_void);
    }

    #[repr(C)]
    struct Ints32(u32, i32);
    #[repr(C)]
    struct Ints64(i64, u64);
    #[repr(C)]
    struct Radix(u32, u32, u32);
    #[repr(C)]
    struct Doubles(f64, f64, f64);
    #[repr(C)]
    struct Text(i32, i32, *const u8);
    #[repr(C)]
    struct Widths(i32, i32);

    static WORD: &[u8] = b"string\0";

    gpu::kernel! {
        pub unsafe fn formats(u: *const u64, f: *const f64) {
            let r = |k: usize| *u.add(k);
            printf(b"Output: %u %d\n\0", &Ints32(r(0) as u32, r(1) as i32));
            printf(b"Output: %lld %llu\n\0", &Ints64(r(2) as i64, r(3)));
            printf(b"Output: %x %08X %o\n\0", &Radix(r(4) as u32, r(5) as u32, r(6) as u32));
            printf(b"Output: %f %.3f %e\n\0", &Doubles(*f, *f.add(1) / *f.add(2), *f.add(3)));
            printf(b"Output: %c%c %s\n\0", &Text(r(7) as i32, r(8) as i32, WORD.as_ptr()));
            printf(b"Output: %5d|%-5d|\n\0", &Widths(r(9) as i32, r(9) as i32));
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let u = gpu.upload(&[
            4_000_000_000u64,
            (-17i64) as u64,
            i64::MIN as u64,
            u64::MAX,
            255,
            0xBEEF,
            8,
            'o' as u64,
            'k' as u64,
            42,
        ])?;
        let f = gpu.upload(&[1.5f64, 2.0, 3.0, 12345.678])?;
        module.kernel("formats")?.launch(LaunchConfig::single_thread(), &[&u, &f])?;
        gpu.synchronize()?;
        Ok(())
    });
}
