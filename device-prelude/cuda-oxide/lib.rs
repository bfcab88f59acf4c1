//! The device prelude (crate `gpu`) for NVIDIA's cuda-oxide: a
//! `-Zcodegen-backend` that compiles device code for the HOST triple, with
//! kernels marked `#[cuda_device::kernel]` and device features spelled as
//! calls into its `cuda_device` crate (which the backend recognizes and
//! replaces by NVVM intrinsics).
//!
//! Built like any crate for this backend (see `backends/cuda-oxide/`):
//! `rustc --crate-type rlib --crate-name gpu -Zcodegen-backend=… -Zalways-encode-mir …
//!  --extern cuda_device=… -L dependency=…`. A test then needs only
//! `--extern gpu=<this rlib> -L dependency=<cuda_device's deps>`: the macros
//! name cuda_device through `$crate::__private`, never by its own name.
//!
//! Every implementation of the prelude exports the same names with the same
//! signatures (see `device-prelude/README.md`). Where cuda-oxide cannot do
//! exactly what the API asks, the item says so (and
//! `backends/cuda-oxide/README.md` lists the gaps).
//!
//! No `#[panic_handler]`: cuda-oxide turns every device panic path into
//! `trap; exit;` and never calls a handler (one would be allowed, unused).
#![no_std]
#![allow(clippy::missing_safety_doc)]

use core::ffi::c_void;

use cuda_device::{debug, thread, warp};

/// What the exported macros expand to. Not part of the API.
///
/// `SharedArray` is reached through a type alias, never re-exported:
/// cuda-oxide recognizes its intrinsics by the path rustc prints for them,
/// and rustc prints an item through a visible re-export
/// (`gpu::__private::SharedArray::as_raw_mut_ptr`), which cuda-oxide then
/// does not recognize ("Symbol _RNv…as_raw_mut_ptr… not found"). A type
/// alias does not change the item's printed path
/// (`cuda_device::shared::SharedArray::as_raw_mut_ptr`). The same holds for
/// every `cuda_device` function: this crate `use`s them privately only.
#[doc(hidden)]
pub mod __private {
    pub use cuda_device::kernel;
    pub type SharedArray<T, const N: usize> = cuda_device::SharedArray<T, N>;
}

