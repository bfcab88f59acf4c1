//! 2-D indexing with 2-D blocks and grids: a 100 x 37 matrix covered by
//! 16 x 8 blocks in a 7 x 5 grid (ceil(100/16) = 7, ceil(37/8) = 5), so the
//! last block column and row are partly outside and must be masked. Then a
//! transpose of that matrix with the roles of x and y swapped.
//@ run-pass
//@ stdout: Output: grid 7x5 block 16x8
// out[y][x] = y * 1000 + x for all 100 * 37 = 3700 elements (host reference).
//@ stdout: Output: fill 3700 of 3700 match
// Corners: (x=0,y=0) -> 0, (x=99,y=0) -> 99, (x=0,y=36) -> 36000, (x=99,y=36) -> 36099.
//@ stdout: Output: corners 0 99 36000 36099
// Transposed t[x][y] = out[y][x]: t[99][36] = 36099, t[5][7] = 7005.
//@ stdout: Output: transpose 3700 of 3700 match, t[99][36]=36099 t[5][7]=7005
// Nothing written past the 3700 elements (buffers have 3800 slots holding u32::MAX).
//@ stdout: Output: tails intact 100 100
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn fill2d(width: u32, height: u32, out: *mut u32) {
            let x = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            let y = gpu::block_idx_y() * gpu::block_dim_y() + gpu::thread_idx_y();
            if x < width && y < height {
                *out.add((y * width + x) as usize) = y * 1000 + x;
            }
        }
    }

    gpu::kernel! {
        /// `input` is height x width (row-major), `out` is width x height.
        pub unsafe fn transpose(
            width: u32,
            height: u32,
            input: *const u32,
            out: *mut u32,
        ) {
            let x = gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x();
            let y = gpu::block_idx_y() * gpu::block_dim_y() + gpu::thread_idx_y();
            if x < width && y < height {
                *out.add((x * height + y) as usize) = *input.add((y * width + x) as usize);
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let (w, h) = (100u32, 37u32);
        let (bx, by) = (16u32, 8u32);
        let (gx, gy) = (w.div_ceil(bx), h.div_ceil(by));
        println!("Output: grid {gx}x{gy} block {bx}x{by}");
        let n = (w * h) as usize;
        let out = gpu.filled(n + 100, u32::MAX)?;
        let cfg = LaunchConfig::grid_block((gx, gy, 1), (bx, by, 1));
        module.kernel("fill2d")?.launch(cfg, &[&w, &h, &out])?;
        let v = out.to_vec()?;
        let mut ok = 0;
        for y in 0..h {
            for x in 0..w {
                if v[(y * w + x) as usize] == y * 1000 + x {
                    ok += 1;
                }
            }
        }
        println!("Output: fill {ok} of {n} match");
        let at = |x: u32, y: u32| v[(y * w + x) as usize];
        println!("Output: corners {} {} {} {}", at(0, 0), at(99, 0), at(0, 36), at(99, 36));

        let t = gpu.filled(n + 100, u32::MAX)?;
        module.kernel("transpose")?.launch(cfg, &[&w, &h, &out, &t])?;
        let tv = t.to_vec()?;
        let mut ok_t = 0;
        for y in 0..h {
            for x in 0..w {
                if tv[(x * h + y) as usize] == v[(y * w + x) as usize] {
                    ok_t += 1;
                }
            }
        }
        let tat = |r: u32, c: u32| tv[(r * h + c) as usize];
        println!(
            "Output: transpose {ok_t} of {n} match, t[99][36]={} t[5][7]={}",
            tat(99, 36),
            tat(5, 7)
        );
        let tail = |b: &[u32]| b[n..].iter().filter(|&&x| x == u32::MAX).count();
        println!("Output: tails intact {} {}", tail(&v), tail(&tv));
        Ok(())
    });
}
