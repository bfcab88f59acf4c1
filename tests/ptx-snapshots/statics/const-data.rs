//! Constant data of several kinds: byte strings, a struct table, `f64`
//! constants (printed as hex `0d…` literals) and a `static mut` scratch
//! array written from device code.
//@ stages: ptx ptxas
#![no_std]

#[repr(C)]
pub struct Material {
    pub albedo: f32,
    pub roughness: f32,
    pub id: u16,
}

static MATERIALS: [Material; 3] = [
    Material { albedo: 0.9, roughness: 0.1, id: 1 },
    Material { albedo: 0.5, roughness: 0.5, id: 2 },
    Material { albedo: 0.04, roughness: 0.9, id: 3 },
];

static GREETING: &[u8] = b"hello from the device";

static mut SCRATCH: [u32; 32] = [0; 32];

// CHECK-LABEL: .visible .entry shade(
// CHECK: mul.rn.f64 {{%rd[0-9]+}}, {{%rd[0-9]+}}, 0d400921FB54442D18;
gpu::kernel! {
    pub unsafe fn shade(ids: *const u8, out: *mut f64) {
        let i = gpu::thread_idx_x() as usize;
        let m = &MATERIALS[*ids.add(i) as usize % 3];
        let v = m.albedo as f64 * core::f64::consts::PI;
        *out.add(i) = v + m.roughness as f64 + m.id as f64;
    }
}

// CHECK-LABEL: .visible .entry stash(
// CHECK: st.global.b32
gpu::kernel! {
    pub unsafe fn stash(out: *mut u8) {
        let i = gpu::thread_idx_x() as usize % 32;
        let scratch = &raw mut SCRATCH;
        (*scratch)[i] = i as u32 * 7;
        gpu::sync_threads();
        *out.add(i) = GREETING[i % GREETING.len()] ^ (*scratch)[31 - i] as u8;
    }
}
