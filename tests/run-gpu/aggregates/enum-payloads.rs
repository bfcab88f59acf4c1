//! Enums with payloads built from tagged input records and consumed by
//! `match`, `Option`/`Result` combinators, and niche-optimized layouts whose
//! sizes are measured on the device (nvptx64 has 8-byte pointers).
//@ run-pass
// Shapes (integer units): Square 3 -> 9; Rect 4x5 -> 20; Tri base 6 height 7 -> 6*7/2 = 21;
// Circle r=2 -> 3*r*r = 12 (pi ~ 3); Empty -> 0; an unknown tag (9) is None -> u32::MAX.
//@ stdout: Output: areas 9 20 21 12 0 4294967295
// Sum of the areas that exist: 9+20+21+12+0 = 62; 5 shapes parsed, 1 rejected.
//@ stdout: Output: total 62 parsed 5 rejected 1
// Result chain a / b / 2: (10, 0) -> Err(DivByZero) = code 2, (84, 1) -> 84 / 1 / 2 = 42,
// (-5, 3) -> Err(Negative) = code 1.
//@ stdout: Output: results Err(2) Ok(42) Err(1)
// Niche layouts: Option<NonZeroU32> 4, Option<&u32> 8, Option<u32> 8, Option<bool> 1,
// Option<Option<bool>> 1, Option<char> 4; Shape is 12 (tag padded to 4 bytes + two u32
// payload words) and Option<Shape> is also 12 (the unused tag values are the niche).
//@ stdout: Output: sizes 4 8 8 1 1 4 12 12
// NonZeroU32::new(0) is None, stored as the all-zero bit pattern; new(7) is Some(7).
//@ stdout: Output: niche bits 0 7
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::mem::size_of;
    use core::num::NonZeroU32;

    #[derive(Clone, Copy)]
    enum Shape {
        Square(u32),
        Rect { w: u32, h: u32 },
        Tri(u32, u32),
        Circle { r: u32 },
        Empty,
    }

    impl Shape {
        fn parse(tag: u32, a: u32, b: u32) -> Option<Shape> {
            Some(match tag {
                0 => Shape::Square(a),
                1 => Shape::Rect { w: a, h: b },
                2 => Shape::Tri(a, b),
                3 => Shape::Circle { r: a },
                4 => Shape::Empty,
                _ => return None,
            })
        }

        fn area(&self) -> u32 {
            match *self {
                Shape::Square(s) => s * s,
                Shape::Rect { w, h } => w * h,
                Shape::Tri(b, h) => b * h / 2,
                Shape::Circle { r } => 3 * r * r,
                Shape::Empty => 0,
            }
        }
    }

    gpu::kernel! {
        /// Each thread parses one (tag, a, b) record.
        pub unsafe fn areas(n: u32, rec: *const u32, out: *mut u32) {
            let i = gpu::thread_idx_x() as usize;
            if i < n as usize {
                let r = rec.add(3 * i);
                let shape = Shape::parse(*r, *r.add(1), *r.add(2));
                *out.add(i) = shape.map(|s| s.area()).unwrap_or(u32::MAX);
            }
        }
    }

    #[derive(Clone, Copy)]
    enum CalcError {
        Negative,
        DivByZero,
    }

    fn checked_half_ratio(a: i32, b: i32) -> Result<i32, CalcError> {
        let a = if a < 0 { Err(CalcError::Negative) } else { Ok(a) }?;
        let q = a.checked_div(b).ok_or(CalcError::DivByZero)?;
        Ok(q / 2)
    }

    gpu::kernel! {
        pub unsafe fn results(x: *const i32, out: *mut i32) {
            for k in 0..3 {
                let r = checked_half_ratio(*x.add(2 * k), *x.add(2 * k + 1));
                *out.add(k) = match r {
                    Ok(v) => v,
                    Err(CalcError::Negative) => -1,
                    Err(CalcError::DivByZero) => -2,
                };
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn layouts(x: *const u32, out: *mut u32) {
            let sizes = [
                size_of::<Option<NonZeroU32>>(),
                size_of::<Option<&u32>>(),
                size_of::<Option<u32>>(),
                size_of::<Option<bool>>(),
                size_of::<Option<Option<bool>>>(),
                size_of::<Option<char>>(),
                size_of::<Shape>(),
                size_of::<Option<Shape>>(),
            ];
            for (k, s) in sizes.iter().enumerate() {
                *out.add(k) = *s as u32;
            }
            let none = NonZeroU32::new(*x);
            let some = NonZeroU32::new(*x.add(1));
            *out.add(8) = core::mem::transmute::<Option<NonZeroU32>, u32>(none);
            *out.add(9) = core::mem::transmute::<Option<NonZeroU32>, u32>(some);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let rec = gpu.upload(&[0u32, 3, 0, 1, 4, 5, 2, 6, 7, 3, 2, 0, 4, 0, 0, 9, 1, 1])?;
        let out = gpu.zeros::<u32>(6)?;
        module.kernel("areas")?.launch(LaunchConfig::single_block(32), &[&6u32, &rec, &out])?;
        let a = out.to_vec()?;
        let s: Vec<String> = a.iter().map(|v| v.to_string()).collect();
        println!("Output: areas {}", s.join(" "));
        let parsed: Vec<u32> = a.iter().copied().filter(|&v| v != u32::MAX).collect();
        println!(
            "Output: total {} parsed {} rejected {}",
            parsed.iter().sum::<u32>(),
            parsed.len(),
            a.len() - parsed.len()
        );

        let x = gpu.upload(&[10i32, 0, 84, 1, -5, 3])?;
        let out = gpu.zeros::<i32>(3)?;
        module.kernel("results")?.launch(LaunchConfig::single_thread(), &[&x, &out])?;
        let r: Vec<String> = out
            .to_vec()?
            .iter()
            .map(|&v| if v < 0 { format!("Err({})", -v) } else { format!("Ok({v})") })
            .collect();
        println!("Output: results {}", r.join(" "));

        let x = gpu.upload(&[0u32, 7])?;
        let out = gpu.zeros::<u32>(10)?;
        module.kernel("layouts")?.launch(LaunchConfig::single_thread(), &[&x, &out])?;
        let v = out.to_vec()?;
        let s: Vec<String> = v[..8].iter().map(|v| v.to_string()).collect();
        println!("Output: sizes {}", s.join(" "));
        println!("Output: niche bits {} {}", v[8], v[9]);
        Ok(())
    });
}
