//! `#[repr(C)]` structs nested by value: a struct of structs, arrays of
//! structs inside structs, and padding at every level (C layout: each
//! field at its own alignment, the size rounded up to the struct's
//! alignment). The whole tree is one `.param .align N .b8 name[size]`
//! array, and each leaf is read at its flattened C offset.
//@ stages: ptx ptxas
#![no_std]

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Vec3 {
    pub x: f32, // 0
    pub y: f32, // 4
    pub z: f32, // 8
} // size 12, align 4

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Ray {
    pub origin: Vec3, // 0
    pub dir: Vec3,    // 12
    pub tmax: f32,    // 24
    pub depth: u8,    // 28
} // size 32 (3 bytes of tail padding), align 4

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Tagged {
    pub tag: u16,  // 0
    pub ray: Ray,  // 4 (2 bytes of padding after `tag`)
    pub id: u64,   // 40 (4 bytes of padding after `ray`)
} // size 48, align 8

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Aabb {
    pub corners: [Vec3; 2], // 0, 12
    pub flags: u8,          // 24
} // size 28, align 4

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Scene {
    pub boxes: [Aabb; 2], // 0, 28
    pub ray: Ray,         // 56
} // size 88, align 4

/// Reads a leaf deep inside: `t.ray.dir.z` at 4 + 12 + 8 = 24, `t.ray.depth`
/// at 4 + 28 = 32, `t.id` at 40.
// CHECK-LABEL: .visible .entry a_tagged(
// CHECK-NEXT: .param .align 8 .b8 a_tagged_param_0[48],
// CHECK-DAG: [a_tagged_param_0+24]
// CHECK-DAG: [a_tagged_param_0+32]
// CHECK-DAG: [a_tagged_param_0+40]
gpu::kernel! {
    pub unsafe fn a_tagged(t: Tagged, out: *mut f64) {
        *out = t.ray.dir.z as f64 + t.ray.depth as f64 + t.id as f64 + t.tag as f64;
    }
}

/// `s.boxes[1].corners[1].y` at 28 + 12 + 4 = 44, `s.boxes[1].flags` at
/// 28 + 24 = 52, `s.ray.tmax` at 56 + 24 = 80.
// CHECK-LABEL: .visible .entry b_scene(
// CHECK-NEXT: .param .align 4 .b8 b_scene_param_0[88],
// CHECK-DAG: [b_scene_param_0+44]
// CHECK-DAG: [b_scene_param_0+52]
// CHECK-DAG: [b_scene_param_0+80]
gpu::kernel! {
    pub unsafe fn b_scene(s: Scene, out: *mut f32) {
        *out = s.boxes[1].corners[1].y + s.boxes[1].flags as f32 + s.ray.tmax;
    }
}

/// A nested struct indexed at run time: the parameter gets an 88-byte
/// local copy so it can be addressed (only the four floats the kernel can
/// read are stored into it), and the index is scaled by `Aabb`'s size, 28.
// CHECK-LABEL: .visible .entry c_scene_dynamic(
// CHECK: .local .align 4 .b8 __local_depot{{[0-9]+}}[88];
// CHECK-COUNT-4: st.local.b32
// CHECK: mul.wide.u32 {{%rd[0-9]+}}, {{%r[0-9]+}}, 28;
// CHECK: ld.local.b32
// CHECK: ld.local.b32
gpu::kernel! {
    pub unsafe fn c_scene_dynamic(s: Scene, which: u32, out: *mut f32) {
        let b = &s.boxes[(which & 1) as usize];
        *out = b.corners[0].x + b.corners[1].x;
    }
}

/// Writing a nested struct through a pointer: the fields go out at the
/// same offsets (adjacent floats paired into `v2` stores), and the padding
/// bytes (2..4, 29..32, 33..40) are not written.
// CHECK-LABEL: .visible .entry d_store_tagged(
// CHECK: st.global.b16 {{\[}}[[P:%rd[0-9]+]]{{\]}}, 7;
// CHECK-NEXT: st.global.b32 {{\[}}[[P]]+4],
// CHECK-NEXT: st.global.v2.b32 {{\[}}[[P]]+8],
// CHECK-NEXT: st.global.v2.b32 {{\[}}[[P]]+16],
// CHECK-NEXT: st.global.v2.b32 {{\[}}[[P]]+24], {{[{]}}{{%r[0-9]+}}, 0f7149F2CA};
// CHECK-NEXT: st.global.b8 {{\[}}[[P]]+32], 3;
// CHECK-NEXT: st.global.b64 {{\[}}[[P]]+40], 99;
// CHECK-NEXT: ret;
gpu::kernel! {
    pub unsafe fn d_store_tagged(out: *mut Tagged, k: f32) {
        let v = Vec3 { x: k, y: k * 2.0, z: k * 3.0 };
        *out = Tagged { tag: 7, ray: Ray { origin: v, dir: v, tmax: 1e30, depth: 3 }, id: 99 };
    }
}
