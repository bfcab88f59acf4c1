//! Structs with methods, tuples as return values and destructuring, nested
//! structs, and an array of `#[repr(C)]` structs (AoS) read and written
//! through device pointers, one element per thread.
//@ run-pass
// (1,2,3).(4,5,6) = 4+10+18 = 32; (1,2,3) x (4,5,6) = (2*6-3*5, 3*4-1*6, 1*5-2*4) = (-3, 6, -3);
// (1,2,3) + (4,5,6) scaled by 2 = (10, 14, 18).
//@ stdout: Output: dot 32 cross (-3, 6, -3) scaled-sum (10, 14, 18)
// divmod(17, 5) = (3, 2); minmax(9, -4) = (-4, 9); swapping a (u8, i64, u16) tuple's ends.
//@ stdout: Output: divmod (3, 2) minmax (-4, 9) rotate (-7, 200, 9)
// Bounding box of the points (1,2,3) (4,5,6) (-1,8,0): min (-1,2,0), max (4,8,6).
//@ stdout: Output: bbox min (-1, 2, 0) max (4, 8, 6)
// Particles: pos += vel * 3, momentum = mass * vel; host recomputes all 300.
//@ stdout: Output: particles 300 of 300 match
#![cfg_attr(gpu_device, no_std)]

#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
pub struct Particle {
    pub pos: [i32; 3],
    pub vel: [i32; 3],
    pub mass: u32,
    pub momentum: [i32; 3],
}

#[cfg(gpu_device)]
pub mod device {
    use super::Particle;

    #[derive(Clone, Copy)]
    struct V3 {
        x: i32,
        y: i32,
        z: i32,
    }

    impl V3 {
        fn dot(self, o: V3) -> i32 {
            self.x * o.x + self.y * o.y + self.z * o.z
        }
        fn cross(self, o: V3) -> V3 {
            V3 { x: self.y * o.z - self.z * o.y, y: self.z * o.x - self.x * o.z, z: self.x * o.y - self.y * o.x }
        }
        fn add(self, o: V3) -> V3 {
            V3 { x: self.x + o.x, y: self.y + o.y, z: self.z + o.z }
        }
        fn scale(self, k: i32) -> V3 {
            V3 { x: self.x * k, y: self.y * k, z: self.z * k }
        }
        fn min(self, o: V3) -> V3 {
            V3 { x: self.x.min(o.x), y: self.y.min(o.y), z: self.z.min(o.z) }
        }
        fn max(self, o: V3) -> V3 {
            V3 { x: self.x.max(o.x), y: self.y.max(o.y), z: self.z.max(o.z) }
        }
    }

    struct BBox {
        lo: V3,
        hi: V3,
    }

    fn divmod(a: u32, b: u32) -> (u32, u32) {
        (a / b, a % b)
    }

    fn minmax(a: i32, b: i32) -> (i32, i32) {
        if a < b { (a, b) } else { (b, a) }
    }

    fn rotate((a, b, c): (u8, i64, u16)) -> (i64, u16, u8) {
        (b, c, a)
    }

    unsafe fn v3(p: *const i32) -> V3 {
        V3 { x: *p, y: *p.add(1), z: *p.add(2) }
    }

    unsafe fn put(out: *mut i32, k: &mut usize, v: V3) {
        for c in [v.x, v.y, v.z] {
            *out.add(*k) = c;
            *k += 1;
        }
    }

    gpu::kernel! {
        pub unsafe fn vectors(p: *const i32, out: *mut i32) {
            let (a, b, c) = (v3(p), v3(p.add(3)), v3(p.add(6)));
            let mut k = 0;
            *out = a.dot(b);
            k += 1;
            put(out, &mut k, a.cross(b));
            put(out, &mut k, a.add(b).scale(2));
            let (q, r) = divmod(*p.add(9) as u32, *p.add(10) as u32);
            let (lo, hi) = minmax(*p.add(11), *p.add(12));
            let (x, y, z) = rotate((*p.add(13) as u8, *p.add(14) as i64, *p.add(15) as u16));
            for v in [q as i32, r as i32, lo, hi, x as i32, y as i32, z as i32] {
                *out.add(k) = v;
                k += 1;
            }
            let mut bb = BBox { lo: a, hi: a };
            for pt in [b, c] {
                bb = BBox { lo: bb.lo.min(pt), hi: bb.hi.max(pt) };
            }
            put(out, &mut k, bb.lo);
            put(out, &mut k, bb.hi);
        }
    }

    gpu::kernel! {
        pub unsafe fn step(n: u32, dt: i32, ps: *mut Particle) {
            let i = (gpu::block_idx_x() * gpu::block_dim_x() + gpu::thread_idx_x()) as usize;
            if i >= n as usize {
                return;
            }
            let mut p = *ps.add(i);
            for d in 0..3 {
                p.pos[d] += p.vel[d] * dt;
                p.momentum[d] = p.mass as i32 * p.vel[d];
            }
            *ps.add(i) = p;
        }
    }
}

#[cfg(not(gpu_device))]
// SAFETY: repr(C), only i32/u32 fields, no padding; any bit pattern is valid.
unsafe impl host_runtime::DeviceCopy for Particle {}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let p = gpu.upload(&[1i32, 2, 3, 4, 5, 6, -1, 8, 0, 17, 5, 9, -4, 9, -7, 200])?;
        let out = gpu.zeros::<i32>(20)?;
        module.kernel("vectors")?.launch(LaunchConfig::single_thread(), &[&p, &out])?;
        let v = out.to_vec()?;
        println!(
            "Output: dot {} cross ({}, {}, {}) scaled-sum ({}, {}, {})",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6]
        );
        println!(
            "Output: divmod ({}, {}) minmax ({}, {}) rotate ({}, {}, {})",
            v[7], v[8], v[9], v[10], v[11], v[12], v[13]
        );
        println!(
            "Output: bbox min ({}, {}, {}) max ({}, {}, {})",
            v[14], v[15], v[16], v[17], v[18], v[19]
        );

        let n = 300usize;
        let ps: Vec<Particle> = (0..n as i32)
            .map(|i| Particle {
                pos: [i, -i, 2 * i],
                vel: [i % 7 - 3, 5 - i % 11, i % 4],
                mass: (i % 13 + 1) as u32,
                momentum: [0; 3],
            })
            .collect();
        let d = gpu.upload(&ps)?;
        module
            .kernel("step")?
            .launch(LaunchConfig::for_num_elems_with_block(n as u32, 64), &[&(n as u32), &3i32, &d])?;
        let got = d.to_vec()?;
        let ok = ps
            .iter()
            .zip(&got)
            .filter(|(p, g)| {
                let mut want = **p;
                for k in 0..3 {
                    want.pos[k] += want.vel[k] * 3;
                    want.momentum[k] = want.mass as i32 * want.vel[k];
                }
                want == **g
            })
            .count();
        println!("Output: particles {ok} of {n} match");
        Ok(())
    });
}
