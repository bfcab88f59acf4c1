//! 1-D indexing: `blockIdx.x * blockDim.x + threadIdx.x` over 4 blocks of
//! 256 threads for n = 1000 elements. The 24 threads past the end must not
//! write: the buffer has 1024 slots and the last 24 hold a sentinel.
//@ run-pass
// Every element is i*i + 1, checked against a host reference.
//@ stdout: Output: 1000 of 1000 match
// Slots 1000..1024 keep 0xDEADBEEF.
//@ stdout: Output: 24 of 24 sentinels intact
// 0*0+1 = 1, 255*255+1 = 65026 (last thread of block 0),
// 256*256+1 = 65537 (first thread of block 1), 999*999+1 = 998002.
//@ stdout: Output: out[0]=1 out[255]=65026 out[256]=65537 out[999]=998002
// sum_{i<1000} (i^2 + 1) = 999*1000*1999/6 + 1000 = 332833500 + 1000
//@ stdout: Output: sum 332834500
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn squares(n: u32, out: *mut u32) {
            let i = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            if i < n {
                *out.add(i as usize) = i * i + 1;
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let n = 1000u32;
        let sentinel = 0xDEAD_BEEFu32;
        let out = gpu.filled(1024, sentinel)?;
        let cfg = LaunchConfig::for_num_elems(n);
        host_runtime::ensure!(cfg.grid.x == 4 && cfg.block.x == 256, "unexpected config {cfg:?}");
        module.kernel("squares")?.launch(cfg, &[&n, &out])?;
        let v = out.to_vec()?;
        let matches = (0..n as usize).filter(|&i| v[i] == (i * i + 1) as u32).count();
        println!("Output: {matches} of {n} match");
        let intact = v[n as usize..].iter().filter(|&&x| x == sentinel).count();
        println!("Output: {intact} of 24 sentinels intact");
        println!(
            "Output: out[0]={} out[255]={} out[256]={} out[999]={}",
            v[0], v[255], v[256], v[999]
        );
        let sum: u64 = v[..n as usize].iter().map(|&x| x as u64).sum();
        println!("Output: sum {sum}");
        Ok(())
    });
}
