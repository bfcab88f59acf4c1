//! Device printf: thread 0 calls `gpu::vprintf` with a
//! NUL-terminated format and a pointer to a `#[repr(C)]` struct holding the
//! arguments. The GPU's printf buffer reaches the process's stdout when the
//! context synchronizes. The host prints nothing to stdout itself: the
//! driver writes through C stdio, so host `println!` lines could interleave
//! in either order.
//@ run-pass
// 6 * 7 computed on the device from the two parameters.
//@ stdout: Output: 42
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ffi::c_void;

    #[repr(C)]
    struct Args {
        value: i32,
    }

    gpu::kernel! {
        pub unsafe fn hello(a: i32, b: i32) {
            if gpu::thread_idx_x() == 0 && gpu::block_idx_x() == 0 {
                let args = Args { value: a * b };
                gpu::vprintf(b"Output: %d\n\0".as_ptr(), &args as *const Args as *const c_void);
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        module.kernel("hello")?.launch(LaunchConfig::grid_block(2, 64), &[&6i32, &7i32])?;
        gpu.synchronize()?;
        eprintln!("host: kernel finished");
        Ok(())
    });
}
