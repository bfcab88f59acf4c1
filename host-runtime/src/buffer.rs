//! Device memory: [`DeviceBuffer`], the typed [`DevicePtr`] passed to kernels,
//! and the [`DeviceCopy`] marker for element types that may cross the bus.

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::mem::size_of;
use std::sync::Arc;

use cudarc::driver::sys;

use crate::context::Context;
use crate::driver::check;
use crate::error::GpuError;

/// Plain data that can be copied to and from the device byte for byte.
///
/// Implemented for all integer and float primitives, `usize`/`isize`,
/// [`DevicePtr`] and arrays of such types. Implement it for your own types:
///
/// ```
/// #[derive(Clone, Copy, Debug, Default)]
/// #[repr(C)]
/// struct Pair {
///     a: u32,
///     b: f32,
/// }
/// // SAFETY: repr(C), only numeric fields, any bit pattern is valid.
/// unsafe impl host_runtime::DeviceCopy for Pair {}
/// ```
///
/// # Safety
///
/// The type must be `#[repr(C)]` (or a primitive / `#[repr(transparent)]`),
/// have the same layout as the device-side type, contain no references or host
/// pointers, and every bit pattern must be a valid value (buffers are zeroed and
/// downloads are raw byte copies). `bool` and `char` do not qualify.
pub unsafe trait DeviceCopy: Copy + 'static {}

macro_rules! device_copy {
    ($($t:ty),*) => { $(
        // SAFETY: primitive numeric type, any bit pattern is valid.
        unsafe impl DeviceCopy for $t {}
    )* };
}
device_copy!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);
// SAFETY: arrays of plain data are plain data.
unsafe impl<T: DeviceCopy, const N: usize> DeviceCopy for [T; N] {}

/// A typed device address, as a kernel sees a `*mut T` / `*const T` parameter.
///
/// Get one with [`DeviceBuffer::ptr`]; it can be passed to a kernel directly or
/// stored in a `#[repr(C)]` struct that is passed by value.
#[repr(transparent)]
pub struct DevicePtr<T> {
    addr: u64,
    _marker: PhantomData<fn() -> T>,
}

impl<T> DevicePtr<T> {
    /// A pointer from a raw device address.
    pub const fn from_addr(addr: u64) -> Self {
        DevicePtr {
            addr,
            _marker: PhantomData,
        }
    }

    /// The null device pointer.
    pub const fn null() -> Self {
        DevicePtr::from_addr(0)
    }

    /// The raw device address.
    pub const fn addr(self) -> u64 {
        self.addr
    }

    /// Whether this is the null pointer.
    pub const fn is_null(self) -> bool {
        self.addr == 0
    }

    /// The pointer `count` elements further on (no bounds check; wraps like `pointer::wrapping_add`).
    pub fn offset(self, count: usize) -> Self {
        DevicePtr::from_addr(
            self.addr
                .wrapping_add((count as u64).wrapping_mul(size_of::<T>() as u64)),
        )
    }

    /// The same address viewed as a pointer to `U`.
    pub const fn cast<U>(self) -> DevicePtr<U> {
        DevicePtr::from_addr(self.addr)
    }
}

impl<T> Clone for DevicePtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for DevicePtr<T> {}
impl<T> PartialEq for DevicePtr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr
    }
}
impl<T> Eq for DevicePtr<T> {}
impl<T> fmt::Debug for DevicePtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevicePtr({:#x})", self.addr)
    }
}
// SAFETY: a transparent u64; any value is a valid (possibly dangling) address.
unsafe impl<T: 'static> DeviceCopy for DevicePtr<T> {}

/// An owned, typed allocation of device memory, freed on drop.
///
/// Pass `&buf` to a kernel to pass its device address. Created with
/// [`Gpu::upload`](crate::Gpu::upload), [`Gpu::zeros`](crate::Gpu::zeros)
/// or [`Gpu::filled`](crate::Gpu::filled).
pub struct DeviceBuffer<T> {
    ptr: sys::CUdeviceptr,
    len: usize,
    ctx: Arc<Context>,
    _marker: PhantomData<T>,
}

impl<T> fmt::Debug for DeviceBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceBuffer")
            .field("ptr", &format_args!("{:#x}", self.ptr))
            .field("len", &self.len)
            .field("type", &std::any::type_name::<T>())
            .finish()
    }
}

impl<T> Drop for DeviceBuffer<T> {
    fn drop(&mut self) {
        if self.ptr != 0 {
            // Errors (e.g. after a sticky kernel fault) cannot be reported here.
            // SAFETY: `ptr` came from cuMemAlloc in this context and is freed once.
            unsafe {
                let _ = sys::cuCtxSetCurrent(self.ctx_handle());
                let _ = sys::cuMemFree_v2(self.ptr);
            }
        }
    }
}

