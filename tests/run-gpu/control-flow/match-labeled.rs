//! `match` on ranges, alternatives, guards and tuples; a dense `match` that
//! may become a jump table; labeled `break`/`continue` out of nested loops
//! and a labeled block with a break value. Inputs come from memory.
//@ run-pass
// Classes: negative -> 0, zero -> 1, 1..=9 -> 2, 10|20|30 -> 3, other even -> 4, other odd -> 5.
// Inputs -5 0 7 20 42 43 i32::MIN 9 10 11.
//@ stdout: Output: classes 0 1 2 3 4 5 0 2 3 5
// i in 1..=15, (i%3, i%5): (0,0) -> 3, (0,_) -> 1, (_,0) -> 2, else 0:
// 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -> 0 0 1 0 2 1 0 0 1 2 0 1 0 0 3.
//@ stdout: Output: fizzbuzz 0 0 1 0 2 1 0 0 1 2 0 1 0 0 3
// 64 threads, v % 8 selects one of 11 23 37 41 53 67 71 89; each arm is hit
// 8 times: 8 * (11+23+37+41+53+67+71+89) = 8 * 392 = 3136.
//@ stdout: Output: jump-table sum 3136
// First (i, j), i <= j, with i^2 + j^2 = 625, i ascending: 7^2 + 24^2 = 49 + 576 = 625
// (15, 20) comes later; the outer label stops both loops at the first hit.
//@ stdout: Output: labeled break (7, 24)
// i in 1..50 with some j in 1..50 and i*j = 36: i in {1,2,3,4,6,9,12,18,36}, 9 values.
//@ stdout: Output: labeled continue 9
// Labeled block: 625 is a perfect square (25^2) -> break 'blk with 25.
//@ stdout: Output: labeled block 25
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn classify(n: u32, x: *const i32, out: *mut u32) {
            let i = gpu::thread_idx_x();
            if i >= n {
                return;
            }
            *out.add(i as usize) = match *x.add(i as usize) {
                i32::MIN..=-1 => 0,
                0 => 1,
                1..=9 => 2,
                10 | 20 | 30 => 3,
                v if v % 2 == 0 => 4,
                _ => 5,
            };
        }
    }

    gpu::kernel! {
        pub unsafe fn fizzbuzz(out: *mut u32) {
            let i = gpu::thread_idx_x() + 1;
            *out.add(i as usize - 1) = match (i % 3, i % 5) {
                (0, 0) => 3,
                (0, _) => 1,
                (_, 0) => 2,
                _ => 0,
            };
        }
    }

    gpu::kernel! {
        pub unsafe fn jump_table(out: *mut u32) {
            let v = gpu::thread_idx_x();
            *out.add(v as usize) = match v % 8 {
                0 => 11,
                1 => 23,
                2 => 37,
                3 => 41,
                4 => 53,
                5 => 67,
                6 => 71,
                7 => 89,
                _ => 0,
            };
        }
    }

    gpu::kernel! {
        pub unsafe fn labeled(target: u32, product: u32, out: *mut u32) {
            let mut found = (0, 0);
            'outer: for i in 1..100u32 {
                for j in i..100 {
                    if i * i + j * j == target {
                        found = (i, j);
                        break 'outer;
                    }
                }
            }
            *out = found.0;
            *out.add(1) = found.1;

            let mut count = 0;
            'rows: for i in 1..50u32 {
                for j in 1..50 {
                    if i * j == product {
                        count += 1;
                        continue 'rows;
                    }
                }
            }
            *out.add(2) = count;

            let root = 'blk: {
                for r in 0..target {
                    if r * r == target {
                        break 'blk r;
                    }
                    if r * r > target {
                        break;
                    }
                }
                0
            };
            *out.add(3) = root;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let join = |v: &[u32]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ");

        let x = gpu.upload(&[-5i32, 0, 7, 20, 42, 43, i32::MIN, 9, 10, 11])?;
        let out = gpu.zeros::<u32>(10)?;
        module
            .kernel("classify")?
            .launch(LaunchConfig::single_block(32), &[&10u32, &x, &out])?;
        println!("Output: classes {}", join(&out.to_vec()?));

        let out = gpu.zeros::<u32>(15)?;
        module.kernel("fizzbuzz")?.launch(LaunchConfig::single_block(15), &[&out])?;
        println!("Output: fizzbuzz {}", join(&out.to_vec()?));

        let out = gpu.zeros::<u32>(64)?;
        module.kernel("jump_table")?.launch(LaunchConfig::single_block(64), &[&out])?;
        println!("Output: jump-table sum {}", out.to_vec()?.iter().sum::<u32>());

        let out = gpu.zeros::<u32>(4)?;
        module
            .kernel("labeled")?
            .launch(LaunchConfig::single_thread(), &[&625u32, &36u32, &out])?;
        let v = out.to_vec()?;
        println!("Output: labeled break ({}, {})", v[0], v[1]);
        println!("Output: labeled continue {}", v[2]);
        println!("Output: labeled block {}", v[3]);
        Ok(())
    });
}
