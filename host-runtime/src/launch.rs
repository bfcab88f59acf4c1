//! Launch configuration ([`LaunchConfig`], [`Dim3`]) and kernel arguments
//! ([`KernelArg`], [`ParamBytes`]): scalars and structs by value, buffers by address.

use std::ffi::c_void;
use std::mem::{size_of, MaybeUninit};

use crate::buffer::{DeviceBuffer, DeviceCopy};

/// Grid or block dimensions. Converts from `u32` (`(x, 1, 1)`), `(x, y)` and `(x, y, z)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dim3 {
    /// Extent in x.
    pub x: u32,
    /// Extent in y.
    pub y: u32,
    /// Extent in z.
    pub z: u32,
}

impl Dim3 {
    /// `(x, y, z)`.
    pub const fn new(x: u32, y: u32, z: u32) -> Self {
        Dim3 { x, y, z }
    }

    /// `x * y * z`.
    pub const fn count(&self) -> u64 {
        self.x as u64 * self.y as u64 * self.z as u64
    }
}

impl From<u32> for Dim3 {
    fn from(x: u32) -> Self {
        Dim3::new(x, 1, 1)
    }
}

impl From<(u32, u32)> for Dim3 {
    fn from((x, y): (u32, u32)) -> Self {
        Dim3::new(x, y, 1)
    }
}

impl From<(u32, u32, u32)> for Dim3 {
    fn from((x, y, z): (u32, u32, u32)) -> Self {
        Dim3::new(x, y, z)
    }
}

/// The most threads in one block on every supported architecture.
pub const MAX_THREADS_PER_BLOCK: u32 = 1024;

/// Grid size, block size and dynamic shared memory of one launch.
///
/// ```
/// use host_runtime::LaunchConfig;
/// let cfg = LaunchConfig::grid_block((4, 1, 1), (256, 1, 1)).shared_mem(1024);
/// assert_eq!(cfg.total_threads(), 1024);
/// assert_eq!(LaunchConfig::grid_block(4, 256), LaunchConfig::grid_block((4, 1, 1), (256, 1, 1)));
/// assert_eq!(LaunchConfig::for_num_elems(1000).grid.x, 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LaunchConfig {
    /// Blocks in the grid.
    pub grid: Dim3,
    /// Threads in each block.
    pub block: Dim3,
    /// Bytes of dynamic shared memory per block (`extern .shared` arrays).
    pub shared_mem_bytes: u32,
}

impl LaunchConfig {
    /// The default block size of [`LaunchConfig::for_num_elems`].
    pub const DEFAULT_BLOCK: u32 = 256;

    /// A grid of `grid` blocks of `block` threads each, no dynamic shared memory.
    pub fn grid_block(grid: impl Into<Dim3>, block: impl Into<Dim3>) -> Self {
        LaunchConfig {
            grid: grid.into(),
            block: block.into(),
            shared_mem_bytes: 0,
        }
    }

    /// One block of one thread.
    pub fn single_thread() -> Self {
        LaunchConfig::grid_block(1, 1)
    }

    /// One block of `threads` threads.
    pub fn single_block(threads: impl Into<Dim3>) -> Self {
        LaunchConfig::grid_block(1, threads)
    }

    /// Enough 1-D blocks of [`Self::DEFAULT_BLOCK`] threads to cover `n` elements (at least one block).
    pub fn for_num_elems(n: u32) -> Self {
        LaunchConfig::for_num_elems_with_block(n, Self::DEFAULT_BLOCK)
    }

    /// Enough 1-D blocks of `block` threads to cover `n` elements (at least one block).
    pub fn for_num_elems_with_block(n: u32, block: u32) -> Self {
        let blocks = if block == 0 {
            1
        } else {
            n.div_ceil(block).max(1)
        };
        LaunchConfig::grid_block(blocks, block)
    }

    /// The same configuration with `bytes` of dynamic shared memory per block.
    pub fn shared_mem(mut self, bytes: u32) -> Self {
        self.shared_mem_bytes = bytes;
        self
    }

