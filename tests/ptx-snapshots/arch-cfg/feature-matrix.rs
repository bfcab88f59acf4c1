//! Which `cfg(target_feature = …)` values each `-C target-cpu=sm_XX` sets,
//! folded into one constant per target. The sm features are cumulative
//! along the numeric line (sm_100 implies sm_90 but not sm_90a; sm_120
//! implies sm_100).
//!
//! The `ptxNN` ISA features don't follow the target: `ptx70` (bit 128) is
//! set for sm_75 only, and no `ptxNN` at all for sm_80 and newer, although
//! llc is run with `-mattr=+ptxNN` for the PTX version it emits (e.g. 8.6
//! for sm_100). Code can't use `cfg(target_feature = "ptx80")` to gate on
//! the PTX ISA version.
//@ known-bug: cfg(target_feature = "ptxNN") is not derived from the target: ptx70 is set only for sm_75, none for sm_80+
//@ stages: ptx sass
// Built-in backend only: pins which target_feature cfgs the built-in backend sets per sm.
//@ only-backend: builtin
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

// CHECK-LABEL: .visible .entry feature_bits(
// sm_75-CHECK: st.global.b32 [{{%rd[0-9]+}}], 129;
// sm_80-CHECK: st.global.b32 [{{%rd[0-9]+}}], 3;
// sm_86-CHECK: st.global.b32 [{{%rd[0-9]+}}], 7;
// sm_89-CHECK: st.global.b32 [{{%rd[0-9]+}}], 7;
// sm_90-CHECK: st.global.b32 [{{%rd[0-9]+}}], 15;
// sm_90a-CHECK: st.global.b32 [{{%rd[0-9]+}}], 31;
// sm_100-CHECK: st.global.b32 [{{%rd[0-9]+}}], 47;
// sm_120-CHECK: st.global.b32 [{{%rd[0-9]+}}], 111;
#[no_mangle]
pub unsafe extern "ptx-kernel" fn feature_bits(out: *mut u32) {
    let mut v = 0;
    if cfg!(target_feature = "sm_70") {
        v |= 1;
    }
    if cfg!(target_feature = "sm_80") {
        v |= 2;
    }
    if cfg!(target_feature = "sm_86") {
        v |= 4;
    }
    if cfg!(target_feature = "sm_90") {
        v |= 8;
    }
    if cfg!(target_feature = "sm_90a") {
        v |= 16;
    }
    if cfg!(target_feature = "sm_100") {
        v |= 32;
    }
    if cfg!(target_feature = "sm_120") {
        v |= 64;
    }
    if cfg!(target_feature = "ptx70") {
        v |= 128;
    }
    if cfg!(target_feature = "ptx86") {
        v |= 256;
    }
    *out = v;
}
