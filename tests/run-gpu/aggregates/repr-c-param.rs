//! `#[repr(C)]` structs and arrays passed BY VALUE as kernel parameters.
//! `Params` mixes field sizes so that repr(C) inserts padding (u8 at 0,
//! f64 at 8, u16 at 16, [i32; 3] at 20, f32 at 32, a device pointer at 40,
//! u8 at 48: 56 bytes, align 8); host and device must agree on every offset.
//! The struct also carries a device pointer the kernel writes through.
//@ run-pass
// size_of::<Params>() measured on the device: 56 (derived above).
//@ stdout: Output: device size 56
// tag 7+1 = 8; scale 2.5*2 = 5; count 65534+1 = 65535; offsets -10+3+1 = -6;
// ratio 1.5*0.5 = 0.75; flag 1 copied.
//@ stdout: Output: tag 8 scale 5 count 65535 sum -6 ratio 0.75 flag 1
// The kernel writes 0xC0FFEE through the pointer inside the struct.
//@ stdout: Output: through pointer 0xc0ffee
// Pair { a: 40, b: 0.25 } and [1, 2, 3, 4] by value: 40 + 0.25 + (1+2+3+4) = 50.25.
//@ stdout: Output: pair+array 50.25
// Two structs by value, then a scalar after them: (3, 4) and (5, 12) have
// lengths^2 25 and 169; 25 + 169 + 1000 = 1194.
//@ stdout: Output: two structs 1194
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Params {
        pub tag: u8,
        pub scale: f64,
        pub count: u16,
        pub offsets: [i32; 3],
        pub ratio: f32,
        pub data: *mut u64,
        pub flag: u8,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Echo {
        pub tag: u32,
        pub count: u32,
        pub scale: f64,
        pub sum: i32,
        pub ratio: f32,
        pub flag: u32,
        pub size: u32,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Pair {
        pub a: u32,
        pub b: f32,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Point {
        pub x: i16,
        pub y: i16,
    }

    gpu::kernel! {
        pub unsafe fn configure(p: Params, out: *mut Echo) {
            *out = Echo {
                tag: p.tag as u32 + 1,
                count: p.count as u32 + 1,
                scale: p.scale * 2.0,
                sum: p.offsets.iter().sum(),
                ratio: p.ratio * 0.5,
                flag: p.flag as u32,
                size: core::mem::size_of::<Params>() as u32,
            };
            *p.data = 0xC0FFEE;
        }
    }

    gpu::kernel! {
        pub unsafe fn pair_array(p: Pair, a: [u32; 4], out: *mut f32) {
            *out = p.a as f32 + p.b + a.iter().sum::<u32>() as f32;
        }
    }

    gpu::kernel! {
        pub unsafe fn two_structs(p: Point, q: Point, extra: u32, out: *mut u32) {
            let l = |v: Point| (v.x as i32 * v.x as i32 + v.y as i32 * v.y as i32) as u32;
            *out = l(p) + l(q) + extra;
        }
    }
}

#[cfg(not(gpu_device))]
mod host {
    use host_runtime::{DeviceCopy, DevicePtr};

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Params {
        pub tag: u8,
        pub scale: f64,
        pub count: u16,
        pub offsets: [i32; 3],
        pub ratio: f32,
        pub data: DevicePtr<u64>,
        pub flag: u8,
    }

    #[repr(C)]
    #[derive(Clone, Copy, Default, Debug)]
    pub struct Echo {
        pub tag: u32,
        pub count: u32,
        pub scale: f64,
        pub sum: i32,
        pub ratio: f32,
        pub flag: u32,
        pub size: u32,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Pair {
        pub a: u32,
        pub b: f32,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Point {
        pub x: i16,
        pub y: i16,
    }

    // SAFETY: all four are repr(C) with the device layout; numeric fields and a
    // device address only. (Params has padding, which is only ever sent, not read back.)
    unsafe impl DeviceCopy for Params {}
    unsafe impl DeviceCopy for Echo {}
    unsafe impl DeviceCopy for Pair {}
    unsafe impl DeviceCopy for Point {}
}

#[cfg(not(gpu_device))]
fn main() {
    use host::*;
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        host_runtime::ensure!(std::mem::size_of::<Params>() == 56, "host layout changed");
        let data = gpu.zeros::<u64>(1)?;
        let p = Params {
            tag: 7,
            scale: 2.5,
            count: 65534,
            offsets: [-10, 3, 1],
            ratio: 1.5,
            data: data.ptr(),
            flag: 1,
        };
        let out = gpu.zeros::<Echo>(1)?;
        module.kernel("configure")?.launch(LaunchConfig::single_thread(), &[&p, &out])?;
        let e = out.to_vec()?[0];
        println!("Output: device size {}", e.size);
        println!(
            "Output: tag {} scale {} count {} sum {} ratio {} flag {}",
            e.tag, e.scale, e.count, e.sum, e.ratio, e.flag
        );
        println!("Output: through pointer {:#x}", data.to_vec()?[0]);

        let out = gpu.zeros::<f32>(1)?;
        module.kernel("pair_array")?.launch(
            LaunchConfig::single_thread(),
            &[&Pair { a: 40, b: 0.25 }, &[1u32, 2, 3, 4], &out],
        )?;
        println!("Output: pair+array {}", out.to_vec()?[0]);

        let out = gpu.zeros::<u32>(1)?;
        module.kernel("two_structs")?.launch(
            LaunchConfig::single_thread(),
            &[&Point { x: 3, y: 4 }, &Point { x: 5, y: 12 }, &1000u32, &out],
        )?;
        println!("Output: two structs {}", out.to_vec()?[0]);
        Ok(())
    });
}