    /// Threads per block.
    pub fn threads_per_block(&self) -> u64 {
        self.block.count()
    }

    /// Threads in the whole grid.
    pub fn total_threads(&self) -> u64 {
        self.grid.count() * self.block.count()
    }

    /// Checks the hardware limits shared by all architectures: no zero extents,
    /// at most 1024 threads per block (z at most 64), grid y and z at most 65535,
    /// grid x below 2^31.
    pub fn validate(&self) -> Result<(), String> {
        let (g, b) = (self.grid, self.block);
        if g.count() == 0 || b.count() == 0 {
            return Err(format!(
                "grid ({}, {}, {}) and block ({}, {}, {}) must not have a zero extent",
                g.x, g.y, g.z, b.x, b.y, b.z
            ));
        }
        if b.count() > MAX_THREADS_PER_BLOCK as u64 || b.z > 64 {
            return Err(format!(
                "block ({}, {}, {}) has {} threads; at most {MAX_THREADS_PER_BLOCK} (and z <= 64) are allowed",
                b.x,
                b.y,
                b.z,
                b.count()
            ));
        }
        if g.x > i32::MAX as u32 || g.y > 65535 || g.z > 65535 {
            return Err(format!(
                "grid ({}, {}, {}) exceeds the limits (2^31-1, 65535, 65535)",
                g.x, g.y, g.z
            ));
        }
        Ok(())
    }
}

/// 16-byte aligned storage unit for parameter bytes.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Chunk([u8; 16]);

/// The bytes of one kernel parameter, as the driver copies them into `.param` space.
///
/// Stored 16-byte aligned and zero-padded to a multiple of 16 bytes.
pub struct ParamBytes {
    chunks: Vec<MaybeUninit<Chunk>>,
    len: usize,
    type_name: &'static str,
}

impl ParamBytes {
    /// The bytes of `value`.
    pub fn of<T: DeviceCopy>(value: &T) -> Self {
        ParamBytes::of_raw(value, std::any::type_name::<T>())
    }

    /// The bytes of any `Copy` value, with a type name for error messages.
    fn of_raw<T: Copy>(value: &T, type_name: &'static str) -> Self {
        let len = size_of::<T>();
        let mut chunks = vec![MaybeUninit::<Chunk>::zeroed(); len.div_ceil(16).max(1)];
        // SAFETY: the destination has at least `len` bytes; an untyped copy of
        // `value` (padding bytes included) into MaybeUninit storage is sound.
        unsafe {
            std::ptr::copy_nonoverlapping(
                value as *const T as *const u8,
                chunks.as_mut_ptr() as *mut u8,
                len,
            );
        }
        ParamBytes {
            chunks,
            len,
            type_name,
        }
    }

    /// Size of the parameter in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the parameter has no bytes (a zero-sized type).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The Rust type the bytes came from, for error messages.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The address handed to `cuLaunchKernel`.
    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.chunks.as_ptr() as *mut c_void
    }
}

/// Something that can be passed as one kernel parameter.
///
/// Implemented for every [`DeviceCopy`] type (primitives and your `#[repr(C)]`
/// structs, by value), for `bool` (one byte), and for [`DeviceBuffer`] (its
/// device address, like a `*mut T` parameter).
pub trait KernelArg {
    /// The parameter's bytes.
    fn to_param(&self) -> ParamBytes;
}

impl<T: DeviceCopy> KernelArg for T {
    fn to_param(&self) -> ParamBytes {
        ParamBytes::of(self)
    }
}

impl KernelArg for bool {
    fn to_param(&self) -> ParamBytes {
        ParamBytes::of_raw(&(*self as u8), "bool")
    }
}