/// Declares kernels: `gpu::kernel! { pub unsafe fn name(params) { body } … }`.
/// Each becomes `#[cuda_device::kernel]`, a PTX `.entry` named `name` (the
/// attribute renames the Rust fn to a reserved `no_mangle` symbol and the
/// backend strips the prefix again). Kernel names must be unique per crate.
#[macro_export]
macro_rules! kernel {
    ($($(#[$attr:meta])* pub unsafe fn $name:ident ( $($params:tt)* ) $body:block)*) => {
        $(
            $(#[$attr])*
            #[$crate::__private::kernel]
            pub unsafe fn $name($($params)*) $body
        )*
    };
}

/// A static shared-memory array of `$n` elements of `$t`, one per block:
/// `let tile: *mut u32 = gpu::static_shared!(tile: [u32; 256]);`.
///
/// A `static mut` `cuda_device::SharedArray<$t, $n>` inside a block, whose
/// address comes from `SharedArray::as_raw_mut_ptr(&raw mut …)` (no `&mut`
/// to the static is made). Gap: cuda-oxide names every static shared array
/// `__shared_mem_<N>` itself, so `$name` names the Rust static only, not the
/// PTX `.shared` variable. Must be used in an `unsafe` context.
#[macro_export]
macro_rules! static_shared {
    ($name:ident : [$t:ty; $n:literal]) => {{
        #[allow(non_upper_case_globals)]
        static mut $name: $crate::__private::SharedArray<$t, $n> =
            $crate::__private::SharedArray::<$t, $n>::UNINIT;
        $crate::__private::SharedArray::<$t, $n>::as_raw_mut_ptr(&raw mut $name)
    }};
}

macro_rules! sreg {
    ($($(#[$doc:meta])* $name:ident => $co:ident;)*) => {
        $(
            $(#[$doc])*
            #[inline(always)]
            pub unsafe fn $name() -> u32 {
                thread::$co()
            }
        )*
    };
}

sreg! {
    /// `threadIdx.x`.
    thread_idx_x => threadIdx_x;
    /// `threadIdx.y`.
    thread_idx_y => threadIdx_y;
    /// `threadIdx.z`.
    thread_idx_z => threadIdx_z;
    /// `blockIdx.x`.
    block_idx_x => blockIdx_x;
    /// `blockIdx.y`.
    block_idx_y => blockIdx_y;
    /// `blockIdx.z`.
    block_idx_z => blockIdx_z;
    /// `blockDim.x`.
    block_dim_x => blockDim_x;
    /// `blockDim.y`.
    block_dim_y => blockDim_y;
    /// `blockDim.z`.
    block_dim_z => blockDim_z;
    /// `gridDim.x`.
    grid_dim_x => gridDim_x;
    /// `gridDim.y`.
    grid_dim_y => gridDim_y;
    /// `gridDim.z`.
    grid_dim_z => gridDim_z;
}

/// `__syncthreads()`: `bar.sync 0`.
#[inline(always)]
pub unsafe fn sync_threads() {
    thread::sync_threads()
}

/// Aborts the kernel (`trap;`, `CUDA_ERROR_ILLEGAL_INSTRUCTION`).
#[inline(always)]
pub unsafe fn trap() -> ! {
    debug::trap()
}

/// CUDA's device `vprintf`: a NUL-terminated C format string and a pointer
/// to a `#[repr(C)]` struct that packs the arguments. Over cuda_device's
/// doc-hidden raw `__gpu_vprintf` (its public `gpu_printf!` takes Rust-style
/// `{}` formats instead); the format is passed to CUDA's `vprintf` as is.
#[inline(always)]
pub unsafe fn vprintf(format: *const u8, args: *const c_void) -> i32 {
    debug::__gpu_vprintf(format, args as *const u8)
}

/// The device heap's `malloc`/`free`. A plain `extern "C"` block fails in
/// cuda-oxide ("Symbol malloc not found"); `#[cuda_device::device]` turns the
/// declarations into device externs (`.extern .func malloc`/`free`).
mod heap {
    #[cuda_device::device]
    unsafe extern "C" {
        pub fn malloc(size: usize) -> *mut core::ffi::c_void;
        pub fn free(ptr: *mut core::ffi::c_void);
    }
}

/// Device-heap `malloc`.
#[inline(always)]
pub unsafe fn malloc(size: usize) -> *mut c_void {
    heap::malloc(size)
}

/// Device-heap `free`.
#[inline(always)]
pub unsafe fn free(ptr: *mut c_void) {
    heap::free(ptr)
}

/// The block's dynamic shared memory (sized by the launch), as `*mut T`:
/// `cuda_device::DynamicSharedArray::<T>::get()` (an `.extern .shared
/// .align 16` array; cuda-oxide names it `__dynamic_smem_<fn>`).
#[inline(always)]
pub unsafe fn dynamic_shared<T>() -> *mut T {
    cuda_device::DynamicSharedArray::<T>::get()
}

// ---------------------------------------------------------------------------
// Warp shuffles.
//
// cuda_device's shuffles take (mask, value, lane/delta) and always emit the
// full-warp clamp operand: `c = 0x1f` for bfly/idx/down and `c = 0` for up
// (what CUDA's `__shfl_*_sync` emit for width 32). The API passes PTX's `c`
// explicitly, so each function calls cuda_device's intrinsic when `c` is that
// full-warp value and otherwise emits the `shfl.sync` itself through
// cuda_device's `ptx_asm!` with `c` as a register operand. With a constant
// `c` (as in every test) the branch folds away and the PTX has one
// `shfl.sync`. Caveat: a `c` that differs between the lanes of one warp puts
// the two paths' `shfl.sync` in divergent code (undefined in PTX).
// ---------------------------------------------------------------------------

/// The full-warp `c` of `shfl.sync.{bfly,idx,down}` (clamp 31, no segments).
const C_FULL: u32 = 0x1f;
/// The full-warp `c` of `shfl.sync.up` (clamp 0, no segments).
const C_FULL_UP: u32 = 0;

macro_rules! shfl {
    ($($(#[$doc:meta])* $name:ident($t:ty, $asm:tt, $full:expr, $out:tt, $in:tt) => |$m:ident, $v:ident, $b:ident| $co:expr;)*) => {
        $(
            $(#[$doc])*
            #[inline(always)]
            pub unsafe fn $name(mask: u32, val: $t, b: u32, c: u32) -> $t {
                if c == $full {
                    let ($m, $v, $b) = (mask, val, b);
                    $co
                } else {
                    let r: $t;
                    cuda_device::ptx_asm!(
                        $asm,
                        out($out) r,
                        in($in) val,
                        in("r") b,
                        in("r") c,
                        in("r") mask,
                    );
                    r
                }
            }
        )*
    };
}

shfl! {
    /// `shfl.sync.bfly.b32` (CUDA `__shfl_xor_sync`).
    shfl_sync_bfly_i32(i32, "shfl.sync.bfly.b32 %0, %1, %2, %3, %4;", C_FULL, "=r", "r") => |m, v, b| warp::shuffle_xor_sync(m, v as u32, b) as i32;
    /// `shfl.sync.idx.b32` (CUDA `__shfl_sync`).
    shfl_sync_idx_i32(i32, "shfl.sync.idx.b32 %0, %1, %2, %3, %4;", C_FULL, "=r", "r") => |m, v, b| warp::shuffle_sync(m, v as u32, b) as i32;
    /// `shfl.sync.up.b32` (CUDA `__shfl_up_sync`).
    shfl_sync_up_i32(i32, "shfl.sync.up.b32 %0, %1, %2, %3, %4;", C_FULL_UP, "=r", "r") => |m, v, b| warp::shuffle_up_sync(m, v as u32, b) as i32;
    /// `shfl.sync.down.b32` (CUDA `__shfl_down_sync`).
    shfl_sync_down_i32(i32, "shfl.sync.down.b32 %0, %1, %2, %3, %4;", C_FULL, "=r", "r") => |m, v, b| warp::shuffle_down_sync(m, v as u32, b) as i32;
    /// `shfl.sync.bfly.b32` on an `f32`.
    shfl_sync_bfly_f32(f32, "shfl.sync.bfly.b32 %0, %1, %2, %3, %4;", C_FULL, "=f", "f") => |m, v, b| warp::shuffle_xor_f32_sync(m, v, b);
    /// `shfl.sync.idx.b32` on an `f32`.
    shfl_sync_idx_f32(f32, "shfl.sync.idx.b32 %0, %1, %2, %3, %4;", C_FULL, "=f", "f") => |m, v, b| warp::shuffle_f32_sync(m, v, b);
    /// `shfl.sync.up.b32` on an `f32`.
    shfl_sync_up_f32(f32, "shfl.sync.up.b32 %0, %1, %2, %3, %4;", C_FULL_UP, "=f", "f") => |m, v, b| warp::shuffle_up_f32_sync(m, v, b);
    /// `shfl.sync.down.b32` on an `f32`.
    shfl_sync_down_f32(f32, "shfl.sync.down.b32 %0, %1, %2, %3, %4;", C_FULL, "=f", "f") => |m, v, b| warp::shuffle_down_f32_sync(m, v, b);
}

/// `vote.sync.ballot.b32` (CUDA `__ballot_sync`).
#[inline(always)]
pub unsafe fn vote_sync_ballot(mask: u32, pred: bool) -> u32 {
    warp::ballot_sync(mask, pred)
}

/// `vote.sync.any.pred` (CUDA `__any_sync`).
#[inline(always)]
pub unsafe fn vote_sync_any(mask: u32, pred: bool) -> bool {
    warp::any_sync(mask, pred)
}

/// `vote.sync.all.pred` (CUDA `__all_sync`).
#[inline(always)]
pub unsafe fn vote_sync_all(mask: u32, pred: bool) -> bool {
    warp::all_sync(mask, pred)
}

/// `activemask.b32` (CUDA `__activemask`).
#[inline(always)]
pub unsafe fn activemask() -> u32 {
    warp::active_mask()
}

// redux.sync (sm_80+). The API's operand order is PTX/LLVM's (val, mask);
// cuda_device's is (mask, val).

/// `redux.sync.add.u32` (sm_80+; CUDA `__reduce_add_sync`).
#[inline(always)]
pub unsafe fn redux_sync_add(val: u32, mask: u32) -> u32 {
    warp::redux_sync_add(mask, val)
}

/// `redux.sync.min.u32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_umin(val: u32, mask: u32) -> u32 {
    warp::redux_sync_min_u32(mask, val)
}

/// `redux.sync.max.u32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_umax(val: u32, mask: u32) -> u32 {
    warp::redux_sync_max_u32(mask, val)
}

/// `redux.sync.min.s32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_min(val: i32, mask: u32) -> i32 {
    warp::redux_sync_min_i32(mask, val)
}

/// `redux.sync.max.s32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_max(val: i32, mask: u32) -> i32 {
    warp::redux_sync_max_i32(mask, val)
}

/// `redux.sync.and.b32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_and(val: u32, mask: u32) -> u32 {
    warp::redux_sync_and(mask, val)
}

/// `redux.sync.or.b32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_or(val: u32, mask: u32) -> u32 {
    warp::redux_sync_or(mask, val)
}

/// `redux.sync.xor.b32` (sm_80+).
#[inline(always)]
pub unsafe fn redux_sync_xor(val: u32, mask: u32) -> u32 {
    warp::redux_sync_xor(mask, val)
}
