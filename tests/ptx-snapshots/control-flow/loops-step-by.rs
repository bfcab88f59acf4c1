//! Counted loops: `step_by`, reversed ranges, `while` and `loop` with a
//! break value. The bodies write through the output pointer so that nothing
//! folds away.
//@ stages: ptx ptxas
#![no_std]

// CHECK-LABEL: .visible .entry step_by_3(
// CHECK: [[LOOP:\$L__BB[0-9_]+]]:
// CHECK: st.global.b32
// CHECK: bra{{.*}} [[LOOP]]
gpu::kernel! {
    pub unsafe fn step_by_3(n: u32, out: *mut u32) {
        for i in (0..n).step_by(3) {
            *out.add(i as usize) = i * i;
        }
    }
}

gpu::kernel! {
    pub unsafe fn reversed_inclusive(n: u32, out: *mut u32) {
        let mut k = 0usize;
        for i in (1..=n).rev().step_by(2) {
            *out.add(k) = i;
            k += 1;
        }
    }
}

gpu::kernel! {
    pub unsafe fn collatz(start: u64, out: *mut u32) {
        let mut x = start.max(1);
        let mut steps = 0u32;
        while x != 1 {
            x = if x % 2 == 0 { x / 2 } else { 3 * x + 1 };
            steps += 1;
        }
        *out = steps;
    }
}

gpu::kernel! {
    pub unsafe fn loop_break_value(data: *const i32, n: usize, out: *mut usize) {
        let mut i = 0;
        let found = loop {
            if i == n {
                break usize::MAX;
            }
            if *data.add(i) < 0 {
                break i;
            }
            i += 1;
        };
        *out = found;
    }
}
