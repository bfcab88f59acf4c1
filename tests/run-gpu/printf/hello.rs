//! Device printf: thread 0 calls `core::arch::nvptx::vprintf` with a
//! NUL-terminated format and a pointer to a `#[repr(C)]` struct holding the
//! arguments. The GPU's printf buffer reaches the process's stdout when the
//! context synchronizes. The host prints nothing to stdout itself: the
//! driver writes through C stdio, so host `println!` lines could interleave
//! in either order.
//@ run-pass
// 6 * 7 computed on the device from the two parameters.
//@ stdout: Output: 42
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    use core::arch::nvptx::*;
    use core::ffi::c_void;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { trap() }
    }

    #[repr(C)]
    struct Args {
        value: i32,
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn hello(a: i32, b: i32) {
        if _thread_idx_x() == 0 && _block_idx_x() == 0 {
            let args = Args { value: a * b };
            vprintf(b"Output: %d\n\0".as_ptr(), &args as *const Args as *const c_void);
        }
    }
}

#[cfg(not(target_arch = "nvptx64"))]
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
