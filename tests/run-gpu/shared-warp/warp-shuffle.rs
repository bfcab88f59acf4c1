//! Warp-level primitives through LLVM intrinsics
//! (`#![feature(link_llvm_intrinsics)]`): a butterfly all-reduce with
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
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx, link_llvm_intrinsics))]
#![cfg_attr(target_arch = "nvptx64", allow(internal_features))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    use core::arch::nvptx::*;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { trap() }
    }

    const FULL: u32 = 0xFFFF_FFFF;

    extern "C" {
        #[link_name = "llvm.nvvm.shfl.sync.bfly.i32"]
        fn shfl_bfly(mask: u32, val: i32, lane_mask: u32, clamp: u32) -> i32;
        #[link_name = "llvm.nvvm.shfl.sync.idx.i32"]
        fn shfl_idx(mask: u32, val: i32, src_lane: u32, clamp: u32) -> i32;
        #[link_name = "llvm.nvvm.shfl.sync.up.i32"]
        fn shfl_up(mask: u32, val: i32, delta: u32, clamp: u32) -> i32;
        #[link_name = "llvm.nvvm.vote.ballot.sync"]
        fn ballot(mask: u32, pred: bool) -> u32;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn warp_ops(x: *const i32, sums: *mut i32, all: *mut i32, bcast: *mut i32, scan: *mut i32, votes: *mut u32) {
        let tid = _thread_idx_x();
        let lane = tid % 32;
        let warp = tid / 32;
        let v = *x.add(tid as usize);

        let mut s = v;
        let mut m = 16;
        while m > 0 {
            s += shfl_bfly(FULL, s, m, 0x1f);
            m /= 2;
        }
        *all.add(tid as usize) = s;
        if lane == 0 {
            *sums.add(warp as usize) = s;
        }

        let b = shfl_idx(FULL, v, 7, 0x1f);
        if lane == 0 {
            *bcast.add(warp as usize) = b;
        }

        if warp == 0 {
            let mut acc = v;
            let mut d = 1;
            while d < 32 {
                let up = shfl_up(FULL, acc, d, 0);
                if lane >= d {
                    acc += up;
                }
                d *= 2;
            }
            *scan.add(lane as usize) = acc;
        }

        let bits = ballot(FULL, lane % 3 == 0);
        if tid == 0 {
            *votes = bits;
        }
    }
}

#[cfg(not(target_arch = "nvptx64"))]
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
