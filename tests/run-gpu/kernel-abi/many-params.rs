//! Kernel parameters of every scalar type, in an order that forces
//! realignment (u8 before u64, f32 after i8, bool in between), plus a kernel
//! with 32 u32 parameters. (u128/i128 parameters are rejected by ptx-rustc's
//! kernel-ffi-unsafe-param check, so they are not here.) Each parameter is transformed on the device so a
//! parameter read from the wrong offset cannot pass by accident.
//@ run-pass
// Each value is the host's argument plus one (wrapping at the type's width):
// u8 255 -> 0; i8 -128 -> -127; u16 65535 -> 0; i16 -2 -> -1; u32 4294967294 -> 4294967295;
// i32 -2147483648 -> -2147483647; u64 2^63 -> 9223372036854775809;
// i64 -1 -> 0; usize 10^12 -> 1000000000001; isize -5 -> -4.
//@ stdout: Output: ints 0 -127 0 -1 4294967295 -2147483647 9223372036854775809 0 1000000000001 -4
// Floats doubled: f32 1.25 -> 2.5, f64 -0.125 -> -0.25; bool true -> 1, false -> 0 (negated: 0, 1).
//@ stdout: Output: floats 2.5 -0.25 bools 0 1
// 32 u32 parameters with values 1..=32, weighted by position: sum k*k = 32*33*65/6 = 11440.
//@ stdout: Output: 32 params 11440
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn scalars(
            a: u8,
            b: i8,
            f: f32,
            c: u16,
            yes: bool,
            d: i16,
            e: u32,
            g: i32,
            no: bool,
            h: u64,
            d2: f64,
            i: i64,
            j: usize,
            k: isize,
            ints: *mut i128,
            floats: *mut f64,
        ) {
            let vals = [
                a.wrapping_add(1) as i128,
                b.wrapping_add(1) as i128,
                c.wrapping_add(1) as i128,
                d.wrapping_add(1) as i128,
                e.wrapping_add(1) as i128,
                g.wrapping_add(1) as i128,
                h.wrapping_add(1) as i128,
                i.wrapping_add(1) as i128,
                j.wrapping_add(1) as i128,
                k.wrapping_add(1) as i128,
                (!yes) as i128,
                (!no) as i128,
            ];
            for (n, v) in vals.iter().enumerate() {
                *ints.add(n) = *v;
            }
            *floats = (f * 2.0) as f64;
            *floats.add(1) = d2 * 2.0;
        }
    }

    gpu::kernel! {
        pub unsafe fn thirty_two(
            p1: u32, p2: u32, p3: u32, p4: u32, p5: u32, p6: u32, p7: u32, p8: u32,
            p9: u32, p10: u32, p11: u32, p12: u32, p13: u32, p14: u32, p15: u32, p16: u32,
            p17: u32, p18: u32, p19: u32, p20: u32, p21: u32, p22: u32, p23: u32, p24: u32,
            p25: u32, p26: u32, p27: u32, p28: u32, p29: u32, p30: u32, p31: u32, p32: u32,
            out: *mut u32,
        ) {
            let p = [
                p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16, p17, p18, p19,
                p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32,
            ];
            let mut s = 0;
            for (k, v) in p.iter().enumerate() {
                s += (k as u32 + 1) * v;
            }
            *out = s;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let ints = gpu.zeros::<i128>(12)?;
        let floats = gpu.zeros::<f64>(2)?;
        module.kernel("scalars")?.launch(
            LaunchConfig::single_thread(),
            &[
                &255u8,
                &(-128i8),
                &1.25f32,
                &65535u16,
                &true,
                &(-2i16),
                &4_294_967_294u32,
                &i32::MIN,
                &false,
                &(1u64 << 63),
                &(-0.125f64),
                &(-1i64),
                &1_000_000_000_000usize,
                &(-5isize),
                &ints,
                &floats,
            ],
        )?;
        let v = ints.to_vec()?;
        let s: Vec<String> = v[..10].iter().map(|x| x.to_string()).collect();
        println!("Output: ints {}", s.join(" "));
        let f = floats.to_vec()?;
        println!("Output: floats {} {} bools {} {}", f[0], f[1], v[10], v[11]);

        let out = gpu.zeros::<u32>(1)?;
        let vals: Vec<u32> = (1..=32).collect();
        let mut args: Vec<&dyn KernelArg> = vals.iter().map(|v| v as &dyn KernelArg).collect();
        args.push(&out);
        module.kernel("thirty_two")?.launch(LaunchConfig::single_thread(), &args)?;
        println!("Output: 32 params {}", out.to_vec()?[0]);
        Ok(())
    });
}