impl<T: 'static> KernelArg for DeviceBuffer<T> {
    fn to_param(&self) -> ParamBytes {
        ParamBytes::of_raw(&self.ptr().addr(), std::any::type_name::<Self>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DevicePtr;

    fn bytes(p: &ParamBytes) -> Vec<u8> {
        // SAFETY: test-only; values used below have no padding.
        unsafe { std::slice::from_raw_parts(p.as_ptr() as *const u8, p.len()).to_vec() }
    }

    #[test]
    fn builder() {
        let cfg = LaunchConfig::grid_block((2, 3, 1), (32, 4, 1)).shared_mem(4096);
        assert_eq!(cfg.grid, Dim3::new(2, 3, 1));
        assert_eq!(cfg.block, Dim3::new(32, 4, 1));
        assert_eq!(cfg.shared_mem_bytes, 4096);
        assert_eq!(cfg.threads_per_block(), 128);
        assert_eq!(cfg.total_threads(), 768);
        assert_eq!(
            LaunchConfig::grid_block(8, (16, 16)),
            LaunchConfig::grid_block((8, 1, 1), (16, 16, 1))
        );
        assert_eq!(
            LaunchConfig::single_thread(),
            LaunchConfig::grid_block((1, 1, 1), (1, 1, 1))
        );
        assert_eq!(LaunchConfig::single_block(64).block.x, 64);
        assert_eq!(LaunchConfig::for_num_elems(0).grid.x, 1);
        assert_eq!(LaunchConfig::for_num_elems(256).grid.x, 1);
        assert_eq!(LaunchConfig::for_num_elems(257).grid.x, 2);
        assert_eq!(LaunchConfig::for_num_elems_with_block(100, 32).grid.x, 4);
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn validation() {
        assert!(LaunchConfig::grid_block(0, 32).validate().is_err());
        assert!(LaunchConfig::grid_block(1, (32, 0, 1)).validate().is_err());
        assert!(LaunchConfig::grid_block(1, 1024).validate().is_ok());
        let e = LaunchConfig::grid_block(1, 1025).validate().unwrap_err();
        assert!(e.contains("1025 threads"), "{e}");
        assert!(LaunchConfig::grid_block(1, (32, 32, 2)).validate().is_err());
        assert!(LaunchConfig::grid_block(1, (1, 1, 65)).validate().is_err());
        assert!(LaunchConfig::grid_block((1, 65536, 1), 1)
            .validate()
            .is_err());
        assert!(LaunchConfig::grid_block((1 << 31, 1, 1), 1)
            .validate()
            .is_err());
        assert!(
            LaunchConfig::grid_block(((1u32 << 31) - 1, 65535, 65535), 1)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn params() {
        let p = 0x1234_5678u32.to_param();
        assert_eq!(p.len(), 4);
        assert_eq!(p.type_name(), "u32");
        assert_eq!(bytes(&p), 0x1234_5678u32.to_ne_bytes());
        assert_eq!(p.as_ptr() as usize % 16, 0);

        assert_eq!(bytes(&true.to_param()), [1]);
        assert_eq!(bytes(&(-1i8).to_param()), [0xff]);
        assert_eq!(bytes(&2.5f64.to_param()), 2.5f64.to_ne_bytes());
        assert_eq!(bytes(&[1u16, 2].to_param()), [1, 0, 2, 0]);
        let ptr = DevicePtr::<f32>::from_addr(0xdead_beef_0000);
        assert_eq!(bytes(&ptr.to_param()), 0xdead_beef_0000u64.to_ne_bytes());

        #[derive(Clone, Copy)]
        #[repr(C)]
        struct S {
            a: u8,
            b: u64,
            c: [f32; 5],
        }
        // SAFETY: repr(C), numeric fields.
        unsafe impl DeviceCopy for S {}
        let s = S {
            a: 7,
            b: 9,
            c: [1.0; 5],
        };
        let p = s.to_param();
        assert_eq!(p.len(), 40);
        assert!(p.type_name().ends_with("S"));
        // The first byte and the u64 at offset 8 survive the copy.
        // SAFETY: reading initialized fields only.
        unsafe {
            let base = p.as_ptr() as *const u8;
            assert_eq!(*base, 7);
            assert_eq!(*(base.add(8) as *const u64), 9);
        }

        let args: [&dyn KernelArg; 3] = [&1u32, &2.0f32, &ptr];
        let sizes: Vec<usize> = args.iter().map(|a| a.to_param().len()).collect();
        assert_eq!(sizes, [4, 4, 8]);
    }
}
