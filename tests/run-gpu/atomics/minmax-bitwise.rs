//! Atomic min/max (signed and unsigned, 32 and 64 bit), and/or/xor, swap,
//! and 8/16-bit atomics (which the backend emulates with a 32-bit CAS loop
//! on the containing word: neighbouring bytes must survive). 1024 threads
//! in 4 blocks of 256; thread id i.
//@ run-pass
// u32 max/min of i ^ 0x2AA: XOR with a constant permutes 0..1024 -> 1023 and 0
// (initial values 0 and u32::MAX).
//@ stdout: Output: u32 max 1023 min 0
// i32 of 3 * (i - 500): max 3 * 523 = 1569, min 3 * -500 = -1500.
//@ stdout: Output: i32 max 1569 min -1500
// u64 of (i << 40) | (1023 - i): max at i = 1023 -> 1023 << 40 = 1124800395214848; min at i = 0 -> 1023.
// i64 min of -(i^2) -> -(1023^2) = -1046529.
//@ stdout: Output: u64 max 1124800395214848 min 1023 i64 min -1046529
// or of 1 << (i % 29) sets bits 0..=28 -> 0x1fffffff; u64 or of 1 << (8 + i % 40) -> bits 8..=47 = 0xffffffffff00.
//@ stdout: Output: or 0x1fffffff 0xffffffffff00
// and of !(1 << (i % 31)) from u32::MAX clears bits 0..=30 -> 0x80000000.
//@ stdout: Output: and 0x80000000
// xor of i + 1 over i < 1024 = xor(1..=1024) = 1024 (xor(0..=n) = n when n % 4 == 0);
// u64 xor of (i + 1) << 20 = 1024 << 20 = 1073741824.
//@ stdout: Output: xor 1024 1073741824
// swap: every thread swaps in i and keeps the old value; the old values plus the final
// value are the initial 5000 plus each id once: 5000 + 1023*1024/2 = 5000 + 523776 = 528776.
//@ stdout: Output: swap invariant 528776
// u16 counters: thread i adds 1 to counter i % 2 -> 512 each; u8 counters in one word:
// threads i < 1000 add 1 to counter i % 4 -> 250 each.
//@ stdout: Output: narrow u16 512 512 u8 250 250 250 250
// i8 max/min of (i % 200) - 100 -> 99 and -100; AtomicBool fetch_or(i == 777) -> true.
//@ stdout: Output: narrow i8 max 99 min -100 bool true
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::sync::atomic::{
        AtomicBool, AtomicI32, AtomicI64, AtomicI8, AtomicU16, AtomicU32, AtomicU64, AtomicU8,
        Ordering::Relaxed,
    };

    gpu::kernel! {
        /// u32s: [max, min, or, and, xor, swap]; i32s: [max, min]; u64s: [max, min, or, xor];
        /// i64s: [min]; olds: one per thread.
        pub unsafe fn rmw(
            u32s: *mut u32,
            i32s: *mut i32,
            u64s: *mut u64,
            i64s: *mut i64,
            olds: *mut u32,
        ) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            let u = |k: usize| AtomicU32::from_ptr(u32s.add(k));
            u(0).fetch_max(i ^ 0x2AA, Relaxed);
            u(1).fetch_min(i ^ 0x2AA, Relaxed);
            u(2).fetch_or(1 << (i % 29), Relaxed);
            u(3).fetch_and(!(1 << (i % 31)), Relaxed);
            u(4).fetch_xor(i + 1, Relaxed);
            *olds.add(i as usize) = u(5).swap(i, Relaxed);
            let v = 3 * (i as i32 - 500);
            AtomicI32::from_ptr(i32s).fetch_max(v, Relaxed);
            AtomicI32::from_ptr(i32s.add(1)).fetch_min(v, Relaxed);
            let w = ((i as u64) << 40) | (1023 - i as u64);
            let l = |k: usize| AtomicU64::from_ptr(u64s.add(k));
            l(0).fetch_max(w, Relaxed);
            l(1).fetch_min(w, Relaxed);
            l(2).fetch_or(1 << (8 + i % 40), Relaxed);
            l(3).fetch_xor(((i + 1) as u64) << 20, Relaxed);
            AtomicI64::from_ptr(i64s).fetch_min(-((i * i) as i64), Relaxed);
        }
    }

    gpu::kernel! {
        /// u16s: 2 counters; u8s: 4 counters in one word; i8s: [max, min]; flag: one bool byte.
        pub unsafe fn narrow(u16s: *mut u16, u8s: *mut u8, i8s: *mut i8, flag: *mut bool) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            AtomicU16::from_ptr(u16s.add((i % 2) as usize)).fetch_add(1, Relaxed);
            if i < 1000 {
                AtomicU8::from_ptr(u8s.add((i % 4) as usize)).fetch_add(1, Relaxed);
            }
            let v = ((i % 200) as i32 - 100) as i8;
            AtomicI8::from_ptr(i8s).fetch_max(v, Relaxed);
            AtomicI8::from_ptr(i8s.add(1)).fetch_min(v, Relaxed);
            AtomicBool::from_ptr(flag).fetch_or(i == 777, Relaxed);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let cfg = LaunchConfig::grid_block(4, 256);
        let u32s = gpu.upload(&[0u32, u32::MAX, 0, u32::MAX, 0, 5000])?;
        let i32s = gpu.upload(&[i32::MIN, i32::MAX])?;
        let u64s = gpu.upload(&[0u64, u64::MAX, 0, 0])?;
        let i64s = gpu.upload(&[i64::MAX])?;
        let olds = gpu.zeros::<u32>(1024)?;
        module.kernel("rmw")?.launch(cfg, &[&u32s, &i32s, &u64s, &i64s, &olds])?;
        let (a, b, c, d) = (u32s.to_vec()?, i32s.to_vec()?, u64s.to_vec()?, i64s.to_vec()?);
        println!("Output: u32 max {} min {}", a[0], a[1]);
        println!("Output: i32 max {} min {}", b[0], b[1]);
        println!("Output: u64 max {} min {} i64 min {}", c[0], c[1], d[0]);
        println!("Output: or {:#x} {:#x}", a[2], c[2]);
        println!("Output: and {:#x}", a[3]);
        println!("Output: xor {} {}", a[4], c[3]);
        let olds: u64 = olds.to_vec()?.iter().map(|&v| v as u64).sum();
        println!("Output: swap invariant {}", olds + a[5] as u64);

        let u16s = gpu.zeros::<u16>(2)?;
        let u8s = gpu.zeros::<u8>(4)?;
        let i8s = gpu.upload(&[i8::MIN, i8::MAX])?;
        let flag = gpu.zeros::<u8>(1)?;
        module.kernel("narrow")?.launch(cfg, &[&u16s, &u8s, &i8s, &flag])?;
        let (h, b8, s8) = (u16s.to_vec()?, u8s.to_vec()?, i8s.to_vec()?);
        println!(
            "Output: narrow u16 {} {} u8 {} {} {} {}",
            h[0], h[1], b8[0], b8[1], b8[2], b8[3]
        );
        println!(
            "Output: narrow i8 max {} min {} bool {}",
            s8[0],
            s8[1],
            flag.to_vec()?[0] == 1
        );
        Ok(())
    });
}
