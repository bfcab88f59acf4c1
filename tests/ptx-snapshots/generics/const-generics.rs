//! Const generics: a tile size chosen at compile time fully unrolls the
//! inner loop (no backwards branch), and arrays sized by `N` live in
//! registers.
//@ stages: ptx ptxas
#![no_std]

#[inline(always)]
unsafe fn sum_tile<const N: usize>(x: *const f32) -> f32 {
    let mut tile = [0.0f32; N];
    for k in 0..N {
        tile[k] = *x.add(k);
    }
    let mut acc = 0.0;
    for k in 0..N {
        acc += tile[k] * (k as f32 + 1.0);
    }
    acc
}

struct Matrix<const R: usize, const C: usize>([[i32; C]; R]);

impl<const R: usize, const C: usize> Matrix<R, C> {
    unsafe fn load(p: *const i32) -> Self {
        let mut m = [[0; C]; R];
        for r in 0..R {
            for c in 0..C {
                m[r][c] = *p.add(r * C + c);
            }
        }
        Matrix(m)
    }
    fn transpose(&self) -> Matrix<C, R> {
        let mut t = [[0; R]; C];
        for r in 0..R {
            for c in 0..C {
                t[c][r] = self.0[r][c];
            }
        }
        Matrix(t)
    }
    fn trace_like(&self) -> i32 {
        let mut s = 0;
        for k in 0..if R < C { R } else { C } {
            s += self.0[k][k];
        }
        s
    }
}

// CHECK-LABEL: .visible .entry tile4(
// CHECK-COUNT-4: ld.global.b32
// CHECK-NOT: bra
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn tile4(x: *const f32, out: *mut f32) {
        *out = sum_tile::<4>(x);
    }
}

// CHECK-LABEL: .visible .entry tile8(
// CHECK-NOT: bra
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn tile8(x: *const f32, out: *mut f32) {
        *out = sum_tile::<8>(x);
    }
}

gpu::kernel! {
    pub unsafe fn transpose_2x3(p: *const i32, out: *mut i32) {
        let m = Matrix::<2, 3>::load(p);
        let t = m.transpose();
        for c in 0..3 {
            for r in 0..2 {
                *out.add(c * 2 + r) = t.0[c][r];
            }
        }
        *out.add(6) = m.trace_like() + t.trace_like();
    }
}
