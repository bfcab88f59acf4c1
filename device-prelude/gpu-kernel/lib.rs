//! The device prelude (crate `gpu`) over rustc's target-independent GPU
//! surface: `extern "gpu-kernel"` (feature `abi_gpu_kernel`), NVVM
//! intrinsics through `link_llvm_intrinsics`, and `core::intrinsics::gpu`.
//! It never names `core::arch::nvptx` or `extern "ptx-kernel"`.
//!
//! It is the second dialect implementation that CI can build: running the
//! suite with `PTX_PRELUDE=device-prelude/gpu-kernel/lib.rs` proves the
//! portable tests depend on the dialect only, not on the built-in one (a
//! test that still names `core::arch::nvptx` without its feature gate, or
//! defines its own kernel ABI, fails to compile there). Its PTX is the
//! built-in prelude's, so the same snapshots serve.
#![no_std]
#![feature(
    allow_internal_unstable,
    link_llvm_intrinsics,
    gpu_launch_sized_workgroup_mem,
    gpu_intrinsics,
    core_intrinsics,
    rustc_attrs,
)]
#![allow(internal_features)]

use core::ffi::c_void;

/// Declares kernels: `gpu::kernel! { pub unsafe fn name(params) { body } … }`.
/// Each becomes an exported `extern "gpu-kernel"` entry named `name`.
#[macro_export]
#[allow_internal_unstable(abi_gpu_kernel)]
macro_rules! kernel {
    ($($(#[$attr:meta])* pub unsafe fn $name:ident ( $($params:tt)* ) $body:block)*) => {
        $(
            $(#[$attr])*
            #[no_mangle]
            pub unsafe extern "gpu-kernel" fn $name($($params)*) $body
        )*
    };
}

/// A static shared-memory array of `$n` elements of `$t`, one per block:
/// `let tile: *mut u32 = gpu::static_shared!(tile: [u32; 256]);`.
/// `$name` names the PTX `.shared` variable and must be unique in the kernel.
#[macro_export]
#[allow_internal_unstable(asm_experimental_arch)]
macro_rules! static_shared {
    ($name:ident : [$t:ty; $n:literal]) => {{
        let p: *mut $t;
        core::arch::asm!(
            concat!(".shared .align {align} .b8 ", stringify!($name), "[{bytes}];"),
            concat!("cvta.shared.u64 {p}, ", stringify!($name), ";"),
            align = const core::mem::align_of::<$t>(),
            bytes = const core::mem::size_of::<[$t; $n]>(),
            p = out(reg64) p,
        );
        p
    }};
}

/// A panic on the device traps (`CUDA_ERROR_ILLEGAL_INSTRUCTION`).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::intrinsics::abort()
}

macro_rules! sreg {
    ($($(#[$doc:meta])* $name:ident => $intrinsic:literal;)*) => {
        $(
            $(#[$doc])*
            #[inline(always)]
            pub unsafe fn $name() -> u32 {
                extern "C" {
                    #[link_name = $intrinsic]
                    fn read() -> u32;
                }
                read()
            }
        )*
    };
}

sreg! {
    /// `threadIdx.x`.
    thread_idx_x => "llvm.nvvm.read.ptx.sreg.tid.x";
    /// `threadIdx.y`.
    thread_idx_y => "llvm.nvvm.read.ptx.sreg.tid.y";
    /// `threadIdx.z`.
    thread_idx_z => "llvm.nvvm.read.ptx.sreg.tid.z";
    /// `blockIdx.x`.
    block_idx_x => "llvm.nvvm.read.ptx.sreg.ctaid.x";
    /// `blockIdx.y`.
    block_idx_y => "llvm.nvvm.read.ptx.sreg.ctaid.y";
    /// `blockIdx.z`.
    block_idx_z => "llvm.nvvm.read.ptx.sreg.ctaid.z";
    /// `blockDim.x`.
    block_dim_x => "llvm.nvvm.read.ptx.sreg.ntid.x";
    /// `blockDim.y`.
    block_dim_y => "llvm.nvvm.read.ptx.sreg.ntid.y";
    /// `blockDim.z`.
    block_dim_z => "llvm.nvvm.read.ptx.sreg.ntid.z";
    /// `gridDim.x`.
    grid_dim_x => "llvm.nvvm.read.ptx.sreg.nctaid.x";
    /// `gridDim.y`.
    grid_dim_y => "llvm.nvvm.read.ptx.sreg.nctaid.y";
    /// `gridDim.z`.
    grid_dim_z => "llvm.nvvm.read.ptx.sreg.nctaid.z";
}

extern "C" {
    #[link_name = "llvm.nvvm.barrier0"]
    fn barrier0();
    #[link_name = "vprintf"]
    fn vprintf_extern(format: *const u8, args: *const c_void) -> i32;
    #[link_name = "malloc"]
    fn malloc_extern(size: usize) -> *mut c_void;
    #[link_name = "free"]
    fn free_extern(ptr: *mut c_void);
}

/// `__syncthreads()`: a barrier for every thread of the block.
#[inline(always)]
pub unsafe fn sync_threads() {
    barrier0()
}

/// Aborts the kernel (`CUDA_ERROR_ILLEGAL_INSTRUCTION`).
#[inline(always)]
pub unsafe fn trap() -> ! {
    core::intrinsics::abort()
}

// `vprintf`, `malloc`, `free` and `dynamic_shared` wrap a call that MIR
// cannot inline (an extern fn, an intrinsic). `rustc_no_mir_inline` leaves
// them to LLVM's inliner, so the caller's MIR blocks, whose names reach the
// PTX as block comments, are numbered as if it made that call itself.

/// CUDA's device `vprintf`: a C format string and a pointer to a
/// `#[repr(C)]` struct that packs the arguments.
#[inline(always)]
#[rustc_no_mir_inline]
pub unsafe fn vprintf(format: *const u8, args: *const c_void) -> i32 {
    vprintf_extern(format, args)
}

/// Device-heap `malloc`.
#[inline(always)]
#[rustc_no_mir_inline]
pub unsafe fn malloc(size: usize) -> *mut c_void {
    malloc_extern(size)
}

/// Device-heap `free`.
#[inline(always)]
#[rustc_no_mir_inline]
pub unsafe fn free(ptr: *mut c_void) {
    free_extern(ptr)
}

/// The block's dynamic shared memory (sized by the launch), as `*mut T`.
#[inline(always)]
#[rustc_no_mir_inline]
pub unsafe fn dynamic_shared<T>() -> *mut T {
    core::intrinsics::gpu::gpu_launch_sized_workgroup_mem::<T>()
}

// Warp operations: the LLVM NVVM intrinsics, with PTX's operands (`mask`
// the member mask, `c` the clamp/segment operand of `shfl.sync`).
extern "C" {
    /// `shfl.sync.bfly.b32` (CUDA `__shfl_xor_sync`).
    #[link_name = "llvm.nvvm.shfl.sync.bfly.i32"]
    pub fn shfl_sync_bfly_i32(mask: u32, val: i32, lane_mask: u32, c: u32) -> i32;
    /// `shfl.sync.idx.b32` (CUDA `__shfl_sync`).
    #[link_name = "llvm.nvvm.shfl.sync.idx.i32"]
    pub fn shfl_sync_idx_i32(mask: u32, val: i32, src_lane: u32, c: u32) -> i32;
    /// `shfl.sync.up.b32` (CUDA `__shfl_up_sync`).
    #[link_name = "llvm.nvvm.shfl.sync.up.i32"]
    pub fn shfl_sync_up_i32(mask: u32, val: i32, delta: u32, c: u32) -> i32;
    /// `shfl.sync.down.b32` (CUDA `__shfl_down_sync`).
    #[link_name = "llvm.nvvm.shfl.sync.down.i32"]
    pub fn shfl_sync_down_i32(mask: u32, val: i32, delta: u32, c: u32) -> i32;
    /// `shfl.sync.bfly.b32` on an `f32`.
    #[link_name = "llvm.nvvm.shfl.sync.bfly.f32"]
    pub fn shfl_sync_bfly_f32(mask: u32, val: f32, lane_mask: u32, c: u32) -> f32;
    /// `shfl.sync.idx.b32` on an `f32`.
    #[link_name = "llvm.nvvm.shfl.sync.idx.f32"]
    pub fn shfl_sync_idx_f32(mask: u32, val: f32, src_lane: u32, c: u32) -> f32;
    /// `shfl.sync.up.b32` on an `f32`.
    #[link_name = "llvm.nvvm.shfl.sync.up.f32"]
    pub fn shfl_sync_up_f32(mask: u32, val: f32, delta: u32, c: u32) -> f32;
    /// `shfl.sync.down.b32` on an `f32`.
    #[link_name = "llvm.nvvm.shfl.sync.down.f32"]
    pub fn shfl_sync_down_f32(mask: u32, val: f32, delta: u32, c: u32) -> f32;
    /// `vote.sync.ballot.b32` (CUDA `__ballot_sync`).
    #[link_name = "llvm.nvvm.vote.ballot.sync"]
    pub fn vote_sync_ballot(mask: u32, pred: bool) -> u32;
    /// `vote.sync.any.pred` (CUDA `__any_sync`).
    #[link_name = "llvm.nvvm.vote.any.sync"]
    pub fn vote_sync_any(mask: u32, pred: bool) -> bool;
    /// `vote.sync.all.pred` (CUDA `__all_sync`).
    #[link_name = "llvm.nvvm.vote.all.sync"]
    pub fn vote_sync_all(mask: u32, pred: bool) -> bool;
    /// `activemask.b32` (CUDA `__activemask`).
    #[link_name = "llvm.nvvm.activemask"]
    pub fn activemask() -> u32;
    /// `redux.sync.add.u32` (sm_80+; CUDA `__reduce_add_sync`).
    #[link_name = "llvm.nvvm.redux.sync.add"]
    pub fn redux_sync_add(val: u32, mask: u32) -> u32;
    /// `redux.sync.min.u32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.umin"]
    pub fn redux_sync_umin(val: u32, mask: u32) -> u32;
    /// `redux.sync.max.u32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.umax"]
    pub fn redux_sync_umax(val: u32, mask: u32) -> u32;
    /// `redux.sync.min.s32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.min"]
    pub fn redux_sync_min(val: i32, mask: u32) -> i32;
    /// `redux.sync.max.s32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.max"]
    pub fn redux_sync_max(val: i32, mask: u32) -> i32;
    /// `redux.sync.and.b32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.and"]
    pub fn redux_sync_and(val: u32, mask: u32) -> u32;
    /// `redux.sync.or.b32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.or"]
    pub fn redux_sync_or(val: u32, mask: u32) -> u32;
    /// `redux.sync.xor.b32` (sm_80+).
    #[link_name = "llvm.nvvm.redux.sync.xor"]
    pub fn redux_sync_xor(val: u32, mask: u32) -> u32;
}
