//! Tuples and arrays as locals: a dynamically indexed local array forces a
//! stack frame in `.local` memory; a constant-indexed one is promoted to
//! registers. Tuple returns from device functions.
//@ stages: ptx ptxas
#![no_std]

#[inline(never)]
fn min_max_sum(xs: &[i32; 8]) -> (i32, i32, i64) {
    let mut lo = i32::MAX;
    let mut hi = i32::MIN;
    let mut sum = 0i64;
    for &x in xs {
        lo = lo.min(x);
        hi = hi.max(x);
        sum += x as i64;
    }
    (lo, hi, sum)
}

// CHECK-LABEL: .visible .entry dynamic_index(
// CHECK: .local .align {{[0-9]+}} .b8 __local_depot{{[0-9]+}}
// CHECK: st.local
// CHECK: ld.local
gpu::kernel! {
    pub unsafe fn dynamic_index(idx: *const u32, out: *mut u32) {
        let mut hist = [0u32; 16];
        for k in 0..32 {
            let b = *idx.add(k) as usize % 16;
            hist[b] += 1;
        }
        for k in 0..16 {
            *out.add(k) = hist[k];
        }
    }
}

// CHECK-LABEL: .visible .entry tuple_return(
gpu::kernel! {
    pub unsafe fn tuple_return(x: *const i32, out: *mut i64) {
        let mut a = [0i32; 8];
        for k in 0..8 {
            a[k] = *x.add(k);
        }
        let (lo, hi, sum) = min_max_sum(&a);
        *out = lo as i64;
        *out.add(1) = hi as i64;
        *out.add(2) = sum;
    }
}

// CHECK-LABEL: .visible .entry zz_static_index(
// CHECK-NOT: __local_depot
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn zz_static_index(x: *const f32, out: *mut f32) {
        let mut v = [0.0f32; 4];
        for k in 0..4 {
            v[k] = *x.add(k) * 2.0;
        }
        let (a, b) = (v[0] + v[3], v[1] * v[2]);
        *out = a;
        *out.add(1) = b;
    }
}
