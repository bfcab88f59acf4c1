//! Integer `as` casts between widths: sign extension, zero extension,
//! truncation, and reinterpretation between signed and unsigned, plus
//! `bool`/`char` conversions and `from_*_bytes`. Operands come from memory.
//@ run-pass
// -1i8 as u32 = 0xFFFFFFFF = 4294967295 (sign-extend, then reinterpret);
// -1i8 as u8 as u32 = 255 (zero-extend); -1i32 as u64 = 18446744073709551615.
//@ stdout: Output: extend 4294967295 255 18446744073709551615
// 300u32 as u8 = 300-256 = 44; 0x12345678 as u16 = 0x5678 = 22136;
// -129i32 as i8 = -129+256 = 127; 128u8 as i8 = -128; 0x1_0000_0005u64 as i32 = 5.
//@ stdout: Output: truncate 44 22136 127 -128 5
// u32::MAX as i32 = -1; (i64::MIN as u64) = 2^63 = 9223372036854775808;
// -2i16 as u16 as u64 = 65534; -2i16 as u64 = 2^64-2 = 18446744073709551614.
//@ stdout: Output: reinterpret -1 9223372036854775808 65534 18446744073709551614
// true as u8 = 1; (5 > 7) as u32 = 0; 'A' as u32 = 65; char::from_u32(0x1F600) is valid,
// char::from_u32(0xD800) (a surrogate) is None; 200u8 as char as u32 = 200.
//@ stdout: Output: bool/char 1 0 65 true false 200
// u32::from_le_bytes([0x78,0x56,0x34,0x12]) = 0x12345678 = 305419896;
// from_be_bytes of the same bytes = 0x78563412 = 2018915346.
//@ stdout: Output: bytes 305419896 2018915346
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn casts(inp: *const u64, bytes: *const u8, out: *mut u64) {
            let r = |k: usize| *inp.add(k);
            let mut k = 0;
            let mut put = |v: u64| {
                *out.add(k) = v;
                k += 1;
            };
            let m1 = r(0) as i8;
            put((m1 as u32) as u64);
            put((m1 as u8 as u32) as u64);
            put((m1 as i32) as u64);
            put((r(1) as u32 as u8) as u64);
            put((r(2) as u32 as u16) as u64);
            put((r(3) as i32 as i8) as i64 as u64);
            put((r(4) as u8 as i8) as i64 as u64);
            put((r(5) as i32) as i64 as u64);
            put((r(6) as u32 as i32) as i64 as u64);
            put((r(7) as i64) as u64);
            put((r(8) as i16 as u16) as u64);
            put((r(8) as i16) as u64);
            let (five, seven) = (r(9) as u32, r(10) as u32);
            put((five == 5) as u8 as u64);
            put((five > seven) as u32 as u64);
            let a = char::from_u32(r(11) as u32).unwrap_or('?');
            put(a as u32 as u64);
            put(char::from_u32(r(12) as u32).is_some() as u64);
            put(char::from_u32(r(13) as u32).is_some() as u64);
            put((r(14) as u8 as char) as u32 as u64);
            let b = [*bytes, *bytes.add(1), *bytes.add(2), *bytes.add(3)];
            put(u32::from_le_bytes(b) as u64);
            put(u32::from_be_bytes(b) as u64);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let inp: Vec<u64> = vec![
            u64::MAX, // -1 as i8
            300,
            0x1234_5678,
            (-129i64) as u64,
            128,
            0x1_0000_0005,
            u32::MAX as u64,
            i64::MIN as u64,
            (-2i64) as u64,
            5,
            7,
            'A' as u64,
            0x1F600,
            0xD800,
            200,
        ];
        let inp = gpu.upload(&inp)?;
        let bytes = gpu.upload(&[0x78u8, 0x56, 0x34, 0x12])?;
        let out = gpu.zeros::<u64>(20)?;
        module
            .kernel("casts")?
            .launch(LaunchConfig::single_thread(), &[&inp, &bytes, &out])?;
        let v = out.to_vec()?;
        let s = |k: usize| v[k] as i64;
        println!("Output: extend {} {} {}", v[0], v[1], v[2]);
        println!("Output: truncate {} {} {} {} {}", v[3], v[4], s(5), s(6), s(7));
        println!("Output: reinterpret {} {} {} {}", s(8), v[9], v[10], v[11]);
        println!(
            "Output: bool/char {} {} {} {} {} {}",
            v[12],
            v[13],
            v[14],
            v[15] == 1,
            v[16] == 1,
            v[17]
        );
        println!("Output: bytes {} {}", v[18], v[19]);
        Ok(())
    });
}