impl<T> DeviceBuffer<T> {
    fn ctx_handle(&self) -> sys::CUcontext {
        self.ctx.raw()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size in bytes.
    pub fn byte_len(&self) -> usize {
        self.len * size_of::<T>()
    }

    /// The device address of the first element (null for an empty buffer).
    pub fn ptr(&self) -> DevicePtr<T> {
        DevicePtr::from_addr(self.ptr)
    }
}

impl<T: DeviceCopy> DeviceBuffer<T> {
    /// Allocates `len` uninitialized elements (callers initialize it).
    pub(crate) fn alloc(ctx: Arc<Context>, len: usize) -> Result<Self, GpuError> {
        let bytes = len
            .checked_mul(size_of::<T>())
            .ok_or_else(|| GpuError::msg(format!("allocation of {len} elements overflows")))?;
        let mut ptr: sys::CUdeviceptr = 0;
        if bytes > 0 {
            ctx.bind()?;
            // SAFETY: valid out-pointer; the context is current.
            check(unsafe { sys::cuMemAlloc_v2(&mut ptr, bytes) }, "cuMemAlloc")?;
        }
        Ok(DeviceBuffer {
            ptr,
            len,
            ctx,
            _marker: PhantomData,
        })
    }

    /// Overwrites the whole buffer with `data`, which must have the same length.
    pub fn copy_from_host(&mut self, data: &[T]) -> Result<(), GpuError> {
        if data.len() != self.len {
            return Err(GpuError::SizeMismatch {
                what: "copy to device buffer".to_string(),
                expected: self.len,
                actual: data.len(),
                unit: "elements",
            });
        }
        if self.byte_len() == 0 {
            return Ok(());
        }
        self.ctx.bind()?;
        // SAFETY: both sides hold `byte_len` bytes; we synchronize before returning,
        // so `data` outlives the copy.
        check(
            unsafe {
                sys::cuMemcpyHtoDAsync_v2(
                    self.ptr,
                    data.as_ptr() as *const c_void,
                    self.byte_len(),
                    self.ctx.stream,
                )
            },
            "cuMemcpyHtoD",
        )?;
        self.ctx.sync("cuMemcpyHtoD")
    }

    /// Copies the whole buffer into `out`, which must have the same length.
    pub fn copy_to_host(&self, out: &mut [T]) -> Result<(), GpuError> {
        if out.len() != self.len {
            return Err(GpuError::SizeMismatch {
                what: "copy from device buffer".to_string(),
                expected: self.len,
                actual: out.len(),
                unit: "elements",
            });
        }
        // SAFETY: `out` has room for `len` elements.
        unsafe { self.copy_to_raw(out.as_mut_ptr()) }
    }

    /// Copies the whole buffer to `dst` and waits for the copy.
    ///
    /// # Safety
    /// `dst` must be valid for writing `self.len` elements.
    unsafe fn copy_to_raw(&self, dst: *mut T) -> Result<(), GpuError> {
        if self.byte_len() == 0 {
            return Ok(());
        }
        self.ctx.bind()?;
        // SAFETY: the caller guarantees room; we synchronize before returning.
        check(
            unsafe {
                sys::cuMemcpyDtoHAsync_v2(
                    dst as *mut c_void,
                    self.ptr,
                    self.byte_len(),
                    self.ctx.stream,
                )
            },
            "cuMemcpyDtoH",
        )?;
        self.ctx.sync("cuMemcpyDtoH")
    }

    /// Downloads the buffer into a new `Vec`.
    pub fn to_vec(&self) -> Result<Vec<T>, GpuError> {
        let mut out: Vec<T> = Vec::with_capacity(self.len);
        // SAFETY: the Vec has capacity for `len` elements; after a successful
        // copy all of them are initialized, and any bit pattern is a valid `T`
        // (`DeviceCopy` contract).
        unsafe {
            self.copy_to_raw(out.as_mut_ptr())?;
            out.set_len(self.len);
        }
        Ok(out)
    }

    /// Sets every byte of the buffer to zero.
    pub fn fill_zero(&mut self) -> Result<(), GpuError> {
        if self.byte_len() == 0 {
            return Ok(());
        }
        self.ctx.bind()?;
        // SAFETY: the range is our allocation.
        check(
            unsafe { sys::cuMemsetD8Async(self.ptr, 0, self.byte_len(), self.ctx.stream) },
            "cuMemsetD8",
        )?;
        self.ctx.sync("cuMemsetD8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ptr_arithmetic() {
        let p = DevicePtr::<f64>::from_addr(0x1000);
        assert_eq!(p.offset(3).addr(), 0x1018);
        assert_eq!(p.cast::<u8>().offset(3).addr(), 0x1003);
        assert!(DevicePtr::<u32>::null().is_null());
        assert_eq!(format!("{:?}", p), "DevicePtr(0x1000)");
        assert_eq!(size_of::<DevicePtr<u8>>(), 8);
    }
}
