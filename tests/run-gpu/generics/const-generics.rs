//! Const generics: a square matrix type `Mat<N>` with multiplication,
//! trace and integer power, instantiated for N = 2, 3 and 4, and a
//! fixed-capacity stack `Stack<T, CAP>`. One thread per matrix; the host
//! recomputes every result.
//@ run-pass
// Fibonacci matrix [[1,1],[1,0]]^10 = [[F11, F10], [F10, F9]] = [[89, 55], [55, 34]].
//@ stdout: Output: fib^10 [[89, 55], [55, 34]]
// The 3x3 all-ones matrix J has J^k = 3^(k-1) J: J^5 has entries 81, trace 243.
//@ stdout: Output: ones3^5 entry 81 trace 243
// 4x4 identity times 7, cubed: 343 on the diagonal, trace 4 * 343 = 1372.
//@ stdout: Output: 7I4^3 trace 1372
// Stack<u32, 8>: push 1..=10 keeps the first 8 (two pushes rejected), pop three: 8 7 6.
//@ stdout: Output: stack rejected 2 popped 8 7 6 left 5
// 64 random 3x3 matrices squared, compared with the host.
//@ stdout: Output: batch 64 of 64 match
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    /// A square N x N matrix of wrapping i64 values.
    #[derive(Clone, Copy, PartialEq, Debug)]
    pub struct Mat<const N: usize>(pub [[i64; N]; N]);

    impl<const N: usize> Mat<N> {
        pub fn identity() -> Self {
            let mut m = [[0; N]; N];
            for i in 0..N {
                m[i][i] = 1;
            }
            Mat(m)
        }
        pub fn mul(&self, o: &Self) -> Self {
            let mut m = [[0i64; N]; N];
            for i in 0..N {
                for j in 0..N {
                    for k in 0..N {
                        m[i][j] = m[i][j].wrapping_add(self.0[i][k].wrapping_mul(o.0[k][j]));
                    }
                }
            }
            Mat(m)
        }
        pub fn pow(&self, mut e: u32) -> Self {
            let (mut acc, mut base) = (Self::identity(), *self);
            while e > 0 {
                if e & 1 == 1 {
                    acc = acc.mul(&base);
                }
                base = base.mul(&base);
                e >>= 1;
            }
            acc
        }
        pub fn trace(&self) -> i64 {
            (0..N).map(|i| self.0[i][i]).sum()
        }
    }

    struct Stack<T: Copy, const CAP: usize> {
        items: [T; CAP],
        len: usize,
    }

    impl<T: Copy + Default, const CAP: usize> Stack<T, CAP> {
        fn new() -> Self {
            Stack { items: [T::default(); CAP], len: 0 }
        }
        fn push(&mut self, v: T) -> Result<(), T> {
            if self.len == CAP {
                return Err(v);
            }
            self.items[self.len] = v;
            self.len += 1;
            Ok(())
        }
        fn pop(&mut self) -> Option<T> {
            self.len = self.len.checked_sub(1)?;
            Some(self.items[self.len])
        }
    }

    unsafe fn load<const N: usize>(p: *const i64) -> Mat<N> {
        let mut m = [[0; N]; N];
        for i in 0..N {
            for j in 0..N {
                m[i][j] = *p.add(i * N + j);
            }
        }
        Mat(m)
    }

    gpu::kernel! {
        pub unsafe fn fixed(p: *const i64, e: u32, out: *mut i64) {
            let f = load::<2>(p).pow(e).0;
            *out = f[0][0];
            *out.add(1) = f[0][1];
            *out.add(2) = f[1][0];
            *out.add(3) = f[1][1];
            let j = Mat::<3>([[*p.add(4); 3]; 3]).pow(e / 2);
            *out.add(4) = j.0[2][1];
            *out.add(5) = j.trace();
            let mut seven = Mat::<4>::identity();
            for i in 0..4 {
                seven.0[i][i] = *p.add(5);
            }
            *out.add(6) = seven.pow(3).trace();

            let mut s = Stack::<u32, 8>::new();
            let mut rejected = 0;
            for v in 1..=e {
                if s.push(v).is_err() {
                    rejected += 1;
                }
            }
            *out.add(7) = rejected;
            for k in 0..3 {
                *out.add(8 + k) = s.pop().unwrap_or(0) as i64;
            }
            *out.add(11) = s.len as i64;
        }
    }

    gpu::kernel! {
        pub unsafe fn batch(n: u32, m: *const i64, out: *mut i64) {
            let i = gpu::thread_idx_x() as usize;
            if i < n as usize {
                let a = load::<3>(m.add(9 * i));
                let sq = a.mul(&a);
                for r in 0..3 {
                    for c in 0..3 {
                        *out.add(9 * i + 3 * r + c) = sq.0[r][c];
                    }
                }
            }
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let p = gpu.upload(&[1i64, 1, 1, 0, 1, 7])?;
        let out = gpu.zeros::<i64>(12)?;
        module.kernel("fixed")?.launch(LaunchConfig::single_thread(), &[&p, &10u32, &out])?;
        let v = out.to_vec()?;
        println!("Output: fib^10 [[{}, {}], [{}, {}]]", v[0], v[1], v[2], v[3]);
        println!("Output: ones3^5 entry {} trace {}", v[4], v[5]);
        println!("Output: 7I4^3 trace {}", v[6]);
        println!("Output: stack rejected {} popped {} {} {} left {}", v[7], v[8], v[9], v[10], v[11]);

        let n = 64usize;
        let mut s = 12345u64;
        let mats: Vec<i64> = (0..9 * n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (s >> 33) as i64 - (1 << 30)
            })
            .collect();
        let dm = gpu.upload(&mats)?;
        let out = gpu.zeros::<i64>(9 * n)?;
        module
            .kernel("batch")?
            .launch(LaunchConfig::single_block(64), &[&(n as u32), &dm, &out])?;
        let got = out.to_vec()?;
        let mut ok = 0;
        for i in 0..n {
            let mut a = [[0i64; 3]; 3];
            for r in 0..3 {
                for c in 0..3 {
                    a[r][c] = mats[9 * i + 3 * r + c];
                }
            }
            let mut want = [[0i64; 3]; 3];
            for r in 0..3 {
                for c in 0..3 {
                    for k in 0..3 {
                        want[r][c] = want[r][c].wrapping_add(a[r][k].wrapping_mul(a[k][c]));
                    }
                }
            }
            if (0..9).all(|k| got[9 * i + k] == want[k / 3][k % 3]) {
                ok += 1;
            }
        }
        println!("Output: batch {ok} of {n} match");
        Ok(())
    });
}
