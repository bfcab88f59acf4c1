//! `setmaxnreg` exists only on the architecture-specific targets sm_90a
//! and sm_100a: `only-sm: 90a` keeps the rest of the matrix from running
//! it (sm_90, sm_100 and sm_120 would reject it in ptxas).
//@ only-sm: 90a
//@ stages: ptx ptxas sass
// Built-in backend only: inline PTX asm (setmaxnreg) gated on the built-in backend's target_feature cfgs.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, asm_experimental_arch)]

use core::arch::asm;
use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry producer_consumer(
// CHECK: setmaxnreg.dec.sync.aligned.u32 40;
// CHECK: setmaxnreg.inc.sync.aligned.u32 232;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn producer_consumer(x: *mut f32) {
    let warp_group = _thread_idx_x() / 128;
    if warp_group == 0 {
        asm!("setmaxnreg.dec.sync.aligned.u32 40;");
        *x.add(_thread_idx_x() as usize) = 0.0;
    } else {
        asm!("setmaxnreg.inc.sync.aligned.u32 232;");
        *x.add(_thread_idx_x() as usize) *= 2.0;
    }
}

// ptxas drops both setmaxnreg instructions: "(C7508) Potential Performance
// Loss: 'setmaxnreg' ignored; unable to determine register count at entry"
// (the kernel declares no register budget, e.g. `.maxnreg` or launch bounds).
// Only the SASS shows it; when a kernel attribute for the budget exists, this
// check should flip to SETMAXREG.
// sm_90a-SASS-CHECK-LABEL: .entry producer_consumer
// sm_90a-SASS-CHECK-NOT: SETMAXREG
