//! `#[no_mangle]` and `#[export_name]` functions of the cdylib are exported
//! symbols: they stay in the PTX as `.visible .func` (with the C ABI's
//! `.param` passing), so other modules can link against them, as rustc's
//! own NVPTX linker keeps them (its `nvptx-c-abi-arg-v7` and
//! `nvptx-c-abi-ret-v7` assembly tests expect exactly such functions).
//! Private helpers are still internalized, and the kernel that calls an
//! exported function keeps its own copy inlined or calls it.
//@ stages: ptx ptxas
// CHECK-DAG: .visible .func (.param .b32 func_retval0) add_f32(
// CHECK-DAG: .visible .func scale(
// CHECK-DAG: .visible .func (.param .align 4 .b8 func_retval0[12]) make_vec3(
// CHECK-DAG: .visible .func (.param .b32 func_retval0) renamed_dot(
// CHECK-DAG: .visible .entry uses_exported(
// CHECK-NOT: .visible .func {{.*}}private_helper
#![no_std]

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Vec3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

#[no_mangle]
pub extern "C" fn add_f32(a: f32, b: f32) -> f32 {
    a + b
}

#[no_mangle]
pub unsafe extern "C" fn scale(p: *mut f32, s: f32) {
    *p *= s;
}

#[no_mangle]
pub extern "C" fn make_vec3(x: f32, y: f32, z: f32) -> Vec3 {
    Vec3 { x, y, z }
}

#[export_name = "renamed_dot"]
pub extern "C" fn dot(a: Vec3, b: Vec3) -> f32 {
    private_helper(a.x * b.x + a.y * b.y) + a.z * b.z
}

#[inline(never)]
fn private_helper(x: f32) -> f32 {
    x * 0.5
}

gpu::kernel! {
    pub unsafe fn uses_exported(p: *mut f32) {
        *p = add_f32(*p, 1.0);
    }
}
