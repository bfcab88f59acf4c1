//! The minimal run-gpu test shown in the README (keep the two equal).
//@ run-pass
//@ stdout: 2 4 6 8
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { core::arch::nvptx::trap() }
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn double(v: *mut u32) {
        let i = core::arch::nvptx::_thread_idx_x() as usize;
        *v.add(i) *= 2;
    }
}

#[cfg(not(target_arch = "nvptx64"))]
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
