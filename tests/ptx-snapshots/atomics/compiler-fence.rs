//! `compiler_fence` (an LLVM `fence syncscope("singlethread")`) should emit
//! no instruction, but the pinned LLVM's NVPTX back end aborts on it for
//! every ordering: `LLVM ERROR: Unsupported scope "Thread" for seq_cst
//! fence` (or `… for acquire/release/acq_rel fence`).
//@ revisions: acquire release acqrel seqcst
//@ build-fail
//@ known-bug: llc aborts with `Unsupported scope "Thread"` on any compiler_fence (singlethread fence)
//@ stages: ptx
// llc's crash backtrace has addresses that change from run to run, and its
// command line names the target, which would give one snapshot per sm.
//@ normalize-stderr: "(?m)^ *#[0-9]+ 0x[0-9a-f]+ .*\n" -> ""
//@ normalize-stderr: "-mcpu=sm_[0-9a-z]+ -mattr=\+ptx[0-9]+" -> "-mcpu=sm_XX -mattr=+ptxNN"
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;
use core::sync::atomic::{compiler_fence, Ordering};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

#[cfg(acquire)]
const ORD: Ordering = Ordering::Acquire;
#[cfg(release)]
const ORD: Ordering = Ordering::Release;
#[cfg(acqrel)]
const ORD: Ordering = Ordering::AcqRel;
#[cfg(seqcst)]
const ORD: Ordering = Ordering::SeqCst;

#[no_mangle]
pub unsafe extern "ptx-kernel" fn publish(data: *mut u32, flag: *mut u32) {
    *data = 42;
    compiler_fence(ORD);
    core::ptr::write_volatile(flag, 1);
}
// Built-in backend only: pins the built-in backend's llc crash text in .stderr snapshots.
//@ only-backend: builtin
