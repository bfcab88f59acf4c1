//! `#[link_section]` and `#[used]` on device statics. PTX has no sections:
//! the NVPTX back end ignores the section name, so a table placed in
//! `.nv.constant3` (the name CUDA's ELF uses for a constant bank) is still
//! an ordinary `.global` variable, not `.const` data, and a `static mut`
//! in a section is optimized like any other (only its first element is
//! used, so it shrinks to one `.u32`). `#[used]` keeps a static no kernel
//! reads.
//@ stages: ptx ptxas
#![no_std]

#[link_section = ".nv.constant3"]
static COEFFS: [f32; 4] = [0.5, 0.25, 0.125, 0.0625];

#[link_section = ".nv.global.keep"]
static mut KEEP: [u32; 2] = [0xdead, 0xbeef];

/// Referenced by no kernel; `#[used]` should keep it in the module.
#[used]
#[link_section = ".nv.info.marker"]
static MARKER: [u8; 4] = *b"PTX1";

// CHECK-NOT: .const
// CHECK-DAG: .global .align 1 .b8 {{.*}}6MARKER[4] = {80, 84, 88, 49};
// CHECK-DAG: .global .align 4 .u32 [[$KEEP:.*4KEEP.*]] = 57005;
// CHECK-DAG: .global .align 4 .b8 [[$COEFFS:.*6COEFFS]][16] = {0, 0, 0, 63, 0, 0, 128, 62, 0, 0, 0, 62, 0, 0, 128, 61};
// CHECK-NOT: .const
// CHECK-LABEL: .visible .entry poly(
// CHECK: mov.b64 {{%rd[0-9]+}}, [[$COEFFS]];
// CHECK: ld.global.nc.b32
// CHECK: ld.global.b32 {{%r[0-9]+}}, {{\[}}[[$KEEP]]{{\]}};
gpu::kernel! {
    pub unsafe fn poly(x: *const f32, out: *mut f32) {
        let x = *x;
        let c = &COEFFS;
        let i = (gpu::thread_idx_x() & 3) as usize;
        *out = c[0] + x * (c[1] + x * (c[2] + x * c[i]));
        let k = &raw mut KEEP;
        (*k)[0] = (*k)[0].wrapping_add(1);
    }
}
