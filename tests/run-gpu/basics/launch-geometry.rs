//! A 3-D launch: grid (2, 3, 4) of blocks (4, 2, 2). Each thread writes its
//! linearized global id into its own slot, and thread (0,0,0) of the last
//! block records every dimension register it can see.
//@ run-pass
// gridDim = (2,3,4), blockDim = (4,2,2), last block index = (1,2,3).
//@ stdout: Output: grid 2 3 4 block 4 2 2 last-block 1 2 3
// 2*3*4 blocks * 4*2*2 threads = 24 * 16 = 384 threads; slot k holds k + 1.
//@ stdout: Output: 384 of 384 slots hold their id
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn geometry(ids: *mut u32, dims: *mut u32) {
            let block = (gpu::block_idx_z() * gpu::grid_dim_y() + gpu::block_idx_y()) * gpu::grid_dim_x() + gpu::block_idx_x();
            let thread = (gpu::thread_idx_z() * gpu::block_dim_y() + gpu::thread_idx_y()) * gpu::block_dim_x() + gpu::thread_idx_x();
            let per_block = gpu::block_dim_x() * gpu::block_dim_y() * gpu::block_dim_z();
            let id = block * per_block + thread;
            *ids.add(id as usize) = id + 1;
            let last = gpu::block_idx_x() == gpu::grid_dim_x() - 1
                && gpu::block_idx_y() == gpu::grid_dim_y() - 1
                && gpu::block_idx_z() == gpu::grid_dim_z() - 1;
            if last && thread == 0 {
                let d = [
                    gpu::grid_dim_x(),
                    gpu::grid_dim_y(),
                    gpu::grid_dim_z(),
                    gpu::block_dim_x(),
                    gpu::block_dim_y(),
                    gpu::block_dim_z(),
                    gpu::block_idx_x(),
                    gpu::block_idx_y(),
                    gpu::block_idx_z(),
                ];
                for (k, v) in d.iter().enumerate() {
                    *dims.add(k) = *v;
                }
            }
        }
    }
}

#[cfg(not(gpu_device))]
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
