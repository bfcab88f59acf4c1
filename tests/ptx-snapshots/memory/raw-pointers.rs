//! Raw pointer arithmetic: `add`/`offset`/`wrapping_*`, `offset_from`,
//! casts between pointer types, pointer↔address round trips and null
//! checks. Kernel pointer parameters are global (`cvta.to.global`).
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry pointer_math(
// CHECK: cvta.to.global.u64
// CHECK: ld.global
gpu::kernel! {
    pub unsafe fn pointer_math(base: *const i32, end: *const i32, out: *mut isize) {
        let n = end.offset_from(base);
        let mid = base.offset(n / 2);
        let back = mid.wrapping_sub(1);
        *out = n;
        *out.add(1) = *mid as isize + *back as isize;
        *out.add(2) = (mid as usize - base as usize) as isize;
    }
}

gpu::kernel! {
    pub unsafe fn reinterpret(words: *const u32, out: *mut u8) {
        let bytes = words as *const u8;
        for i in 0..4 {
            *out.add(i) = *bytes.add(3 - i);
        }
        let halves = words as *const u16;
        *out.add(4) = (*halves.add(1) >> 8) as u8;
    }
}

gpu::kernel! {
    pub unsafe fn linked_list(head: *const Node, out: *mut u64) {
        let mut sum = 0u64;
        let mut p = head;
        while !p.is_null() {
            sum += (*p).value;
            p = (*p).next;
        }
        *out = sum;
    }
}

#[repr(C)]
pub struct Node {
    pub value: u64,
    pub next: *const Node,
}
