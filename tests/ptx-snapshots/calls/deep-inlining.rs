//! Deep call chains. Twelve levels of small generic helpers, reached
//! through a trait method, a closure and an iterator adapter, all inline
//! into the kernel: no `.func` is left for them, the kernel makes no call,
//! and what remains is one rotate (`shf.l.wrap`) per `step`: 17 steps
//! (`l12` runs the `l1`..`l8` chain twice, then one more), less the two
//! `step(8)`s, whose rotate by `8 & 7 == 0` folds away: 15. One `#[inline(never)]` leaf at the bottom of an equally deep
//! chain survives as the only `.func`, called exactly once.
//@ stages: ptx ptxas
#![no_std]

trait Step {
    fn step(self, k: u32) -> Self;
}
impl Step for u32 {
    fn step(self, k: u32) -> u32 {
        self.rotate_left(k & 7) ^ k
    }
}

fn l1<T: Step>(x: T) -> T { x.step(1) }
fn l2<T: Step>(x: T) -> T { l1(x).step(2) }
fn l3<T: Step>(x: T) -> T { l2(x).step(3) }
fn l4<T: Step>(x: T) -> T { l3(x).step(4) }
fn l5<T: Step>(x: T) -> T { l4(x).step(5) }
fn l6<T: Step>(x: T) -> T { l5(x).step(6) }
fn l7<T: Step>(x: T) -> T { l6(x).step(7) }
fn l8<T: Step>(x: T) -> T { l7(x).step(8) }
fn l9<T: Step>(x: T) -> T { let f = |v: T| l8(v); f(x) }
fn l10<T: Step + Copy>(x: T) -> T { [x].into_iter().map(l9).next().unwrap() }
fn l11<T: Step + Copy>(x: T) -> T { l10(l10(x)) }
fn l12<T: Step + Copy>(x: T) -> T { l11(x).step(12) }

// The only `.func` declared is the leaf.
// CHECK-NOT: .func
// CHECK: .func (.param .b32 func_retval0) [[$LEAF:.*4leaf]]
// CHECK-NOT: .func
// CHECK-LABEL: .visible .entry a_all_inlined(
// CHECK-NOT: call
// CHECK-COUNT-15: shf.l.wrap.b32
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn a_all_inlined(x: *const u32, out: *mut u32) {
        *out = l12(*x);
    }
}

#[inline(never)]
fn leaf(x: u32) -> u32 {
    x.wrapping_mul(0x9e37_79b9)
}
fn m1(x: u32) -> u32 { leaf(x) + 1 }
fn m2(x: u32) -> u32 { m1(x) ^ 2 }
fn m3(x: u32) -> u32 { m2(x) + 3 }
fn m4(x: u32) -> u32 { m3(x) ^ 4 }
fn m5(x: u32) -> u32 { m4(x) + 5 }
fn m6(x: u32) -> u32 { m5(x) ^ 6 }
fn m7(x: u32) -> u32 { m6(x) + 7 }
fn m8(x: u32) -> u32 { m7(x) ^ 8 }

// CHECK-LABEL: .visible .entry b_leaf_survives(
// CHECK: call.uni (retval0), [[$LEAF]], (param0);
// CHECK-NOT: call.uni
// CHECK: ret;
// CHECK: .func (.param .b32 func_retval0) [[$LEAF]](
// CHECK-NOT: .func
gpu::kernel! {
    pub unsafe fn b_leaf_survives(x: *const u32, out: *mut u32) {
        *out = m8(*x);
    }
}
