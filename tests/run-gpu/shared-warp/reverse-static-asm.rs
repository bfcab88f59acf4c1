//! Static shared memory (`gpu::static_shared!`; in PTX `.shared .align 4 .b8
//! tile[1024]`, address taken with `cvta.shared.u64`): every block of 256
//! threads stages its slice in the tile, synchronizes, and writes it back
//! reversed. Each block must see its own tile.
//@ run-pass
// 8 blocks, x[i] = i * 3 + 1: out[256b + t] = x[256b + 255 - t]; all 2048 checked on the host.
//@ stdout: Output: 2048 of 2048 reversed within their block
// out[0] = x[255] = 766; out[255] = x[0] = 1; out[256] = x[511] = 1534; out[2047] = x[1792] = 5377.
//@ stdout: Output: out[0]=766 out[255]=1 out[256]=1534 out[2047]=5377
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn reverse_blocks(x: *const u32, out: *mut u32) {
            let tile = gpu::static_shared!(tile: [u32; 256]);
            let t = gpu::thread_idx_x() as usize;
            let base = (gpu::block_idx_x() * gpu::block_dim_x()) as usize;
            *tile.add(t) = *x.add(base + t);
            gpu::sync_threads();
            *out.add(base + t) = *tile.add(255 - t);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let x: Vec<u32> = (0..2048).map(|i| i * 3 + 1).collect();
        let dx = gpu.upload(&x)?;
        let out = gpu.zeros::<u32>(2048)?;
        module
            .kernel("reverse_blocks")?
            .launch(LaunchConfig::grid_block(8, 256), &[&dx, &out])?;
        let v = out.to_vec()?;
        let ok = (0..2048).filter(|&i| v[i] == x[(i / 256) * 256 + 255 - i % 256]).count();
        println!("Output: {ok} of 2048 reversed within their block");
        println!("Output: out[0]={} out[255]={} out[256]={} out[2047]={}", v[0], v[255], v[256], v[2047]);
        Ok(())
    });
}
