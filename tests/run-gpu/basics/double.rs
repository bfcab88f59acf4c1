//! The minimal run-gpu test shown in the README (keep the two equal).
//@ run-pass
//@ stdout: 2 4 6 8
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn double(v: *mut u32) {
            let i = gpu::thread_idx_x() as usize;
            *v.add(i) *= 2;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?; // the PTX the harness built ($HOST_RUNTIME_PTX)
        let v = gpu.upload(&[1u32, 2, 3, 4])?;
        module.kernel("double")?.launch(LaunchConfig::single_block(4), &[&v])?;
        let out: Vec<String> = v.to_vec()?.iter().map(u32::to_string).collect();
        println!("{}", out.join(" "));
        Ok(())
    });
}
