//! Per-architecture specialisation with `cfg(target_feature = "sm_80")`:
//! on sm_80 and newer the warp sum uses `redux.sync.add`, on older targets a
//! `shfl.sync.bfly` butterfly. Both paths must give the same answer; the
//! kernel also reports which path it was compiled with, and the host checks
//! that against the `.target` line of the PTX file it loaded.
//@ run-pass
// Lanes hold lane + 1: 1 + 2 + ... + 32 = 32 * 33 / 2 = 528 in every lane.
//@ stdout: Output: sum 528 in 32 of 32 lanes
//@ stdout: Output: compiled path matches the PTX .target
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

    extern "C" {
        #[cfg(target_feature = "sm_80")]
        #[link_name = "llvm.nvvm.redux.sync.add"]
        fn redux_add(v: u32, mask: u32) -> u32;
        #[cfg(not(target_feature = "sm_80"))]
        #[link_name = "llvm.nvvm.shfl.sync.bfly.i32"]
        fn shfl_bfly(mask: u32, val: u32, lane_mask: u32, clamp: u32) -> u32;
    }

    #[cfg(target_feature = "sm_80")]
    unsafe fn warp_sum(v: u32) -> (u32, u32) {
        (redux_add(v, 0xFFFF_FFFF), 1)
    }

    #[cfg(not(target_feature = "sm_80"))]
    unsafe fn warp_sum(v: u32) -> (u32, u32) {
        let mut s = v;
        let mut m = 16;
        while m > 0 {
            s += shfl_bfly(0xFFFF_FFFF, s, m, 0x1f);
            m /= 2;
        }
        (s, 0)
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn specialized(sums: *mut u32, path: *mut u32) {
        let lane = _thread_idx_x();
        let (s, used_redux) = warp_sum(lane + 1);
        *sums.add(lane as usize) = s;
        if lane == 0 {
            *path = used_redux;
        }
    }
}

#[cfg(not(target_arch = "nvptx64"))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let (sums, path) = (gpu.zeros::<u32>(32)?, gpu.filled(1, 7u32)?);
        module.kernel("specialized")?.launch(LaunchConfig::single_block(32), &[&sums, &path])?;
        let s = sums.to_vec()?;
        let agree = s.iter().filter(|&&v| v == s[0]).count();
        println!("Output: sum {} in {agree} of 32 lanes", s[0]);

        // `.target sm_90a` -> 90: the redux path is expected from sm_80 on.
        let ptx = std::fs::read_to_string(std::env::var_os(host_runtime::PTX_ENV_VAR).unwrap_or_default())
            .unwrap_or_default();
        let sm: u32 = ptx
            .lines()
            .find_map(|l| l.trim().strip_prefix(".target sm_"))
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_digit()).collect::<String>())
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        let want = (sm >= 80) as u32;
        let got = path.to_vec()?[0];
        if sm != 0 && got == want {
            println!("Output: compiled path matches the PTX .target");
        } else {
            println!("Output: .target sm_{sm} but the kernel reports path {got}");
        }
        Ok(())
    });
}
