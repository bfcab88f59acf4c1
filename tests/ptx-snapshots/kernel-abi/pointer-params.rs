//! Pointer parameters of every flavour: `*const`/`*mut` to scalars,
//! arrays, structs and pointers, `NonNull<T>`, `Option<NonNull<T>>` (a
//! nullable pointer, same ABI), `*const c_void` and a device function
//! pointer. Every one is a `.u64 .ptr .align 1` parameter, the function
//! pointer too: the entry ABI carries neither the pointee's alignment nor
//! what it points to, and the kernel converts each pointer it dereferences
//! to the global window with `cvta.to.global`.
//@ stages: ptx ptxas
#![no_std]

use core::ffi::c_void;
use core::ptr::NonNull;

#[repr(C)]
pub struct Pair {
    pub a: u32,
    pub b: f32,
}

// CHECK-LABEL: .visible .entry a_raw_pointers(
// CHECK-NEXT: .param .u64 .ptr .align 1 a_raw_pointers_param_0,
// CHECK-NEXT: .param .u64 .ptr .align 1 a_raw_pointers_param_1,
// CHECK-NEXT: .param .u64 .ptr .align 1 a_raw_pointers_param_2,
// CHECK-NEXT: .param .u64 .ptr .align 1 a_raw_pointers_param_3,
// CHECK-NEXT: .param .u64 .ptr .align 1 a_raw_pointers_param_4
// CHECK-NEXT: )
// CHECK-COUNT-5: cvta.to.global.u64
// The `[u32; 4]` is only 4-aligned: four scalar loads, not one `v4`.
// CHECK-NOT: ld.global.v4
// CHECK: ld.global.b32 {{%r[0-9]+}}, {{\[}}[[BLOCK:%rd[0-9]+]]{{\]}};
// CHECK-NEXT: ld.global.b32 {{%r[0-9]+}}, {{\[}}[[BLOCK]]+4];
// CHECK-NEXT: ld.global.b32 {{%r[0-9]+}}, {{\[}}[[BLOCK]]+8];
// CHECK-NEXT: ld.global.b32 {{%r[0-9]+}}, {{\[}}[[BLOCK]]+12];
// CHECK: ld.global.b8
// CHECK: st.global.b16
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn a_raw_pointers(
        bytes: *const u8,
        words: *mut u16,
        block: *const [u32; 4],
        pair: *mut Pair,
        out: *mut f64,
    ) {
        let [w, x, y, z] = *block;
        *words = *bytes as u16 + (w ^ x ^ y ^ z) as u16;
        (*pair).a += 1;
        *out = (*pair).b as f64;
    }
}

/// A pointer to a pointer: the inner pointer is a generic address too, so
/// the second load is through the generic window (`ld.b32`, no `.global`).
// CHECK-LABEL: .visible .entry b_pointer_to_pointer(
// CHECK: ld.global.b64 [[INNER:%rd[0-9]+]], [{{%rd[0-9]+}}];
// CHECK: ld.b32 {{%r[0-9]+}}, {{\[}}[[INNER]]{{\]}};
gpu::kernel! {
    pub unsafe fn b_pointer_to_pointer(pp: *const *const u32, out: *mut u32) {
        *out = **pp;
    }
}

/// `NonNull` is `#[repr(transparent)]` over a pointer; `Option<NonNull>`
/// uses the null niche, so `None` is a null `.u64` and the match is one
/// compare against null (converted to the global window like the pointer)
/// and a branch around the load.
// CHECK-LABEL: .visible .entry c_nonnull(
// CHECK-NEXT: .param .u64 .ptr .align 1 c_nonnull_param_0,
// CHECK-NEXT: .param .u64 .ptr .align 1 c_nonnull_param_1,
// CHECK-NEXT: .param .u64 .ptr .align 1 c_nonnull_param_2
// CHECK: setp.eq.b64 [[NONE:%p[0-9]+]],
// CHECK: @[[NONE]] bra
gpu::kernel! {
    pub unsafe fn c_nonnull(src: NonNull<u32>, bias: Option<NonNull<u32>>, out: *mut u32) {
        let b = match bias {
            Some(p) => *p.as_ptr(),
            None => 100,
        };
        *out = *src.as_ptr() + b;
    }
}

/// An opaque `*const c_void` cast to a concrete type inside the kernel.
// CHECK-LABEL: .visible .entry d_void_pointer(
// CHECK-NEXT: .param .u64 .ptr .align 1 d_void_pointer_param_0,
// CHECK: ld.global.b64
gpu::kernel! {
    pub unsafe fn d_void_pointer(opaque: *const c_void, out: *mut u64) {
        *out = *(opaque as *const u64) * 3;
    }
}

#[inline(never)]
fn square(x: u32) -> u32 {
    x.wrapping_mul(x)
}

/// A function pointer parameter is a `.ptr` parameter like a data pointer;
/// calling it is an indirect `call` through the raw parameter value with a
/// `.callprototype`, and the `None` arm a direct `call.uni`.
// CHECK-LABEL: .visible .entry e_fn_pointer(
// CHECK-NEXT: .param .u64 .ptr .align 1 e_fn_pointer_param_0,
// CHECK: ld.param.b64 [[F:%rd[0-9]+]], [e_fn_pointer_param_0];
// CHECK: prototype_[[N:[0-9]+]] : .callprototype (.param .b32 _) _ (.param .b32 _);
// CHECK-NEXT: call (retval0), [[F]], (param0), prototype_[[N]];
// CHECK: call.uni (retval0), {{.*}}square, (param0);
gpu::kernel! {
    pub unsafe fn e_fn_pointer(f: Option<extern "C" fn(u32) -> u32>, x: u32, out: *mut u32) {
        *out = match f {
            Some(f) => f(x),
            None => square(x),
        };
    }
}
