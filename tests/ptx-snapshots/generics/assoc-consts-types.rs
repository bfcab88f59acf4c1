//! Traits with associated constants, associated types and default
//! methods, used from generic device functions. Everything is resolved at
//! compile time: each kernel is a monomorphized instance whose associated
//! constants are immediates, and default methods that an impl overrides
//! never appear.
//@ stages: ptx ptxas
#![no_std]

trait Quantizer {
    /// The storage type of one quantized value.
    type Code: Copy;
    const BITS: u32;
    const SCALE: f32;

    fn encode(x: f32) -> Self::Code;
    fn decode(c: Self::Code) -> f32;

    /// Default method: round-trip error, written once for every impl.
    fn error(x: f32) -> f32 {
        let y = Self::decode(Self::encode(x));
        if x > y { x - y } else { y - x }
    }

    /// Default method that `Int4` overrides.
    fn levels() -> u32 {
        1 << Self::BITS
    }
}

struct Int8;
impl Quantizer for Int8 {
    type Code = i8;
    const BITS: u32 = 8;
    const SCALE: f32 = 127.0;
    fn encode(x: f32) -> i8 {
        (x * Self::SCALE) as i8
    }
    fn decode(c: i8) -> f32 {
        c as f32 / Self::SCALE
    }
}

struct Int4;
impl Quantizer for Int4 {
    type Code = u8;
    const BITS: u32 = 4;
    const SCALE: f32 = 7.0;
    fn encode(x: f32) -> u8 {
        ((x * Self::SCALE) as i8 as u8) & 0xf
    }
    fn decode(c: u8) -> f32 {
        (((c << 4) as i8) >> 4) as f32 / Self::SCALE
    }
    fn levels() -> u32 {
        15
    }
}

#[inline(always)]
unsafe fn run<Q: Quantizer>(xs: *const f32, err: *mut f32, meta: *mut u32) {
    let i = gpu::thread_idx_x() as usize;
    *err.add(i) = Q::error(*xs.add(i));
    if i == 0 {
        *meta = Q::BITS;
        *meta.add(1) = Q::levels();
        *meta.add(2) = core::mem::size_of::<Q::Code>() as u32;
    }
}

// CHECK-NOT: .func
/// `Int8`: SCALE 127 (0f42FE0000) as an immediate; `levels` is the default
/// `1 << 8`.
// CHECK-LABEL: .visible .entry a_int8(
// CHECK: mul.rn.f32 {{%r[0-9]+}}, {{%r[0-9]+}}, 0f42FE0000;
// CHECK: cvt.rzi.s16.f32
// CHECK: div.rn.f32 {{%r[0-9]+}}, {{%r[0-9]+}}, 0f42FE0000;
// CHECK: st.global.b32 [{{%rd[0-9]+}}], 8;
// CHECK: st.global.b32 [{{%rd[0-9]+}}+4], 256;
// CHECK: st.global.b32 [{{%rd[0-9]+}}+8], 1;
gpu::kernel! {
    pub unsafe fn a_int8(xs: *const f32, err: *mut f32, meta: *mut u32) {
        run::<Int8>(xs, err, meta);
    }
}

/// `Int4`: SCALE 7 (0f40E00000); `levels` is the override, 15. Decoding
/// sign-extends the low 4 bits with a shift pair.
// CHECK-LABEL: .visible .entry b_int4(
// CHECK: mul.rn.f32 {{%r[0-9]+}}, {{%r[0-9]+}}, 0f40E00000;
// CHECK: shl.b16 [[C:%rs[0-9]+]], {{%rs[0-9]+}}, 12;
// CHECK-NEXT: shr.s16 {{%rs[0-9]+}}, [[C]], 12;
// CHECK: div.rn.f32 {{%r[0-9]+}}, {{%r[0-9]+}}, 0f40E00000;
// CHECK: st.global.b32 [{{%rd[0-9]+}}], 4;
// CHECK: st.global.b32 [{{%rd[0-9]+}}+4], 15;
// CHECK: st.global.b32 [{{%rd[0-9]+}}+8], 1;
gpu::kernel! {
    pub unsafe fn b_int4(xs: *const f32, err: *mut f32, meta: *mut u32) {
        run::<Int4>(xs, err, meta);
    }
}

// No `.func` survives: every trait method was inlined.
// CHECK-NOT: .func
