//! Device-side heap: `gpu::malloc` and `gpu::free`. Each of 256
//! threads allocates (t + 1) u64s, fills them with k + t, sums them and
//! frees the block. A second kernel allocates in one launch and frees in
//! another, handing the pointer over through global memory.
//@ run-pass
// Thread t: sum_{k=0..=t} (k + t) = t(t+1)/2 + t(t+1) = 3t(t+1)/2; every thread checked.
//@ stdout: Output: 256 of 256 sums match, 0 null allocations, 256 aligned to 16
// sum over t < 256 of 3t(t+1)/2 = 1.5 * (255*256*511/6 + 255*256/2) = 1.5 * (5559680 + 32640) = 8388480.
//@ stdout: Output: total 8388480
// Cross-launch: allocate 4 u32 holding 7 8 9 10 -> sum 34 read in the second launch, then freed.
//@ stdout: Output: cross-launch 34
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ffi::c_void;

    gpu::kernel! {
        pub unsafe fn heap(sums: *mut u64, nulls: *mut u32, aligned: *mut u32) {
            let t = gpu::thread_idx_x() as u64;
            let len = (t + 1) as usize;
            let p = gpu::malloc(len * core::mem::size_of::<u64>()) as *mut u64;
            if p.is_null() {
                *nulls.add(t as usize) = 1;
                return;
            }
            *aligned.add(t as usize) = (p as usize % 16 == 0) as u32;
            for k in 0..len {
                *p.add(k) = k as u64 + t;
            }
            let mut s = 0;
            for k in 0..len {
                s += *p.add(k);
            }
            *sums.add(t as usize) = s;
            gpu::free(p as *mut c_void);
        }
    }

    gpu::kernel! {
        pub unsafe fn alloc_keep(slot: *mut *mut u32) {
            let p = gpu::malloc(4 * core::mem::size_of::<u32>()) as *mut u32;
            if !p.is_null() {
                for k in 0..4 {
                    *p.add(k) = 7 + k as u32;
                }
            }
            *slot = p;
        }
    }

    gpu::kernel! {
        pub unsafe fn sum_free(slot: *const *mut u32, out: *mut u32) {
            let p = *slot;
            if p.is_null() {
                *out = u32::MAX;
                return;
            }
            *out = (0..4).map(|k| *p.add(k)).sum();
            gpu::free(p as *mut c_void);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let sums = gpu.zeros::<u64>(256)?;
        let nulls = gpu.zeros::<u32>(256)?;
        let aligned = gpu.zeros::<u32>(256)?;
        module
            .kernel("heap")?
            .launch(LaunchConfig::single_block(256), &[&sums, &nulls, &aligned])?;
        let s = sums.to_vec()?;
        let ok = (0..256u64).filter(|&t| s[t as usize] == 3 * t * (t + 1) / 2).count();
        let n: u32 = nulls.to_vec()?.iter().sum();
        let a: u32 = aligned.to_vec()?.iter().sum();
        println!("Output: {ok} of 256 sums match, {n} null allocations, {a} aligned to 16");
        println!("Output: total {}", s.iter().sum::<u64>());

        let slot = gpu.zeros::<u64>(1)?;
        let out = gpu.zeros::<u32>(1)?;
        module.kernel("alloc_keep")?.launch(LaunchConfig::single_thread(), &[&slot])?;
        module.kernel("sum_free")?.launch(LaunchConfig::single_thread(), &[&slot, &out])?;
        println!("Output: cross-launch {}", out.to_vec()?[0]);
        Ok(())
    });
}
