//! `redux.sync` warp reductions (sm_80 and newer) through
//! `gpu::redux_sync_*`: add, unsigned min/max, and/or/xor over one warp.
//! The kernel is compiled only where the target has the instruction.
//@ min-sm: 80
//@ run-pass
// lane^2 summed over 0..32 = 31*32*63/6 = 10416.
// (lane * 5) % 32 permutes 0..32 (5 is odd) -> umax 31, umin 0.
// and of (lane | 0x100) = 0x100 (lane 0 clears the low bits) = 256;
// or of (1 << (lane % 8)) = 0xff = 255; xor of lane over 0..=31 = 0 (31 % 4 == 3),
// xor of (lane + 1) over 1..=32 = 32 (32 % 4 == 0).
//@ stdout: Output: add 10416 umax 31 umin 0 and 256 or 255 xor 0 32
// Every lane receives the result: 32 of 32 lanes saw 10416.
//@ stdout: Output: 32 of 32 lanes agree
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn redux(out: *mut u32, lanes: *mut u32) {
            const FULL: u32 = 0xFFFF_FFFF;
            let lane = gpu::thread_idx_x();
            let sum = gpu::redux_sync_add(lane * lane, FULL);
            *lanes.add(lane as usize) = sum;
            let r = [
                sum,
                gpu::redux_sync_umax((lane * 5) % 32, FULL),
                gpu::redux_sync_umin((lane * 5) % 32, FULL),
                gpu::redux_sync_and(lane | 0x100, FULL),
                gpu::redux_sync_or(1 << (lane % 8), FULL),
                gpu::redux_sync_xor(lane, FULL),
                gpu::redux_sync_xor(lane + 1, FULL),
            ];
            if lane == 0 {
                for (k, v) in r.iter().enumerate() {
                    *out.add(k) = *v;
                }
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let (out, lanes) = (gpu.zeros::<u32>(7)?, gpu.zeros::<u32>(32)?);
        module.kernel("redux")?.launch(LaunchConfig::single_block(32), &[&out, &lanes])?;
        let v = out.to_vec()?;
        println!(
            "Output: add {} umax {} umin {} and {} or {} xor {} {}",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6]
        );
        let agree = lanes.to_vec()?.iter().filter(|&&s| s == v[0]).count();
        println!("Output: {agree} of 32 lanes agree");
        Ok(())
    });
}
