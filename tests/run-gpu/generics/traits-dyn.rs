//! Traits on the device: generic functions monomorphized per type, trait
//! default methods, associated constants and types, operator overloading via
//! `core::ops`, and dynamic dispatch through `&dyn Trait` (vtables live in
//! global memory) selected by a runtime value.
//@ run-pass
// Generic sum_of_areas over [Sq(2), Sq(3)] = 4 + 9 = 13 and over
// [Rect(2,5), Rect(3,3)] = 10 + 9 = 19. Default method `describe` = area * 10 + SIDES:
// Sq(3) -> 9*10 + 4 = 94, Tri(4, 6) -> 12*10 + 3 = 123.
//@ stdout: Output: generic 13 19 default 94 123
// dyn dispatch over kinds 0 1 2 0 2 with size 6: Sq 36, Rect 6x3 = 18, Tri 6*6/2 = 18,
// Sq 36, Tri 18 -> sum 126.
//@ stdout: Output: dyn 36 18 18 36 18 sum 126
// Operator overloading: Money(250) + Money(175) = 425; 425 * 3 = 1275; -1275.
//@ stdout: Output: ops 425 1275 -1275
// Associated type: Counter::Item = u16 counting 1..=5 sums to 15; its MAX const is 65535.
//@ stdout: Output: assoc 15 65535
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ops::{Add, Mul, Neg};

    trait Shape {
        const SIDES: u32;
        fn area(&self) -> u32;
        fn describe(&self) -> u32 {
            self.area() * 10 + Self::SIDES
        }
    }

    trait DynShape {
        fn area_dyn(&self) -> u32;
    }

    impl<T: Shape> DynShape for T {
        fn area_dyn(&self) -> u32 {
            self.area()
        }
    }

    struct Sq(u32);
    struct Rect(u32, u32);
    struct Tri(u32, u32);

    impl Shape for Sq {
        const SIDES: u32 = 4;
        fn area(&self) -> u32 {
            self.0 * self.0
        }
    }
    impl Shape for Rect {
        const SIDES: u32 = 4;
        fn area(&self) -> u32 {
            self.0 * self.1
        }
    }
    impl Shape for Tri {
        const SIDES: u32 = 3;
        fn area(&self) -> u32 {
            self.0 * self.1 / 2
        }
    }

    fn sum_of_areas<T: Shape>(items: &[T]) -> u32 {
        items.iter().map(Shape::area).sum()
    }

    #[derive(Clone, Copy)]
    struct Money(i64);
    impl Add for Money {
        type Output = Money;
        fn add(self, o: Money) -> Money {
            Money(self.0 + o.0)
        }
    }
    impl Mul<i64> for Money {
        type Output = Money;
        fn mul(self, k: i64) -> Money {
            Money(self.0 * k)
        }
    }
    impl Neg for Money {
        type Output = Money;
        fn neg(self) -> Money {
            Money(-self.0)
        }
    }

    trait Source {
        type Item;
        const MAX: Self::Item;
        fn next_item(&mut self) -> Option<Self::Item>;
    }
    struct Counter {
        n: u16,
        end: u16,
    }
    impl Source for Counter {
        type Item = u16;
        const MAX: u16 = u16::MAX;
        fn next_item(&mut self) -> Option<u16> {
            if self.n < self.end {
                self.n += 1;
                Some(self.n)
            } else {
                None
            }
        }
    }

    gpu::kernel! {
        pub unsafe fn generic(p: *const u32, out: *mut u32) {
            let r = |k: usize| *p.add(k);
            *out = sum_of_areas(&[Sq(r(0)), Sq(r(1))]);
            *out.add(1) = sum_of_areas(&[Rect(r(0), r(2)), Rect(r(1), r(1))]);
            *out.add(2) = Sq(r(1)).describe();
            *out.add(3) = Tri(r(3), r(4)).describe();
        }
    }

    gpu::kernel! {
        /// Each thread builds a shape of the kind given in `kinds` and calls it
        /// through `&dyn DynShape`.
        pub unsafe fn dynamic(n: u32, size: u32, kinds: *const u32, out: *mut u32) {
            let i = gpu::thread_idx_x() as usize;
            if i >= n as usize {
                return;
            }
            let (sq, rect, tri) = (Sq(size), Rect(size, 3), Tri(size, size));
            let shape: &dyn DynShape = match *kinds.add(i) {
                0 => &sq,
                1 => &rect,
                _ => &tri,
            };
            *out.add(i) = shape.area_dyn();
        }
    }

    gpu::kernel! {
        pub unsafe fn ops(a: i64, b: i64, k: i64, out: *mut i64) {
            let s = Money(a) + Money(b);
            let m = s * k;
            *out = s.0;
            *out.add(1) = m.0;
            *out.add(2) = (-m).0;
            let mut c = Counter { n: 0, end: k as u16 + 2 };
            let mut sum = 0u32;
            while let Some(v) = c.next_item() {
                sum += v as u32;
            }
            *out.add(3) = sum as i64;
            *out.add(4) = <Counter as Source>::MAX as i64;
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let p = gpu.upload(&[2u32, 3, 5, 4, 6])?;
        let out = gpu.zeros::<u32>(4)?;
        module.kernel("generic")?.launch(LaunchConfig::single_thread(), &[&p, &out])?;
        let v = out.to_vec()?;
        println!("Output: generic {} {} default {} {}", v[0], v[1], v[2], v[3]);

        let kinds = gpu.upload(&[0u32, 1, 2, 0, 2])?;
        let out = gpu.zeros::<u32>(5)?;
        module
            .kernel("dynamic")?
            .launch(LaunchConfig::single_block(32), &[&5u32, &6u32, &kinds, &out])?;
        let v = out.to_vec()?;
        println!(
            "Output: dyn {} {} {} {} {} sum {}",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v.iter().sum::<u32>()
        );

        let out = gpu.zeros::<i64>(5)?;
        module
            .kernel("ops")?
            .launch(LaunchConfig::single_thread(), &[&250i64, &175i64, &3i64, &out])?;
        let v = out.to_vec()?;
        println!("Output: ops {} {} {}", v[0], v[1], v[2]);
        println!("Output: assoc {} {}", v[3], v[4]);
        Ok(())
    });
}
