//! Slice indexing with a bounds check: an out-of-range index panics, and
//! the panic handler traps. `get_unchecked` removes the check.
//@ revisions: checked unchecked
//@ stages: ptx ptxas sass
#![no_std]

use core::slice;

// CHECK-LABEL: .visible .entry gather(
// checked-CHECK: setp.{{(ge|lt|le|gt)}}.u64
// checked-CHECK-NEXT: @%p{{[0-9]+}} bra [[PANIC:\$L__BB[0-9_]+]];
// CHECK: ret;
// checked-CHECK: [[PANIC]]:
// checked-CHECK: call.uni {{.*}}panic_bounds_check
// unchecked-CHECK-NOT: panic_bounds_check
gpu::kernel! {
    pub unsafe fn gather(table: *const f32, len: usize, idx: *const u32, out: *mut f32) {
        let table = slice::from_raw_parts(table, len);
        let i = gpu::thread_idx_x() as usize;
        let j = *idx.add(i) as usize;
        #[cfg(checked)]
        let v = table[j];
        #[cfg(unchecked)]
        let v = *table.get_unchecked(j);
        *out.add(i) = v;
    }
}

// The panic handler's body: `trap` (LLVM adds an `exit` after it).
// checked-CHECK: .func {{.*}}panic_bounds_check
// checked-CHECK: trap;

// The bounds check survives optimization: `j < len` guards the load and the
// other branch calls the panic.
// checked-LLVM-IR-OPT-CHECK-LABEL: define ptx_kernel void @gather(
// checked-LLVM-IR-OPT-CHECK: icmp ugt i64 %len,
// checked-LLVM-IR-OPT-CHECK: call {{.*}}panic_bounds_check
// unchecked-LLVM-IR-OPT-CHECK-NOT: panic_bounds_check
// In SASS: a 64-bit compare (a pair of ISETPs, or one ISETP.GE.U64 on
// sm_120), a predicated branch to the panic call, and the trap of the panic
// handler.
// checked-SASS-CHECK-LABEL: .entry gather
// checked-SASS-CHECK: {{ISETP\.GE\.U(32\.AND\.EX|64\.AND)}}
// checked-SASS-CHECK: CALL.REL.NOINC {{.*}}panic_bounds_check
// checked-SASS-CHECK: BPT.TRAP
// unchecked-SASS-CHECK-NOT: BPT.TRAP
