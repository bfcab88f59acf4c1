//! A 3-D launch: grid (2, 3, 4) of blocks (4, 2, 2). Each thread writes its
//! linearized global id into its own slot, and thread (0,0,0) of the last
//! block records every dimension register it can see.
//@ run-pass
// gridDim = (2,3,4), blockDim = (4,2,2), last block index = (1,2,3).
//@ stdout: Output: grid 2 3 4 block 4 2 2 last-block 1 2 3
// 2*3*4 blocks * 4*2*2 threads = 24 * 16 = 384 threads; slot k holds k + 1.
//@ stdout: Output: 384 of 384 slots hold their id
#![cfg_attr(target_arch = "nvptx64", no_std)]
#![cfg_attr(target_arch = "nvptx64", feature(abi_ptx, stdarch_nvptx))]

#[cfg(target_arch = "nvptx64")]
pub mod device {
    use core::arch::nvptx::*;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unsafe { trap() }
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn geometry(ids: *mut u32, dims: *mut u32) {
        let block = (_block_idx_z() * _grid_dim_y() + _block_idx_y()) * _grid_dim_x() + _block_idx_x();
        let thread = (_thread_idx_z() * _block_dim_y() + _thread_idx_y()) * _block_dim_x() + _thread_idx_x();
        let per_block = _block_dim_x() * _block_dim_y() * _block_dim_z();
        let id = block * per_block + thread;
        *ids.add(id as usize) = id + 1;
        let last = _block_idx_x() == _grid_dim_x() - 1
            && _block_idx_y() == _grid_dim_y() - 1
            && _block_idx_z() == _grid_dim_z() - 1;
        if last && thread == 0 {
            let d = [
                _grid_dim_x(),
                _grid_dim_y(),
                _grid_dim_z(),
                _block_dim_x(),
                _block_dim_y(),
                _block_dim_z(),
                _block_idx_x(),
                _block_idx_y(),
                _block_idx_z(),
            ];
            for (k, v) in d.iter().enumerate() {
                *dims.add(k) = *v;
            }
        }
    }
}

#[cfg(not(target_arch = "nvptx64"))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let ids = gpu.zeros::<u32>(384)?;
        let dims = gpu.zeros::<u32>(9)?;
        let cfg = LaunchConfig::grid_block((2, 3, 4), (4, 2, 2));
        module.kernel("geometry")?.launch(cfg, &[&ids, &dims])?;
        let d = dims.to_vec()?;
        println!(
            "Output: grid {} {} {} block {} {} {} last-block {} {} {}",
            d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]
        );
        let v = ids.to_vec()?;
        let ok = v.iter().enumerate().filter(|(k, &x)| x == *k as u32 + 1).count();
        println!("Output: {ok} of 384 slots hold their id");
        Ok(())
    });
}
