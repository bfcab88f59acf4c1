//! Per-architecture specialisation with `cfg(gpu_sm = "80")` (set by the
//! harness on every backend for sm_80 and newer):
//! on sm_80 and newer the warp sum uses `redux.sync.add`, on older targets a
//! `shfl.sync.bfly` butterfly. Both paths must give the same answer; the
//! kernel also reports which path it was compiled with, and the host checks
//! that against the `.target` line of the PTX file it loaded.
//@ run-pass
// Lanes hold lane + 1: 1 + 2 + ... + 32 = 32 * 33 / 2 = 528 in every lane.
//@ stdout: Output: sum 528 in 32 of 32 lanes
//@ stdout: Output: compiled path matches the PTX .target
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    // Not `target_feature = "sm_80"`: that is rustc's NVPTX target's cfg, and
    // a backend that compiles device code for the host triple never sets it.
    #[cfg(gpu_sm = "80")]
    unsafe fn warp_sum(v: u32) -> (u32, u32) {
        (gpu::redux_sync_add(v, 0xFFFF_FFFF), 1)
    }

    #[cfg(not(gpu_sm = "80"))]
    unsafe fn warp_sum(v: u32) -> (u32, u32) {
        let mut s = v;
        let mut m = 16;
        while m > 0 {
            s += gpu::shfl_sync_bfly_i32(0xFFFF_FFFF, s as i32, m, 0x1f) as u32;
            m /= 2;
        }
        (s, 0)
    }

    gpu::kernel! {
        pub unsafe fn specialized(sums: *mut u32, path: *mut u32) {
            let lane = gpu::thread_idx_x();
            let (s, used_redux) = warp_sum(lane + 1);
            *sums.add(lane as usize) = s;
            if lane == 0 {
                *path = used_redux;
            }
        }
    }
}

#[cfg(not(gpu_device))]
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
