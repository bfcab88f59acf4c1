//! Forty parameters of mixed types (8/16/32/64-bit integers, both float
//! widths, `#[repr(transparent)]` newtypes and `#[repr(C)]` structs by
//! value, pointers), in source order, each with its own PTX parameter
//! type. Every one is read: the result depends on all of them.
//@ stages: ptx ptxas sass
#![no_std]

/// A newtype is passed exactly like the type it wraps.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Meters(pub f32);

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Span {
    pub start: u32,
    pub len: u64,
}

// CHECK-LABEL: .visible .entry mixed40(
// CHECK-NEXT: .param .u8 mixed40_param_0,
// CHECK-NEXT: .param .u16 mixed40_param_1,
// CHECK-NEXT: .param .u32 mixed40_param_2,
// CHECK-NEXT: .param .u64 mixed40_param_3,
// CHECK-NEXT: .param .f32 mixed40_param_4,
// CHECK-NEXT: .param .f64 mixed40_param_5,
// CHECK-NEXT: .param .u8 mixed40_param_6,
// CHECK-NEXT: .param .f32 mixed40_param_7,
// CHECK-NEXT: .param .align 1 .b8 mixed40_param_8[3],
// CHECK-NEXT: .param .align 8 .b8 mixed40_param_9[16],
// CHECK-NEXT: .param .u8 mixed40_param_10,
// CHECK-NEXT: .param .u16 mixed40_param_11,
// CHECK-NEXT: .param .u32 mixed40_param_12,
// CHECK-NEXT: .param .u64 mixed40_param_13,
// CHECK-NEXT: .param .f32 mixed40_param_14,
// CHECK-NEXT: .param .f64 mixed40_param_15,
// CHECK-NEXT: .param .u8 mixed40_param_16,
// CHECK-NEXT: .param .f32 mixed40_param_17,
// CHECK-NEXT: .param .align 1 .b8 mixed40_param_18[3],
// CHECK-NEXT: .param .align 8 .b8 mixed40_param_19[16],
// CHECK-NEXT: .param .u8 mixed40_param_20,
// CHECK-NEXT: .param .u16 mixed40_param_21,
// CHECK-NEXT: .param .u32 mixed40_param_22,
// CHECK-NEXT: .param .u64 mixed40_param_23,
// CHECK-NEXT: .param .f32 mixed40_param_24,
// CHECK-NEXT: .param .f64 mixed40_param_25,
// CHECK-NEXT: .param .u8 mixed40_param_26,
// CHECK-NEXT: .param .f32 mixed40_param_27,
// CHECK-NEXT: .param .align 1 .b8 mixed40_param_28[3],
// CHECK-NEXT: .param .align 8 .b8 mixed40_param_29[16],
// CHECK-NEXT: .param .u8 mixed40_param_30,
// CHECK-NEXT: .param .u16 mixed40_param_31,
// CHECK-NEXT: .param .u32 mixed40_param_32,
// CHECK-NEXT: .param .u64 mixed40_param_33,
// CHECK-NEXT: .param .f32 mixed40_param_34,
// CHECK-NEXT: .param .f64 mixed40_param_35,
// CHECK-NEXT: .param .u8 mixed40_param_36,
// CHECK-NEXT: .param .f32 mixed40_param_37,
// CHECK-NEXT: .param .align 1 .b8 mixed40_param_38[3],
// CHECK-NEXT: .param .u64 .ptr .align 1 mixed40_param_39
// CHECK-NEXT: )
// The last struct's bytes, the last `Span` and the last scalar are read.
// CHECK-DAG: ld.param.b8 {{%r[a-z]*[0-9]+}}, [mixed40_param_38+2];
// CHECK-DAG: ld.param.b64 {{%rd[0-9]+}}, [mixed40_param_29+8];
// CHECK-DAG: ld.param.b32 {{%r[0-9]+}}, [mixed40_param_37];
gpu::kernel! {
    pub unsafe fn mixed40(
        a0: i8, b0: u16, c0: i32, d0: u64, e0: f32, f0: f64, g0: bool, h0: Meters, i0: Rgb, j0: Span,
        a1: u8, b1: i16, c1: u32, d1: i64, e1: f32, f1: f64, g1: bool, h1: Meters, i1: Rgb, j1: Span,
        a2: i8, b2: u16, c2: i32, d2: u64, e2: f32, f2: f64, g2: bool, h2: Meters, i2: Rgb, j2: Span,
        a3: u8, b3: i16, c3: u32, d3: i64, e3: f32, f3: f64, g3: bool, h3: Meters, i3: Rgb,
        out: *mut f64,
    ) {
        #[inline(always)]
        fn group(a: i64, b: i64, c: i64, d: i64, e: f32, f: f64, g: bool, h: Meters, i: Rgb) -> f64 {
            let rgb = (i.r as i64) << 16 | (i.g as i64) << 8 | i.b as i64;
            let ints = a + b * 3 + c * 5 + d * 7 + g as i64 * 11 + rgb;
            ints as f64 + e as f64 + f + h.0 as f64
        }
        let mut acc = group(a0 as i64, b0 as i64, c0 as i64, d0 as i64, e0, f0, g0, h0, i0);
        acc += group(a1 as i64, b1 as i64, c1 as i64, d1, e1, f1, g1, h1, i1);
        acc += group(a2 as i64, b2 as i64, c2 as i64, d2 as i64, e2, f2, g2, h2, i2);
        acc += group(a3 as i64, b3 as i64, c3 as i64, d3, e3, f3, g3, h3, i3);
        let spans = j0.start as u64 + j0.len + j1.start as u64 * 2 + j1.len * 3 + j2.start as u64 + j2.len;
        *out = acc * spans as f64;
    }
}
