//! A planted bug for the emulator's initcheck: a kernel reads memory it
//! just got from device `malloc`, before writing it. A GPU returns whatever
//! the heap held; initcheck stops the launch at the load. The kernel that
//! writes before it reads runs clean first.
//@ sanitize: initcheck
//@ run-fail: initcheck
//@ run-fail-stderr: initcheck: load of 4 bytes at 0x[0-9a-f]+ reads 4 uninitialized byte\(s\) of the 16-byte device-malloc allocation
//@ run-fail-stderr: kernel `fresh` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// Written with 7 then read: 7.
//@ stdout: Output: 7
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn fresh(write_first: u32, out: *mut u32) {
            let p = gpu::malloc(16) as *mut u32;
            if p.is_null() {
                return;
            }
            if write_first != 0 {
                p.write_volatile(7);
            }
            *out = p.read_volatile();
            gpu::free(p as *mut _);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("fresh")?;
        let out = gpu.zeros::<u32>(1)?;
        k.launch(LaunchConfig::single_thread(), &[&1u32, &out])?;
        println!("Output: {}", out.to_vec()?[0]);
        k.launch(LaunchConfig::single_thread(), &[&0u32, &out])?;
        println!("Output: the uninitialized heap read was not reported");
        Ok(())
    });
}
