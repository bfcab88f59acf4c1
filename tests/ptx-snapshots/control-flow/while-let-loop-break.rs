//! Loop forms beyond `for`: `while let` draining a stack, `loop` with
//! `break value` (a search that yields its result from the loop), and a
//! `match` on a tuple of three scrutinees with nested patterns, guards and
//! ranges. Each loop keeps its back edge (a branch to a label above it)
//! and each early exit its own branch out.
//@ stages: ptx ptxas
#![no_std]

use core::cmp::Ordering;

struct Stack {
    items: [u32; 16],
    len: usize,
}

impl Stack {
    fn pop(&mut self) -> Option<u32> {
        if self.len == 0 {
            None
        } else {
            self.len -= 1;
            Some(self.items[self.len])
        }
    }
}

/// `while let Some(v) = stack.pop()`: the loop exits on `None` or on a
/// zero item. The stack, indexed at run time, lives in local memory.
// CHECK-LABEL: .visible .entry a_while_let(
// CHECK: .local .align 4 .b8 __local_depot{{[0-9]+}}[64];
// CHECK: [[POP:\$L__BB[0-9_]+]]:
// CHECK: ld.local.b32 [[V:%r[0-9]+]],
// CHECK: setp.ne.b32 {{%p[0-9]+}}, [[V]], 0;
// CHECK: mad.lo.s32 {{%r[0-9]+}}, {{%r[0-9]+}}, 31, [[V]];
// CHECK: bra.uni [[POP]];
// CHECK: st.global.b32
gpu::kernel! {
    pub unsafe fn a_while_let(src: *const u32, n: u32, out: *mut u32) {
        let mut s = Stack { items: *(src as *const [u32; 16]), len: (n as usize).min(16) };
        let mut acc = 0u32;
        while let Some(v) = s.pop() {
            if v == 0 {
                break;
            }
            acc = acc.wrapping_mul(31).wrapping_add(v);
        }
        *out = acc;
    }
}

/// `loop { … break i; }` with the result used after the loop, plus a
/// second exit (`break u32::MAX`) when the search runs out.
// CHECK-LABEL: .visible .entry b_loop_break_value(
// CHECK: mov.b32 [[NOTFOUND:%r[0-9]+]], -1;
// CHECK: [[LOOP:\$L__BB[0-9_]+]]:
// CHECK: @{{%p[0-9]+}} bra [[EXIT:\$L__BB[0-9_]+]];
// CHECK: mov.b32 {{%r[0-9]+}}, [[NOTFOUND]];
// CHECK: @{{%p[0-9]+}} bra [[LOOP]];
// CHECK: [[EXIT]]:
// CHECK: st.global.b32
gpu::kernel! {
    pub unsafe fn b_loop_break_value(hay: *const u32, n: u32, needle: u32, out: *mut u32) {
        let mut i = 0;
        let found = loop {
            if i == n {
                break u32::MAX;
            }
            if *hay.add(i as usize) == needle {
                break i;
            }
            i += 1;
        };
        *out = found;
    }
}

/// A match on `(Ordering, u32 & 3, bool)` with nested patterns: one
/// three-way branch on the `Ordering` (`-1`/`0`/`1` from two compares),
/// then each arm's inner patterns become `selp` chains, with no branches.
/// The impossible fourth `Ordering` value is `unreachable`: an `exit`
/// block up to sm_90a, no block at all for sm_100 and sm_120.
// CHECK-LABEL: .visible .entry c_tuple_match(
// CHECK: setp.lt.s32
// CHECK: setp.gt.s32
// CHECK-COUNT-3: selp.b32
// CHECK-NOT: call
// CHECK: st.global.b32
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn c_tuple_match(a: *const i32, b: *const i32, bits: *const u32, out: *mut u32) {
        let i = gpu::thread_idx_x() as usize;
        let (x, y, k) = (*a.add(i), *b.add(i), *bits.add(i));
        *out.add(i) = match (x.cmp(&y), k & 3, k & 4 != 0) {
            (Ordering::Less, 0, true) => 1,
            (Ordering::Less, 0 | 1, false) => 2,
            (Ordering::Less, _, _) => 3,
            (Ordering::Equal, m, flag) if flag && m > 1 => 10 + m,
            (Ordering::Equal, _, _) => 20,
            (Ordering::Greater, 3, _) => 30,
            (Ordering::Greater, 1..=2, true) => 40,
            (Ordering::Greater, _, _) => (x - y) as u32,
        };
    }
}
