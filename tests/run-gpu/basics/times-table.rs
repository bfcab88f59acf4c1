//! A 12 x 12 multiplication table from one 2-D block (threadIdx.x is the
//! column, threadIdx.y the row). The expected output is the ordinary times
//! table, kept in times-table.run.stdout: line r (1-based) holds r*1 .. r*12,
//! each right-aligned in 4 columns.
//@ run-pass
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn table(out: *mut u32) {
            let (x, y) = (gpu::thread_idx_x(), gpu::thread_idx_y());
            *out.add((y * gpu::block_dim_x() + x) as usize) = (y + 1) * (x + 1);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<u32>(144)?;
        module.kernel("table")?.launch(LaunchConfig::single_block((12, 12)), &[&out])?;
        let v = out.to_vec()?;
        for row in v.chunks(12) {
            let line: String = row.iter().map(|x| format!("{x:4}")).collect();
            println!("{line}");
        }
        Ok(())
    });
}
