//! A planted bug for the emulator's initcheck: a kernel copies a buffer
//! that `cuMemAlloc` returned and nothing ever wrote (no host copy, no
//! memset, no device store). On a GPU the copy succeeds and moves garbage;
//! with initcheck the emulator stops the launch at the first load of an
//! uninitialized byte, thread 0's 4-byte load of element 0 (lanes run in
//! order), with CUDA_ERROR_LAUNCH_FAILED and a line naming the tool. The
//! same kernel on an uploaded buffer succeeds first. The finding is the
//! emulator's, so this test always executes there.
//@ sanitize: initcheck
//@ run-fail: initcheck
//@ run-fail-stderr: (?m)^ptx-emu: CUDA_ERROR_LAUNCH_FAILED in kernel `copy` at PTX line [0-9]+, block \[0, 0, 0\] thread \[0, 0, 0\]: initcheck: load of 4 bytes at 0x[0-9a-f]+ reads 4 uninitialized byte\(s\) of the 16-byte cuMemAlloc allocation
//@ run-fail-stderr: kernel `copy` failed: CUDA_ERROR_LAUNCH_FAILED
//@ exit-code: 1
// The good launch copies the uploaded 1 2 3 4 into the zeroed output.
//@ stdout: Output: 1 2 3 4
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn copy(src: *const u32, dst: *mut u32) {
            let i = gpu::thread_idx_x() as usize;
            *dst.add(i) = *src.add(i);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::cudarc::driver::sys;
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let k = module.kernel("copy")?;
        let src = gpu.upload(&[1u32, 2, 3, 4])?;
        let dst = gpu.zeros::<u32>(4)?;
        k.launch(LaunchConfig::single_block(4), &[&src, &dst])?;
        let out: Vec<String> = dst.to_vec()?.iter().map(u32::to_string).collect();
        println!("Output: {}", out.join(" "));

        // 16 bytes straight from the driver: host_runtime's buffers are
        // always written (upload, zeros), so this one comes from cuMemAlloc
        // itself. The context is current: the calls above bound it.
        let mut raw: sys::CUdeviceptr = 0;
        // SAFETY: a valid out-pointer, and a current context.
        let r = unsafe { sys::cuMemAlloc_v2(&mut raw, 16) };
        host_runtime::ensure!(r == sys::CUresult::CUDA_SUCCESS, "cuMemAlloc: {r:?}");
        let never_written = DevicePtr::<u32>::from_addr(raw);
        k.launch(LaunchConfig::single_block(4), &[&never_written, &dst])?;
        println!("Output: the uninitialized read was not reported");
        Ok(())
    });
}
