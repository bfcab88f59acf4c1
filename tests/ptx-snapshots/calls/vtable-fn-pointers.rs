//! A trait object built by hand: a `#[repr(C)]` vtable struct of function
//! pointers plus a data pointer, the way C code (or a `dyn` lowering) does
//! it. The vtables are statics whose initializers are function addresses,
//! so the PTX holds `.global` tables naming the `.func`s, and every method
//! call loads a pointer from the table and makes an indirect `call` with a
//! `.callprototype`.
//@ stages: ptx ptxas
#![no_std]

#[repr(C)]
pub struct ShapeVTable {
    pub area: unsafe fn(*const f32) -> f32,
    pub scale: unsafe fn(*mut f32, f32),
    pub n_params: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct ShapeRef {
    pub data: *mut f32,
    pub vtable: &'static ShapeVTable,
}

unsafe fn circle_area(p: *const f32) -> f32 {
    3.14159265 * *p * *p
}
unsafe fn circle_scale(p: *mut f32, k: f32) {
    *p *= k;
}
unsafe fn rect_area(p: *const f32) -> f32 {
    *p * *p.add(1)
}
unsafe fn rect_scale(p: *mut f32, k: f32) {
    *p *= k;
    *p.add(1) *= k;
}
unsafe fn tri_area(p: *const f32) -> f32 {
    0.5 * *p * *p.add(1)
}

static CIRCLE: ShapeVTable = ShapeVTable { area: circle_area, scale: circle_scale, n_params: 1 };
static RECT: ShapeVTable = ShapeVTable { area: rect_area, scale: rect_scale, n_params: 2 };
/// A triangle scales like a rectangle: two vtables share a function.
static TRI: ShapeVTable = ShapeVTable { area: tri_area, scale: rect_scale, n_params: 2 };

static VTABLES: [&ShapeVTable; 3] = [&CIRCLE, &RECT, &TRI];

// The vtable statics are tables of `.u64` function addresses (and the
// `n_params` integer); the table of vtable references holds their generic
// addresses.
// CHECK-DAG: .global .align 8 .u64 {{.*}}6CIRCLE[3] = {{[{]}}{{.*}}11circle_area, {{.*}}12circle_scale, 1};
// CHECK-DAG: .global .align 8 .u64 {{.*}}4RECT[3] = {{[{]}}{{.*}}9rect_area, {{.*}}10rect_scale, 2};
// CHECK-DAG: .global .align 8 .u64 {{.*}}3TRI[3] = {{[{]}}{{.*}}8tri_area, {{.*}}10rect_scale, 2};
// CHECK-DAG: .global .align 8 .u64 {{.*}}7VTABLES[3] = {{[{]}}generic({{.*}}6CIRCLE), generic({{.*}}4RECT), generic({{.*}}3TRI)};

/// Scale every shape, then sum the areas: two indirect calls per shape,
/// through pointers loaded from the vtable (`scale` at offset 8, `area` at
/// 0), none of them inlined or turned into direct calls.
// CHECK-LABEL: .visible .entry total_area(
// CHECK-NOT: call.uni
// CHECK: ld.global.nc.b64 [[VT:%rd[0-9]+]],
// CHECK: ld.b64 {{%rd[0-9]+}}, {{\[}}[[VT]]+8];
// CHECK: prototype_[[S:[0-9]+]] : .callprototype ()_ (.param .b64 _, .param .b32 _);
// CHECK-NEXT: call {{%rd[0-9]+}}, (param0, param1), prototype_[[S]];
// CHECK: prototype_[[A:[0-9]+]] : .callprototype (.param .b32 _) _ (.param .b64 _);
// CHECK-NEXT: call (retval0), {{%rd[0-9]+}}, (param0), prototype_[[A]];
// CHECK-NOT: call.uni
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn total_area(kinds: *const u32, params: *mut f32, n: usize, k: f32, out: *mut f32) {
        let mut sum = 0.0;
        let mut data = params;
        for i in 0..n {
            let vt = VTABLES[*kinds.add(i) as usize % 3];
            let shape = ShapeRef { data, vtable: vt };
            (shape.vtable.scale)(shape.data, k);
            sum += (shape.vtable.area)(shape.data);
            data = data.add(shape.vtable.n_params);
        }
        *out = sum;
    }
}
