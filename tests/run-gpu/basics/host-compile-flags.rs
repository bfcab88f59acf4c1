//! `host-compile-flags` reach the host half's rustc build: the `--cfg` given
//! here is set in `main` only (the device half doesn't see it), and the
//! `-Copt-level=0` after the default `-Copt-level=1` is accepted.
//@ sm: 80
//@ run-pass
//@ host-compile-flags: --cfg host_flag -Copt-level=0
//@ stdout: Output: host_flag on the host, 7 from the device
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn seven(out: *mut u32) {
            *out = if cfg!(host_flag) { 1 } else { 7 };
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<u32>(1)?;
        module.kernel("seven")?.launch(LaunchConfig::single_thread(), &[&out])?;
        let flag = if cfg!(host_flag) { "host_flag on the host" } else { "no host_flag" };
        println!("Output: {flag}, {} from the device", out.to_vec()?[0]);
        Ok(())
    });
}
