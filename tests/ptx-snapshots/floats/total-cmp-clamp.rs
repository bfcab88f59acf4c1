//! `f32` operations that core provides without std: `abs` (`abs.f32`),
//! `copysign` (`copysign.f32`), `to_bits`/`from_bits` (free moves),
//! `clamp` (two compare-and-selects, NaN passes through, plus the
//! `min <= max` assertion, which panics) and `total_cmp`,
//! which is an integer comparison of the bit patterns after flipping the
//! magnitude bits of negative values, with no float compare at all.
//@ stages: ptx ptxas
#![no_std]

use core::cmp::Ordering;

// CHECK-LABEL: .visible .entry a_abs_copysign_bits(
// CHECK: ld.global.b32 [[A:%r[0-9]+]],
// CHECK: ld.global.b32 [[B:%r[0-9]+]],
// CHECK: abs.f32 {{%r[0-9]+}}, [[A]];
// CHECK: copysign.f32 {{%r[0-9]+}}, [[B]], [[A]];
// CHECK: and.b32 [[M:%r[0-9]+]], [[B]], 2147483647;
// CHECK-NEXT: xor.b32 {{%r[0-9]+}}, [[M]], [[A]];
// CHECK-NOT: cvt
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn a_abs_copysign_bits(x: *const f32, y: *const f32, out: *mut u32) {
        let (a, b) = (*x, *y);
        *out = a.abs().to_bits();
        *out.add(1) = a.copysign(b).to_bits();
        *out.add(2) = f32::from_bits(b.to_bits() & 0x7fff_ffff).to_bits() ^ a.to_bits();
    }
}

// CHECK-LABEL: .visible .entry b_clamp(
// CHECK: setp.le.f32 [[OK:%p[0-9]+]], [[LO:%r[0-9]+]], [[HI:%r[0-9]+]];
// CHECK: @[[OK]] bra
// CHECK: setp.lt.f32 [[P1:%p[0-9]+]], [[X:%r[0-9]+]], [[LO]];
// CHECK-NEXT: selp.f32 [[Y:%r[0-9]+]], [[LO]], [[X]], [[P1]];
// CHECK-NEXT: setp.gt.f32 [[P2:%p[0-9]+]], [[Y]], [[HI]];
// CHECK-NEXT: selp.f32 {{%r[0-9]+}}, [[HI]], [[Y]], [[P2]];
// CHECK: call.uni {{.*}}panic_fmt
gpu::kernel! {
    pub unsafe fn b_clamp(x: *const f32, lo: f32, hi: f32, out: *mut f32) {
        let i = gpu::thread_idx_x() as usize;
        *out.add(i) = (*x.add(i)).clamp(lo, hi);
    }
}

/// `total_cmp` is -1/0/1 from signed integer compares of the adjusted bits
/// (`x ^ ((x >> 31) as u32 >> 1)`).
// CHECK-LABEL: .visible .entry c_total_cmp(
// CHECK-NOT: .f32
// CHECK: shr.s32 [[S:%r[0-9]+]], [[X:%r[0-9]+]], 31;
// CHECK-NEXT: shr.u32 [[M:%r[0-9]+]], [[S]], 1;
// CHECK-NEXT: xor.b32 {{%r[0-9]+}}, [[M]], [[X]];
// CHECK: setp.lt.s32
// CHECK: setp.gt.s32
// CHECK-NOT: .f32
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn c_total_cmp(x: *const f32, y: *const f32, out: *mut i32) {
        let i = gpu::thread_idx_x() as usize;
        *out.add(i) = match (*x.add(i)).total_cmp(&*y.add(i)) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        };
    }
}

/// Sorting three values with `total_cmp`: three integer compares, each
/// choosing a pair of `selp.f32`s; no float compares, no branches.
// CHECK-LABEL: .visible .entry d_sort3_total(
// CHECK-NOT: setp.{{[a-z]+}}.f32
// CHECK-COUNT-3: setp.gt.s32
// CHECK-NOT: setp.{{[a-z]+}}.f32
// CHECK-NOT: bra
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn d_sort3_total(v: *mut [f32; 3]) {
        let [mut a, mut b, mut c] = *v;
        if a.total_cmp(&b) == Ordering::Greater { core::mem::swap(&mut a, &mut b); }
        if b.total_cmp(&c) == Ordering::Greater { core::mem::swap(&mut b, &mut c); }
        if a.total_cmp(&b) == Ordering::Greater { core::mem::swap(&mut a, &mut b); }
        *v = [a, b, c];
    }
}
