//! Bit-level float operations: `to_bits`/`from_bits` are free register
//! moves, `copysign` and `abs` are bit ops or `abs`, `is_nan` is a compare.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry bits(
// CHECK-NOT: cvt.{{.*}}f32
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn bits(x: *const f32, out: *mut u32) {
        let a = *x;
        *out = a.to_bits();
        *out.add(1) = (a.to_bits() >> 23) & 0xff;
        *out.add(2) = f32::from_bits(a.to_bits() ^ 0x8000_0000).to_bits();
        *out.add(3) = a.is_sign_negative() as u32;
        *out.add(4) = a.copysign(-1.0).to_bits();
        *out.add(5) = a.is_nan() as u32 + a.is_infinite() as u32 * 2 + a.is_normal() as u32 * 4;
        *out.add(6) = a.classify() as u32;
    }
}

gpu::kernel! {
    pub unsafe fn f16_bits(x: *const u16, out: *mut f32) {
        // Manual half → single conversion, the way device code without f16
        // support would do it.
        let h = *x as u32;
        let sign = (h & 0x8000) << 16;
        let exp = (h >> 10) & 0x1f;
        let mant = h & 0x3ff;
        let bits = if exp == 0 {
            sign
        } else if exp == 31 {
            sign | 0x7f80_0000 | mant << 13
        } else {
            sign | (exp + 112) << 23 | mant << 13
        };
        *out = f32::from_bits(bits);
    }
}
