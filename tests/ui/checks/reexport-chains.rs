//! `#[no_mangle]` kernels in private modules, made reachable (or not) by
//! re-exports. Reachable: a `pub use` chain through another private module
//! (`mod glue { pub use crate::a::k; }` then `pub use glue::k`), a glob
//! `pub use inner::*`, and a re-export under a new name. Not reachable,
//! so gpu::kernel-unreachable: a re-export that is only `pub(crate) use`,
//! and a `pub use` inside a private module that nothing re-exports again
//! (rustc flags both imports as unused).
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { core::arch::nvptx::trap() }
}

mod kernels {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn chained(p: *mut u32) {
        *p = 1;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn renamed(p: *mut u32) {
        *p = 2;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn crate_only(p: *mut u32) { //~ ERROR kernel `crate_only` is `pub` but not reachable from the crate root, so rustc may drop it and the host cannot launch it [gpu::kernel-unreachable]
        *p = 3;
    }

    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn dead_end(p: *mut u32) { //~ ERROR kernel `dead_end` is `pub` but not reachable from the crate root
        *p = 4;
    }
}

mod globbed {
    #[no_mangle]
    pub unsafe extern "ptx-kernel" fn via_glob(p: *mut u32) {
        *p = 5;
    }
}

mod glue {
    pub use crate::kernels::chained;
}

mod cul_de_sac {
    pub use crate::kernels::dead_end; //~ WARN unused import: `crate::kernels::dead_end`
}

pub use glob_reexport::*;
mod glob_reexport {
    pub use crate::globbed::*;
}

pub use glue::chained;
pub use kernels::renamed as launch_me;
pub(crate) use kernels::crate_only; //~ WARN unused import: `kernels::crate_only`
