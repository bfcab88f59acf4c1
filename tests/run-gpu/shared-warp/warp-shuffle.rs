//! Warp-level primitives (`gpu::shfl_sync_*`, `gpu::vote_sync_ballot`):
//! a butterfly all-reduce with
//! `shfl.sync.bfly`, a broadcast with `shfl.sync.idx`, an inclusive scan
//! with `shfl.sync.up`, and `vote.sync.ballot`. One block of 4 warps.
//@ run-pass
// Warp w's lanes hold 100w + lane + 1: sum = 3200w + 32*33/2 = 3200w + 528 -> 528 3728 6928 10128,
// and after the butterfly every lane holds its warp's sum (128 of 128 lanes agree).
//@ stdout: Output: warp sums 528 3728 6928 10128, 128 of 128 lanes agree
// Broadcast of lane 7's value: 100w + 8 -> 8 108 208 308.
//@ stdout: Output: broadcast 8 108 208 308
// Inclusive scan of 1..=32 within warp 0: lane l holds (l+1)(l+2)/2; lane 31 -> 528; all lanes checked.
//@ stdout: Output: scan 32 of 32 match, lane31 528
// Ballot of (lane % 3 == 0): lanes 0,3,...,30 -> sum of 8^k for k = 0..=10 = (8^11 - 1)/7
// = 1227133513 = 0x49249249.
//@ stdout: Output: ballot 0x49249249
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    const FULL: u32 = 0xFFFF_FFFF;

    gpu::kernel! {
        pub unsafe fn warp_ops(x: *const i32, sums: *mut i32, all: *mut i32, bcast: *mut i32, scan: *mut i32, votes: *mut u32) {
            let tid = gpu::thread_idx_x();
            let lane = tid % 32;
            let warp = tid / 32;
            let v = *x.add(tid as usize);

            let mut s = v;
            let mut m = 16;
            while m > 0 {
                s += gpu::shfl_sync_bfly_i32(FULL, s, m, 0x1f);
                m /= 2;
            }
            *all.add(tid as usize) = s;
            if lane == 0 {
                *sums.add(warp as usize) = s;
            }

            let b = gpu::shfl_sync_idx_i32(FULL, v, 7, 0x1f);
            if lane == 0 {
                *bcast.add(warp as usize) = b;
            }

            if warp == 0 {
                let mut acc = v;
                let mut d = 1;
                while d < 32 {
                    let up = gpu::shfl_sync_up_i32(FULL, acc, d, 0);
                    if lane >= d {
                        acc += up;
                    }
                    d *= 2;
                }
                *scan.add(lane as usize) = acc;
            }

            let bits = gpu::vote_sync_ballot(FULL, lane % 3 == 0);
            if tid == 0 {
                *votes = bits;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let x: Vec<i32> = (0..128).map(|t| 100 * (t / 32) + t % 32 + 1).collect();
        let dx = gpu.upload(&x)?;
        let (sums, all, bcast) = (gpu.zeros::<i32>(4)?, gpu.zeros::<i32>(128)?, gpu.zeros::<i32>(4)?);
        let (scan, votes) = (gpu.zeros::<i32>(32)?, gpu.zeros::<u32>(1)?);
        module.kernel("warp_ops")?.launch(
            LaunchConfig::single_block(128),
            &[&dx, &sums, &all, &bcast, &scan, &votes],
        )?;
        let s = sums.to_vec()?;
        let a = all.to_vec()?;
        let agree = (0..128).filter(|&t| a[t] == s[t / 32]).count();
        println!("Output: warp sums {} {} {} {}, {agree} of 128 lanes agree", s[0], s[1], s[2], s[3]);
        let b = bcast.to_vec()?;
        println!("Output: broadcast {} {} {} {}", b[0], b[1], b[2], b[3]);
        let sc = scan.to_vec()?;
        let ok = (0..32).filter(|&l| sc[l] == ((l + 1) * (l + 2) / 2) as i32).count();
        println!("Output: scan {ok} of 32 match, lane31 {}", sc[31]);
        println!("Output: ballot {:#x}", votes.to_vec()?[0]);
        Ok(())
    });
}
