//! A dense `match` on an integer becomes a PTX jump table (`brx.idx` over a
//! `.branchtargets` list); a sparse one stays a compare chain.
//@ stages: ptx ptxas sass
#![no_std]

#[inline(never)]
fn opaque(x: u32) -> u32 {
    x.wrapping_mul(2654435761)
}

// CHECK-LABEL: .visible .entry dense(
// CHECK: .branchtargets
// CHECK: brx.idx
gpu::kernel! {
    pub unsafe fn dense(op: u32, a: u32, b: u32, out: *mut u32) {
        *out = match op {
            0 => a.wrapping_add(b),
            1 => a.wrapping_sub(b),
            2 => a.wrapping_mul(b),
            3 => a & b,
            4 => a | b,
            5 => a ^ b,
            6 => a.wrapping_shl(b),
            7 => opaque(a),
            8 => opaque(b) + 1,
            _ => 0,
        };
    }
}

// CHECK-LABEL: .visible .entry sparse(
// CHECK-NOT: brx.idx
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn sparse(op: u32, a: u32, out: *mut u32) {
        *out = match op {
            1 => a + 1,
            1000 => a * 3,
            70000 => a >> 2,
            u32::MAX => !a,
            _ => a,
        };
    }
}

gpu::kernel! {
    pub unsafe fn ranges_and_guards(x: i32, out: *mut i32) {
        *out = match x {
            i32::MIN..=-1 => -1,
            0 => 0,
            1..=9 if x % 2 == 0 => 2,
            1..=9 => 1,
            10 | 20 | 30 => 10,
            _ => 100,
        };
    }
}
