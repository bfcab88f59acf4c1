//! Constant data on the device: a 256-entry CRC-32 table computed by a
//! `const fn` at compile time and stored in a `static` (global memory),
//! a `const` array indexed at run time, and a static byte string. Thread k
//! computes the table-driven CRC-32 of message k; the host checks every
//! result with an independent bit-by-bit CRC.
//@ run-pass
// Standard CRC-32 (IEEE 802.3, reflected, init and final xor 0xFFFFFFFF) check values:
// "123456789" -> 0xcbf43926 (the catalogue check value), "" -> 0x0, "a" -> 0xe8b7be43,
// "The quick brown fox jumps over the lazy dog" -> 0x414fa339.
//@ stdout: Output: crc 0xcbf43926 0x0 0xe8b7be43 0x414fa339
//@ stdout: Output: 4 of 4 match the bitwise host CRC
// PRIMES[i * 7 % 16] for i = 0..4: indices 0, 7, 14, 5 -> 2, 19, 47, 13.
//@ stdout: Output: primes 2 19 47 13
//@ stdout: Output: greeting hello from a static
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    const fn make_table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }

    static CRC_TABLE: [u32; 256] = make_table();
    const PRIMES: [u32; 16] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];
    static GREETING: &[u8] = b"hello from a static";

    gpu::kernel! {
        /// Message k is bytes[offsets[k] .. offsets[k] + lens[k]].
        pub unsafe fn crc32(n: u32, bytes: *const u8, offsets: *const u32, lens: *const u32, out: *mut u32) {
            let k = gpu::thread_idx_x() as usize;
            if k >= n as usize {
                return;
            }
            let msg = core::slice::from_raw_parts(bytes.add(*offsets.add(k) as usize), *lens.add(k) as usize);
            let mut c = 0xFFFF_FFFFu32;
            for &b in msg {
                c = CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
            }
            *out.add(k) = !c;
        }
    }

    gpu::kernel! {
        pub unsafe fn constants(primes: *mut u32, text: *mut u8, len: *mut u32) {
            let i = gpu::thread_idx_x();
            if i < 4 {
                *primes.add(i as usize) = PRIMES[(i * 7 % 16) as usize];
            }
            if i == 0 {
                for (k, &b) in GREETING.iter().enumerate() {
                    *text.add(k) = b;
                }
                *len = GREETING.len() as u32;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn crc32_bitwise(msg: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in msg {
        crc ^= b as u32;
        for _ in 0..8 {
            let lsb = crc & 1;
            crc >>= 1;
            if lsb == 1 {
                crc ^= 0xEDB8_8320;
            }
        }
    }
    !crc
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let msgs: [&[u8]; 4] = [b"123456789", b"", b"a", b"The quick brown fox jumps over the lazy dog"];
        let (mut bytes, mut offsets, mut lens) = (Vec::new(), Vec::new(), Vec::new());
        for m in msgs {
            offsets.push(bytes.len() as u32);
            lens.push(m.len() as u32);
            bytes.extend_from_slice(m);
        }
        let (db, doff, dlen) = (gpu.upload(&bytes)?, gpu.upload(&offsets)?, gpu.upload(&lens)?);
        let out = gpu.zeros::<u32>(4)?;
        module
            .kernel("crc32")?
            .launch(LaunchConfig::single_block(32), &[&4u32, &db, &doff, &dlen, &out])?;
        let c = out.to_vec()?;
        println!("Output: crc {:#x} {:#x} {:#x} {:#x}", c[0], c[1], c[2], c[3]);
        let ok = msgs.iter().zip(&c).filter(|(m, &got)| crc32_bitwise(m) == got).count();
        println!("Output: {ok} of 4 match the bitwise host CRC");

        let (primes, text, len) = (gpu.zeros::<u32>(4)?, gpu.zeros::<u8>(64)?, gpu.zeros::<u32>(1)?);
        module
            .kernel("constants")?
            .launch(LaunchConfig::single_block(32), &[&primes, &text, &len])?;
        let p = primes.to_vec()?;
        println!("Output: primes {} {} {} {}", p[0], p[1], p[2], p[3]);
        let n = len.to_vec()?[0] as usize;
        let t = text.to_vec()?;
        println!("Output: greeting {}", String::from_utf8_lossy(&t[..n.min(64)]));
        Ok(())
    });
}
