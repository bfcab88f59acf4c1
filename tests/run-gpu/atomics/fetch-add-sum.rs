//! 65536 threads (256 blocks x 256) hammer a handful of global atomics with
//! `fetch_add`/`fetch_sub` at 32 and 64 bits, through both
//! `AtomicU32::from_ptr` and `&*(ptr as *const AtomicU64)`. The value
//! `fetch_add` returns is a ticket: all 65536 tickets must be distinct.
//! Both memory orderings must give identical results.
//@ revisions: relaxed seqcst
//@ run-pass
// Tickets 0..65536, each exactly once (checked on the host).
//@ stdout: Output: count 65536, tickets unique 65536
// sum i for i < 65536 = 65536*65535/2 = 2147450880 (fits u32 and u64).
//@ stdout: Output: sum32 2147450880 sum64 2147450880
// sum i^2 = 65535*65536*131071/6 = 93822844764160 = 21844*2^32 + 3579150336; the u32 wraps -> 3579150336.
//@ stdout: Output: sum of squares mod 2^32 3579150336
// sum i^3 = (sum i)^2 = 2147450880^2 = 4611545282012774400 (< 2^63, no wrap).
//@ stdout: Output: sum of cubes 4611545282012774400
// i64: sum (i - 32768) = 2147450880 - 65536*32768 = 2147450880 - 2147483648 = -32768.
// fetch_sub: 10^12 - 65536 * 3 = 999999803392.
//@ stdout: Output: signed -32768 sub 999999803392
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};

    #[cfg(relaxed)]
    const ORD: Ordering = Ordering::Relaxed;
    #[cfg(seqcst)]
    const ORD: Ordering = Ordering::SeqCst;

    gpu::kernel! {
        /// acc32: [count, sum, sum of squares]; acc64: [sum, sum of cubes, countdown]; signed: [sum].
        pub unsafe fn accumulate(acc32: *mut u32, acc64: *mut u64, signed: *mut i64, tickets: *mut u32) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            let count = AtomicU32::from_ptr(acc32);
            let ticket = count.fetch_add(1, ORD);
            *tickets.add(i as usize) = ticket;
            AtomicU32::from_ptr(acc32.add(1)).fetch_add(i, ORD);
            AtomicU32::from_ptr(acc32.add(2)).fetch_add(i.wrapping_mul(i), ORD);
            let a64 = &*(acc64 as *const AtomicU64);
            a64.fetch_add(i as u64, ORD);
            let i64v = i as u64;
            (*(acc64.add(1) as *const AtomicU64)).fetch_add(i64v * i64v * i64v, ORD);
            (*(acc64.add(2) as *const AtomicU64)).fetch_sub(3, ORD);
            AtomicI64::from_ptr(signed).fetch_add(i as i64 - 32768, ORD);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 65536usize;
        let acc32 = gpu.zeros::<u32>(3)?;
        let acc64 = gpu.upload(&[0u64, 0, 1_000_000_000_000])?;
        let signed = gpu.zeros::<i64>(1)?;
        let tickets = gpu.zeros::<u32>(n)?;
        module.kernel("accumulate")?.launch(
            LaunchConfig::grid_block(256, 256),
            &[&acc32, &acc64, &signed, &tickets],
        )?;
        let (a, b) = (acc32.to_vec()?, acc64.to_vec()?);
        let mut seen = vec![false; n];
        for &t in &tickets.to_vec()? {
            if (t as usize) < n {
                seen[t as usize] = true;
            }
        }
        let unique = seen.iter().filter(|&&s| s).count();
        println!("Output: count {}, tickets unique {unique}", a[0]);
        println!("Output: sum32 {} sum64 {}", a[1], b[0]);
        println!("Output: sum of squares mod 2^32 {}", a[2]);
        println!("Output: sum of cubes {}", b[1]);
        println!("Output: signed {} sub {}", signed.to_vec()?[0], b[2]);
        Ok(())
    });
}
