//! Arrays by value as kernel parameters: `[f32; 4]` and `[u8; 3]` become
//! `.param .align N .b8` arrays of the element alignment.
//@ stages: ptx ptxas
#![no_std]
// rustc warns about arrays by value in any `extern` fn; for kernels they
// are a fixed-size `.param` array and fine.
#![allow(improper_ctypes_definitions)]

// CHECK-LABEL: .visible .entry mat_vec(
// CHECK-NEXT: .param .align 4 .b8 mat_vec_param_0[64],
// CHECK-NEXT: .param .align 4 .b8 mat_vec_param_1[16],
gpu::kernel! {
    pub unsafe fn mat_vec(m: [[f32; 4]; 4], v: [f32; 4], out: *mut f32) {
        for r in 0..4 {
            let mut acc = 0.0;
            for c in 0..4 {
                acc += m[r][c] * v[c];
            }
            *out.add(r) = acc;
        }
    }
}

// CHECK-LABEL: .visible .entry rgb(
// CHECK-NEXT: .param .align 1 .b8 rgb_param_0[3],
gpu::kernel! {
    pub unsafe fn rgb(color: [u8; 3], out: *mut u32) {
        *out = (color[0] as u32) << 16 | (color[1] as u32) << 8 | color[2] as u32;
    }
}
