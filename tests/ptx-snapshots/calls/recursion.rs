//! Recursive device functions. A simple tail-recursive one becomes a loop;
//! a tree recursion stays a real recursive call, which needs a call stack
//! (the ptxas stage shows the recursive `.func`s' stack frames).
//@ stages: ptx ptxas sass
#![no_std]

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[inline(never)]
fn ackermann(m: u32, n: u32) -> u32 {
    match (m, n) {
        (0, n) => n + 1,
        (m, 0) => ackermann(m - 1, 1),
        (m, n) => ackermann(m - 1, ackermann(m, n - 1)),
    }
}

#[inline(never)]
fn tree_depth(nodes: *const [i32; 2], i: i32) -> u32 {
    if i < 0 {
        return 0;
    }
    let [l, r] = unsafe { *nodes.add(i as usize) };
    1 + tree_depth(nodes, l).max(tree_depth(nodes, r))
}

// CHECK-LABEL: .visible .entry gcd_kernel(
// CHECK-NOT: call
// CHECK: ret;
gpu::kernel! {
    pub unsafe fn gcd_kernel(a: *const u64, out: *mut u64) {
        *out = gcd(*a, *a.add(1));
    }
}

// CHECK-LABEL: .visible .entry recursive_calls(
// CHECK: call.uni (retval0), {{.*}}ackermann
// CHECK: call.uni (retval0), {{.*}}tree_depth
// The recursive function calls itself:
// CHECK: .func (.param .b32 func_retval0) [[F:.*10tree_depth]](
// CHECK: call.uni (retval0), [[F]],
gpu::kernel! {
    pub unsafe fn recursive_calls(mn: *const u32, nodes: *const [i32; 2], out: *mut u32) {
        *out = ackermann(*mn, *mn.add(1));
        *out.add(1) = tree_depth(nodes, 0);
    }
}

// The recursive functions keep a stack frame (their registers spill to it
// around each call), and the kernel calls them with CALL.REL in SASS.
// PTXAS-CHECK: func {{.*}}10tree_depth: registers=0 stack={{[1-9][0-9]*}}
// PTXAS-CHECK: func {{.*}}9ackermann: registers=0 stack={{[1-9][0-9]*}}
// SASS-CHECK-LABEL: .entry recursive_calls
// SASS-CHECK: CALL.REL.NOINC {{.*}}9ackermann
// SASS-CHECK: CALL.REL.NOINC {{.*}}10tree_depth
// ptxas copies the callees into the kernel's code section; each saves its
// registers to the local stack (STL) on entry.
// SASS-CHECK-LABEL: .func $recursive_calls${{.*}}10tree_depth
// SASS-CHECK: STL [R1
// SASS-CHECK-LABEL: .func $recursive_calls${{.*}}9ackermann
// SASS-CHECK: STL [R1
