//! A 4-byte store at a byte offset the compiler cannot see: offset 4 is
//! aligned and succeeds first; offset 2 makes the `st.u32` address 2 mod 4,
//! which faults with CUDA_ERROR_MISALIGNED_ADDRESS (the PTX manual requires
//! every access to be aligned to its size). The host exits 1.
//@ run-fail: CUDA_ERROR_MISALIGNED_ADDRESS
//@ run-fail-stderr: kernel `store_at` failed: CUDA_ERROR_MISALIGNED_ADDRESS
//@ exit-code: 1
// 0xAABBCCDD stored little-endian at bytes 4..8 of a zeroed 16-byte buffer:
// byte 4 = 0xDD, byte 7 = 0xAA; bytes 0..4 stay 0.
//@ stdout: Output: bytes 0 0 221 170
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn store_at(buf: *mut u8, offset: u64, v: u32) {
            (buf.add(offset as usize) as *mut u32).write_volatile(v);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("store_at")?;
        let buf = gpu.zeros::<u8>(16)?;
        k.launch(LaunchConfig::single_thread(), &[&buf, &4u64, &0xAABB_CCDDu32])?;
        let b = buf.to_vec()?;
        println!("Output: bytes {} {} {} {}", b[0], b[3], b[4], b[7]);
        k.launch(LaunchConfig::single_thread(), &[&buf, &2u64, &0x1122_3344u32])?;
        println!("Output: the store at offset 2 did not fault");
        Ok(())
    });
}
