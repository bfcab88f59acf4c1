//! Bit manipulation at 8/16/32/64 bits: popcount, leading/trailing zeros
//! (including the zero input, where the count is the width), rotates, byte
//! swaps, bit reversal, and arithmetic vs logical right shifts.
//! Operands come from device memory.
//@ run-pass
// x = 0x0F001234 = 0000_1111 0000_0000 0001_0010 0011_0100:
// ones 4+0+2+3 = 9; 4 leading zeros; 0x34 = 0b0011_0100 -> 2 trailing zeros;
// rotl 8 = 0x0012340F; rotr 4 = 0x40F00123; bytes reversed 0x3412000F;
// bits reversed 0010_1100 0100_1000 0000_0000 1111_0000 = 0x2C4800F0.
//@ stdout: Output: u32 9 4 2 0x12340f 0x40f00123 0x3412000f 0x2c4800f0
// 0u32: 32 leading and 32 trailing zeros, no ones.
//@ stdout: Output: zero 32 32 0
// 0xB0 = 1011_0000: 0 leading, 4 trailing, 3 ones; reversed 0000_1101 = 0xd;
// rotl 3 = 1000_0101 = 0x85.
//@ stdout: Output: u8 0 4 3 0xd 0x85
// 0x00F0: 8 leading, 4 trailing; swapped 0xF000.
//@ stdout: Output: u16 8 4 0xf000
// 1 << 40: 63-40 = 23 leading, 40 trailing; swap_bytes(0x0123456789ABCDEF) = 0xEFCDAB8967452301;
// reverse_bits(1) = 1 << 63 = 0x8000000000000000.
//@ stdout: Output: u64 23 40 0xefcdab8967452301 0x8000000000000000
// -256 >> 4 = -16 (arithmetic); (-256 as u32) >> 4 = 0xFFFFFF00 >> 4 = 0x0FFFFFF0 = 268435440;
// (-1i64).count_ones() = 64; i32::MIN.leading_zeros() = 0; (-1i32).leading_ones() = 32.
//@ stdout: Output: shifts -16 268435440 64 0 32
// 1000.next_power_of_two() = 1024; 1024 is a power of two; 1000 is not.
//@ stdout: Output: pow2 1024 true false
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn bits(inp: *const u64, out: *mut u64) {
            let r = |k: usize| *inp.add(k);
            let mut k = 0;
            let mut put = |v: u64| {
                *out.add(k) = v;
                k += 1;
            };
            let x = r(0) as u32;
            put(x.count_ones() as u64);
            put(x.leading_zeros() as u64);
            put(x.trailing_zeros() as u64);
            put(x.rotate_left(8) as u64);
            put(x.rotate_right(r(1) as u32) as u64);
            put(x.swap_bytes() as u64);
            put(x.reverse_bits() as u64);
            let z = r(2) as u32;
            put(z.leading_zeros() as u64);
            put(z.trailing_zeros() as u64);
            put(z.count_ones() as u64);
            let b = r(3) as u8;
            put(b.leading_zeros() as u64);
            put(b.trailing_zeros() as u64);
            put(b.count_ones() as u64);
            put(b.reverse_bits() as u64);
            put(b.rotate_left(3) as u64);
            let h = r(4) as u16;
            put(h.leading_zeros() as u64);
            put(h.trailing_zeros() as u64);
            put(h.swap_bytes() as u64);
            let w = r(5);
            put(w.leading_zeros() as u64);
            put(w.trailing_zeros() as u64);
            put(r(6).swap_bytes());
            put(r(7).reverse_bits());
            let s = r(8) as i32;
            put((s >> 4) as i64 as u64);
            put(((s as u32) >> 4) as u64);
            put((r(9) as i64).count_ones() as u64);
            put((r(10) as i32).leading_zeros() as u64);
            put((r(9) as i32).leading_ones() as u64);
            let p = r(11) as u32;
            put(p.next_power_of_two() as u64);
            put((p + 24).is_power_of_two() as u64);
            put(p.is_power_of_two() as u64);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let inp: Vec<u64> = vec![
            0x0F00_1234,
            4,
            0,
            0xB0,
            0x00F0,
            1 << 40,
            0x0123_4567_89AB_CDEF,
            1,
            (-256i64) as u64,
            u64::MAX,
            i32::MIN as u32 as u64,
            1000,
        ];
        let inp = gpu.upload(&inp)?;
        let out = gpu.zeros::<u64>(30)?;
        module.kernel("bits")?.launch(LaunchConfig::single_thread(), &[&inp, &out])?;
        let v = out.to_vec()?;
        println!(
            "Output: u32 {} {} {} {:#x} {:#x} {:#x} {:#x}",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6]
        );
        println!("Output: zero {} {} {}", v[7], v[8], v[9]);
        println!("Output: u8 {} {} {} {:#x} {:#x}", v[10], v[11], v[12], v[13], v[14]);
        println!("Output: u16 {} {} {:#x}", v[15], v[16], v[17]);
        println!("Output: u64 {} {} {:#x} {:#x}", v[18], v[19], v[20], v[21]);
        println!("Output: shifts {} {} {} {} {}", v[22] as i64, v[23], v[24], v[25], v[26]);
        println!("Output: pow2 {} {} {}", v[27], v[28] == 1, v[29] == 1);
        Ok(())
    });
}
