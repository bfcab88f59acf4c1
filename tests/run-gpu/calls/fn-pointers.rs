//! Indirect calls: a `static` table of `fn` pointers indexed at run time
//! (the table lives in global memory), function pointers passed to and
//! returned from functions, stored in structs, and non-capturing closures
//! coerced to `fn`. Selection depends on the thread id so a warp makes
//! several different indirect calls.
//@ run-pass
// Thread i applies OPS[i % 4] to (i, 3): add, wrapping sub, mul, xor:
// 0+3 = 3, 1-3 = 2^32-2 = 4294967294, 2*3 = 6, 3^3 = 0, 4+3 = 7, 5-3 = 2, 6*3 = 18, 7^3 = 4.
//@ stdout: Output: table 3 4294967294 6 0 7 2 18 4
// All 256 threads checked against the host.
//@ stdout: Output: table 256 of 256 match
// compose(double, inc)(5) = double(6) = 12; closure-as-fn square(9) = 81;
// pick(true) = triple -> triple(7) = 21; struct-held fn: Op { f: add, k: 40 }.run(2) = 42.
//@ stdout: Output: higher-order 12 81 21 42
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    #[inline(never)]
    fn add(a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }
    #[inline(never)]
    fn sub(a: u32, b: u32) -> u32 {
        a.wrapping_sub(b)
    }
    #[inline(never)]
    fn mul(a: u32, b: u32) -> u32 {
        a.wrapping_mul(b)
    }
    #[inline(never)]
    fn xor(a: u32, b: u32) -> u32 {
        a ^ b
    }

    static OPS: [fn(u32, u32) -> u32; 4] = [add, sub, mul, xor];

    gpu::kernel! {
        pub unsafe fn table(b: u32, out: *mut u32) {
            let i = gpu::thread_idx_x();
            let op = OPS[(i % 4) as usize];
            *out.add(i as usize) = op(i, b);
        }
    }

    fn double(x: u32) -> u32 {
        2 * x
    }
    fn inc(x: u32) -> u32 {
        x + 1
    }
    fn triple(x: u32) -> u32 {
        3 * x
    }

    #[inline(never)]
    fn compose(f: fn(u32) -> u32, g: fn(u32) -> u32, x: u32) -> u32 {
        f(g(x))
    }

    #[inline(never)]
    fn pick(big: bool) -> fn(u32) -> u32 {
        if big { triple } else { inc }
    }

    struct Op {
        f: fn(u32, u32) -> u32,
        k: u32,
    }

    impl Op {
        #[inline(never)]
        fn run(&self, x: u32) -> u32 {
            (self.f)(x, self.k)
        }
    }

    gpu::kernel! {
        pub unsafe fn higher_order(p: *const u32, out: *mut u32) {
            *out = compose(double, inc, *p);
            let square: fn(u32) -> u32 = |x| x * x;
            *out.add(1) = compose(square, core::convert::identity, *p.add(1));
            *out.add(2) = pick(*p.add(2) != 0)(*p.add(3));
            let op = Op { f: OPS[*p.add(4) as usize], k: *p.add(5) };
            *out.add(3) = op.run(*p.add(6));
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let out = gpu.zeros::<u32>(256)?;
        module.kernel("table")?.launch(LaunchConfig::single_block(256), &[&3u32, &out])?;
        let v = out.to_vec()?;
        let first: Vec<String> = v[..8].iter().map(|x| x.to_string()).collect();
        println!("Output: table {}", first.join(" "));
        let ok = (0..256u32)
            .filter(|&i| {
                let want = match i % 4 {
                    0 => i.wrapping_add(3),
                    1 => i.wrapping_sub(3),
                    2 => i.wrapping_mul(3),
                    _ => i ^ 3,
                };
                v[i as usize] == want
            })
            .count();
        println!("Output: table {ok} of 256 match");

        let p = gpu.upload(&[5u32, 9, 1, 7, 0, 40, 2])?;
        let out = gpu.zeros::<u32>(4)?;
        module.kernel("higher_order")?.launch(LaunchConfig::single_thread(), &[&p, &out])?;
        let v = out.to_vec()?;
        println!("Output: higher-order {} {} {} {}", v[0], v[1], v[2], v[3]);
        Ok(())
    });
}
