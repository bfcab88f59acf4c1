//! A planted bug for the emulator's synccheck: lanes 16–31 of the warp
//! return early, and lanes 0–15 then shuffle with a full-warp member mask
//! (0xffffffff), which names the 16 lanes that exited. The PTX ISA leaves
//! that undefined (every lane named must execute the shuffle); a GPU
//! usually completes it, and so does the emulator without synccheck, but
//! synccheck reports the exited lanes. The same shuffle with the mask of
//! the lanes that take part (0x0000ffff) runs clean first. The finding is
//! the emulator's, so this test always executes there.
//@ sanitize: synccheck
//@ run-fail: synccheck
//@ run-fail-stderr: synccheck: shfl\.sync at PTX line [0-9]+: its member mask 0xffffffff names lanes 16-31 that exited
//@ run-fail-stderr: kernel `rotate` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// With the mask of lanes 0-15: lane t reads lane (t + 1) mod 16's value
// t' + 100: lane 0 gets 101, lane 15 gets 100, and the 16 values sum to
// 16*100 + 15*16/2 = 1720.
//@ stdout: Output: 101 100 1720
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn rotate(mask: u32, out: *mut u32) {
            let t = gpu::thread_idx_x();
            if t >= 16 {
                return;
            }
            let v = gpu::shfl_sync_idx_i32(mask, (t + 100) as i32, (t + 1) % 16, 0x1f);
            *out.add(t as usize) = v as u32;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("rotate")?;
        let out = gpu.zeros::<u32>(16)?;
        k.launch(LaunchConfig::single_block(32), &[&0x0000_ffffu32, &out])?;
        let v = out.to_vec()?;
        println!("Output: {} {} {}", v[0], v[15], v.iter().sum::<u32>());
        k.launch(LaunchConfig::single_block(32), &[&0xffff_ffffu32, &out])?;
        println!("Output: the exited lanes in the mask were not reported");
        Ok(())
    });
}
