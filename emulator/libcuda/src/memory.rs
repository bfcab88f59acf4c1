//! Memory: device, pinned host and managed allocations, pools, copies,
//! memsets and pointer attributes.
//!
//! Device pointers are the emulator's addresses. Pinned and managed memory
//! is mapped into the process at its device address, so the same pointer
//! works on the host and in kernels (unified addressing). Asynchronous
//! operations complete when issued.

use std::ffi::{c_int, c_uint, c_void};

use ptx_emu::exec::memory::AllocKind;

use crate::device::TOTAL_MEMORY;
use crate::stream::with_opt_stream;
use crate::*;

/// Frees an allocation made through the API (its record and its memory).
pub(crate) fn forget(s: &mut State, base: u64) {
    if let Some(a) = s.allocations.remove(&base) {
        s.live_bytes -= a.size;
    }
    s.machine.mem.free(base, None);
}

/// Allocates `size` bytes of `kind` for context `c`: device memory in the
/// emulator, or (pinned, managed) a host mapping at its device address.
fn allocate(
    s: &mut State,
    c: usize,
    call: &str,
    size: usize,
    kind: AllocKind,
    flags: u32,
) -> Result<u64, CUresult> {
    if size == 0 {
        return Err(refuse(INVALID_VALUE, format!("{call}: the size is 0")));
    }
    let size = size as u64;
    if s.live_bytes + size > TOTAL_MEMORY {
        return Err(refuse(
            OUT_OF_MEMORY,
            format!("{call}: {size} bytes exceed the device's free memory"),
        ));
    }
    let base = match kind {
        AllocKind::Pinned | AllocKind::Managed => match s.machine.mem.alloc_mapped(size, kind) {
            Some(b) => b,
            None => {
                return Err(refuse(
                    OUT_OF_MEMORY,
                    format!("{call}: cannot map {size} bytes"),
                ))
            }
        },
        _ => s.machine.mem.alloc(size, kind),
    };
    s.live_bytes += size;
    s.allocations.insert(
        base,
        HostAllocation {
            ctx: c,
            size,
            kind,
            flags,
        },
    );
    Ok(base)
}

/// Frees an allocation made through the API; `kinds` are those the call may free.
fn release(s: &mut State, call: &str, p: u64, kinds: &[AllocKind]) -> CUresult {
    match s.allocations.get(&p) {
        Some(a) if kinds.contains(&a.kind) => {
            forget(s, p);
            SUCCESS
        }
        Some(a) => refuse(
            INVALID_VALUE,
            format!("{call}({p:#x}): the pointer is {:?} memory, which this call does not free", a.kind),
        ),
        None => refuse(
            INVALID_VALUE,
            format!("{call}({p:#x}): not the start of a live allocation (freed twice, or never allocated)"),
        ),
    }
}

unsafe fn device_alloc(
    call: &str,
    p: *mut u64,
    size: usize,
    stream: Option<*mut c_void>,
) -> CUresult {
    if p.is_null() {
        return refuse(INVALID_VALUE, format!("{call}: the result pointer is NULL"));
    }
    let alloc = |s: &mut State, c: usize| match allocate(s, c, call, size, AllocKind::Host, 0) {
        Ok(b) => {
            put(p, b);
            SUCCESS
        }
        Err(e) => e,
    };
    with_opt_stream(call, stream, alloc)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAlloc_v2(p: *mut u64, size: usize) -> CUresult {
    device_alloc("cuMemAlloc", p, size, None)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAllocAsync(
    p: *mut u64,
    size: usize,
    stream: *mut c_void,
) -> CUresult {
    device_alloc("cuMemAllocAsync", p, size, Some(stream))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAllocFromPoolAsync(
    p: *mut u64,
    size: usize,
    pool: *mut c_void,
    stream: *mut c_void,
) -> CUresult {
    let ok = with_state(|s| match index_of(Kind::Pool, pool) {
        Some(i) if s.pools.get(i).is_some_and(Option::is_some) => SUCCESS,
        _ => refuse(
            INVALID_VALUE,
            "cuMemAllocFromPoolAsync: not a memory pool handle",
        ),
    });
    if ok != SUCCESS {
        return ok;
    }
    device_alloc("cuMemAllocFromPoolAsync", p, size, Some(stream))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAllocPitch_v2(
    p: *mut u64,
    pitch: *mut usize,
    width: usize,
    height: usize,
    elem: c_uint,
) -> CUresult {
    if pitch.is_null() || !matches!(elem, 4 | 8 | 16) {
        return refuse(
            INVALID_VALUE,
            "cuMemAllocPitch: pitch is NULL or the element size is not 4, 8 or 16",
        );
    }
    let row = width.div_ceil(512) * 512;
    let r = device_alloc("cuMemAllocPitch", p, row * height, None);
    if r == SUCCESS {
        put(pitch, row);
    }
    r
}

#[no_mangle]
pub unsafe extern "C" fn cuMemFree_v2(p: u64) -> CUresult {
    with_live(|s| {
        if p == 0 {
            return SUCCESS;
        }
        release(s, "cuMemFree", p, &[AllocKind::Host, AllocKind::Managed])
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemFreeAsync(p: u64, stream: *mut c_void) -> CUresult {
    with_stream("cuMemFreeAsync", stream, |s, _| {
        if p == 0 {
            return SUCCESS;
        }
        release(s, "cuMemFreeAsync", p, &[AllocKind::Host])
    })
}

unsafe fn host_alloc(call: &str, pp: *mut *mut c_void, size: usize, flags: c_uint) -> CUresult {
    if pp.is_null() {
        return refuse(INVALID_VALUE, format!("{call}: the result pointer is NULL"));
    }
    if flags & !0xf != 0 {
        return refuse(INVALID_VALUE, format!("{call}: unknown flags {flags:#x}"));
    }
    with_ctx(
        |s, c| match allocate(s, c, call, size, AllocKind::Pinned, flags) {
            Ok(b) => {
                put(pp, b as *mut c_void);
                SUCCESS
            }
            Err(e) => e,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAllocHost_v2(pp: *mut *mut c_void, size: usize) -> CUresult {
    host_alloc("cuMemAllocHost", pp, size, 0)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemHostAlloc(
    pp: *mut *mut c_void,
    size: usize,
    flags: c_uint,
) -> CUresult {
    host_alloc("cuMemHostAlloc", pp, size, flags)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemFreeHost(p: *mut c_void) -> CUresult {
    with_live(|s| release(s, "cuMemFreeHost", p as u64, &[AllocKind::Pinned]))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemHostGetDevicePointer_v2(
    pd: *mut u64,
    p: *mut c_void,
    flags: c_uint,
) -> CUresult {
    if pd.is_null() || flags != 0 {
        return refuse(
            INVALID_VALUE,
            "cuMemHostGetDevicePointer: NULL result or flags not 0",
        );
    }
    with_ctx(|s, _| match s.machine.mem.containing(p as u64) {
        Some((base, _))
            if s.allocations
                .get(&base)
                .is_some_and(|a| a.kind == AllocKind::Pinned) =>
        {
            // Mapped at its device address: the pointer is the same.
            put(pd, p as u64);
            SUCCESS
        }
        _ => refuse(
            INVALID_VALUE,
            format!(
                "cuMemHostGetDevicePointer({p:p}): not pinned memory from cuMemHostAlloc \
                 (memory registered with cuMemHostRegister cannot be addressed by emulated kernels)"
            ),
        ),
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemHostGetFlags(flags: *mut c_uint, p: *mut c_void) -> CUresult {
    if flags.is_null() {
        return INVALID_VALUE;
    }
    with_ctx(|s, _| match s.machine.mem.containing(p as u64) {
        Some((base, _)) => match s.allocations.get(&base) {
            Some(a) if a.kind == AllocKind::Pinned => {
                put(flags, a.flags);
                SUCCESS
            }
            _ => INVALID_VALUE,
        },
        None => INVALID_VALUE,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemHostRegister_v2(
    p: *mut c_void,
    size: usize,
    _flags: c_uint,
) -> CUresult {
    if p.is_null() || size == 0 {
        return refuse(INVALID_VALUE, "cuMemHostRegister: NULL pointer or size 0");
    }
    with_ctx(|s, _| {
        let (b, e) = (p as u64, p as u64 + size as u64);
        if s.registered.iter().any(|(&rb, &rs)| b < rb + rs && rb < e) {
            return HOST_MEMORY_ALREADY_REGISTERED;
        }
        s.registered.insert(b, size as u64);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemHostUnregister(p: *mut c_void) -> CUresult {
    with_ctx(|s, _| match s.registered.remove(&(p as u64)) {
        Some(_) => SUCCESS,
        None => HOST_MEMORY_NOT_REGISTERED,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAllocManaged(p: *mut u64, size: usize, flags: c_uint) -> CUresult {
    if p.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuMemAllocManaged: the result pointer is NULL",
        );
    }
    // CU_MEM_ATTACH_GLOBAL (1) or CU_MEM_ATTACH_HOST (2).
    if flags != 1 && flags != 2 {
        return refuse(
            INVALID_VALUE,
            format!("cuMemAllocManaged: flags must be CU_MEM_ATTACH_GLOBAL or _HOST, not {flags}"),
        );
    }
    with_ctx(
        |s, c| match allocate(s, c, "cuMemAllocManaged", size, AllocKind::Managed, flags) {
            Ok(b) => {
                put(p, b);
                SUCCESS
            }
            Err(e) => e,
        },
    )
}

/// Hints about managed memory: checked, then nothing to do (there is one copy).
fn managed_hint(s: &State, call: &str, p: u64, n: usize) -> CUresult {
    match s.machine.mem.containing(p) {
        Some((base, size)) if p + n as u64 <= base + size => SUCCESS,
        _ => refuse(
            INVALID_VALUE,
            format!("{call}: {n} bytes at {p:#x} are not inside one allocation"),
        ),
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAdvise_v2(
    p: u64,
    n: usize,
    _advice: c_int,
    _loc: Location,
) -> CUresult {
    with_ctx(|s, _| managed_hint(s, "cuMemAdvise", p, n))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemAdvise(p: u64, n: usize, _advice: c_int, _dev: c_int) -> CUresult {
    with_ctx(|s, _| managed_hint(s, "cuMemAdvise", p, n))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPrefetchAsync_v2(
    p: u64,
    n: usize,
    _loc: Location,
    _flags: c_uint,
    stream: *mut c_void,
) -> CUresult {
    with_stream("cuMemPrefetchAsync", stream, |s, _| {
        managed_hint(s, "cuMemPrefetchAsync", p, n)
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPrefetchAsync(
    p: u64,
    n: usize,
    _dev: c_int,
    stream: *mut c_void,
) -> CUresult {
    with_stream("cuMemPrefetchAsync", stream, |s, _| {
        managed_hint(s, "cuMemPrefetchAsync", p, n)
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamAttachMemAsync(
    stream: *mut c_void,
    p: u64,
    n: usize,
    _flags: c_uint,
) -> CUresult {
    with_stream("cuStreamAttachMemAsync", stream, |s, _| {
        managed_hint(s, "cuStreamAttachMemAsync", p, n.max(1))
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemGetInfo_v2(free: *mut usize, total: *mut usize) -> CUresult {
    if free.is_null() || total.is_null() {
        return INVALID_VALUE;
    }
    with_ctx(|s, _| {
        put(total, TOTAL_MEMORY as usize);
        put(
            free,
            (TOTAL_MEMORY - s.live_bytes.min(TOTAL_MEMORY)) as usize,
        );
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemGetAddressRange_v2(
    base: *mut u64,
    size: *mut usize,
    p: u64,
) -> CUresult {
    with_ctx(|s, _| match s.machine.mem.containing(p) {
        Some((b, z)) => {
            if !base.is_null() {
                put(base, b);
            }
            if !size.is_null() {
                put(size, z as usize);
            }
            SUCCESS
        }
        None => refuse(
            NOT_FOUND,
            format!("cuMemGetAddressRange({p:#x}): not inside a device allocation"),
        ),
    })
}

/// Where one side of a copy is.
#[derive(Clone, Copy)]
enum Side {
    Host(u64),
    Device(u64),
}

/// Classifies a unified address: inside an emulator allocation, or the host.
fn side(s: &State, addr: u64) -> Side {
    if s.machine.mem.containing(addr).is_some() {
        Side::Device(addr)
    } else {
        Side::Host(addr)
    }
}

/// Copies `n` bytes between host and device memory; device ranges must lie
/// inside one allocation.
unsafe fn copy(s: &mut State, call: &str, dst: Side, src: Side, n: usize) -> CUresult {
    if n == 0 {
        return SUCCESS;
    }
    // The device bytes of `[p, p + n)`, which must lie inside one allocation.
    fn range<'a>(s: &'a mut State, call: &str, p: u64, n: usize) -> Result<&'a mut [u8], CUresult> {
        s.machine.mem.host_slice_mut(p, n as u64).map_err(|e| {
            refuse(
                INVALID_VALUE,
                format!("{call}: {n} bytes at {p:#x} are not inside one device allocation ({e:?})"),
            )
        })
    }
    let null_dst = || refuse(INVALID_VALUE, format!("{call}: the destination is NULL"));
    // The source is checked before the destination; bytes are copied once,
    // except device to device.
    match src {
        Side::Host(0) | Side::Device(0) => {
            refuse(INVALID_VALUE, format!("{call}: the source is NULL"))
        }
        Side::Host(sp) => match dst {
            Side::Host(0) | Side::Device(0) => null_dst(),
            Side::Host(dp) => {
                std::ptr::copy(sp as *const u8, dp as *mut u8, n);
                SUCCESS
            }
            Side::Device(dp) => match range(s, call, dp, n) {
                Ok(d) => {
                    std::ptr::copy_nonoverlapping(sp as *const u8, d.as_mut_ptr(), n);
                    s.machine.mem.mark_initialized(dp, n as u64);
                    SUCCESS
                }
                Err(e) => e,
            },
        },
        Side::Device(sp) => {
            flush_printf(s);
            // The source's address: no borrow of the memory is kept.
            let from = match range(s, call, sp, n) {
                Ok(b) => b.as_ptr(),
                Err(e) => return e,
            };
            match dst {
                Side::Host(0) | Side::Device(0) => null_dst(),
                // A host address is in no allocation: the two never overlap.
                Side::Host(dp) => {
                    std::ptr::copy_nonoverlapping(from, dp as *mut u8, n);
                    SUCCESS
                }
                // Both sides are the emulator's memory (perhaps one
                // allocation): through a copy of the source.
                Side::Device(dp) => {
                    let bytes = std::slice::from_raw_parts(from, n).to_vec();
                    match range(s, call, dp, n) {
                        Ok(d) => {
                            d.copy_from_slice(&bytes);
                            s.machine.mem.mark_initialized(dp, n as u64);
                            SUCCESS
                        }
                        Err(e) => e,
                    }
                }
            }
        }
    }
}

/// Runs a copy on a stream (None: synchronous) in the current context.
unsafe fn copy_on(
    call: &str,
    stream: Option<*mut c_void>,
    dst: u64,
    src: u64,
    n: usize,
    kinds: (Option<bool>, Option<bool>),
) -> CUresult {
    with_opt_stream(call, stream, |s, _| {
        // `Some(true)`: the side must be device memory; `Some(false)`: host.
        let pick = |addr: u64, want: Option<bool>| match want {
            Some(true) => Side::Device(addr),
            Some(false) => Side::Host(addr),
            None => side(s, addr),
        };
        let (d, sr) = (pick(dst, kinds.0), pick(src, kinds.1));
        copy(s, call, d, sr, n)
    })
}

const DEV: Option<bool> = Some(true);
const HOST: Option<bool> = Some(false);

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyHtoD_v2(dst: u64, src: *const c_void, n: usize) -> CUresult {
    copy_on("cuMemcpyHtoD", None, dst, src as u64, n, (DEV, HOST))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyHtoDAsync_v2(
    dst: u64,
    src: *const c_void,
    n: usize,
    st: *mut c_void,
) -> CUresult {
    copy_on(
        "cuMemcpyHtoDAsync",
        Some(st),
        dst,
        src as u64,
        n,
        (DEV, HOST),
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyDtoH_v2(dst: *mut c_void, src: u64, n: usize) -> CUresult {
    copy_on("cuMemcpyDtoH", None, dst as u64, src, n, (HOST, DEV))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyDtoHAsync_v2(
    dst: *mut c_void,
    src: u64,
    n: usize,
    st: *mut c_void,
) -> CUresult {
    copy_on(
        "cuMemcpyDtoHAsync",
        Some(st),
        dst as u64,
        src,
        n,
        (HOST, DEV),
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyDtoD_v2(dst: u64, src: u64, n: usize) -> CUresult {
    copy_on("cuMemcpyDtoD", None, dst, src, n, (DEV, DEV))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyDtoDAsync_v2(
    dst: u64,
    src: u64,
    n: usize,
    st: *mut c_void,
) -> CUresult {
    copy_on("cuMemcpyDtoDAsync", Some(st), dst, src, n, (DEV, DEV))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpy(dst: u64, src: u64, n: usize) -> CUresult {
    copy_on("cuMemcpy", None, dst, src, n, (None, None))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyAsync(dst: u64, src: u64, n: usize, st: *mut c_void) -> CUresult {
    copy_on("cuMemcpyAsync", Some(st), dst, src, n, (None, None))
}

/// A copy between two contexts' memory: both handles must name contexts
/// (all contexts share the device's memory, so it is an ordinary copy).
unsafe fn copy_peer(
    call: &str,
    stream: Option<*mut c_void>,
    (dst, dctx): (u64, *mut c_void),
    (src, sctx): (u64, *mut c_void),
    n: usize,
) -> CUresult {
    let ok = with_state(|s| {
        if crate::context::ctx_index(s, dctx).is_none()
            || crate::context::ctx_index(s, sctx).is_none()
        {
            return refuse(INVALID_CONTEXT, format!("{call}: not a context handle"));
        }
        SUCCESS
    });
    if ok != SUCCESS {
        return ok;
    }
    copy_on(call, stream, dst, src, n, (DEV, DEV))
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyPeer(
    dst: u64,
    dctx: *mut c_void,
    src: u64,
    sctx: *mut c_void,
    n: usize,
) -> CUresult {
    copy_peer("cuMemcpyPeer", None, (dst, dctx), (src, sctx), n)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpyPeerAsync(
    dst: u64,
    dctx: *mut c_void,
    src: u64,
    sctx: *mut c_void,
    n: usize,
    st: *mut c_void,
) -> CUresult {
    copy_peer("cuMemcpyPeerAsync", Some(st), (dst, dctx), (src, sctx), n)
}

/// `CUDA_MEMCPY2D`.
#[repr(C)]
pub struct Memcpy2D {
    src_x_in_bytes: usize,
    src_y: usize,
    src_memory_type: c_uint,
    src_host: *const c_void,
    src_device: u64,
    src_array: *mut c_void,
    src_pitch: usize,
    dst_x_in_bytes: usize,
    dst_y: usize,
    dst_memory_type: c_uint,
    dst_host: *mut c_void,
    dst_device: u64,
    dst_array: *mut c_void,
    dst_pitch: usize,
    width_in_bytes: usize,
    height: usize,
}

unsafe fn copy_2d(call: &str, p: *const Memcpy2D, stream: Option<*mut c_void>) -> CUresult {
    if p.is_null() {
        return refuse(INVALID_VALUE, format!("{call}: pCopy is NULL"));
    }
    let m = &*p;
    // CUmemorytype: HOST 1, DEVICE 2, ARRAY 3, UNIFIED 4.
    let base = |ty: c_uint, host: u64, dev: u64| -> Result<(u64, Option<bool>), CUresult> {
        match ty {
            1 => Ok((host, HOST)),
            2 => Ok((dev, DEV)),
            4 => Ok((dev, None)),
            3 => Err(refuse(
                NOT_SUPPORTED,
                format!("{call}: CUDA arrays are not emulated"),
            )),
            t => Err(refuse(
                INVALID_VALUE,
                format!("{call}: {t} is not a CUmemorytype"),
            )),
        }
    };
    let (src, sk) = match base(m.src_memory_type, m.src_host as u64, m.src_device) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let (dst, dk) = match base(m.dst_memory_type, m.dst_host as u64, m.dst_device) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if m.src_pitch < m.width_in_bytes + m.src_x_in_bytes && m.height > 1
        || m.dst_pitch < m.width_in_bytes + m.dst_x_in_bytes && m.height > 1
    {
        return refuse(
            INVALID_VALUE,
            format!("{call}: a pitch is smaller than the row width"),
        );
    }
    for row in 0..m.height {
        let s_addr = src + ((m.src_y + row) * m.src_pitch + m.src_x_in_bytes) as u64;
        let d_addr = dst + ((m.dst_y + row) * m.dst_pitch + m.dst_x_in_bytes) as u64;
        let r = copy_on(call, stream, d_addr, s_addr, m.width_in_bytes, (dk, sk));
        if r != SUCCESS {
            return r;
        }
    }
    SUCCESS
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpy2D_v2(p: *const Memcpy2D) -> CUresult {
    copy_2d("cuMemcpy2D", p, None)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpy2DUnaligned_v2(p: *const Memcpy2D) -> CUresult {
    copy_2d("cuMemcpy2DUnaligned", p, None)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemcpy2DAsync_v2(p: *const Memcpy2D, st: *mut c_void) -> CUresult {
    copy_2d("cuMemcpy2DAsync", p, Some(st))
}

/// Fills `n` elements of `width` bytes with `pattern` (little-endian).
fn fill(
    call: &str,
    stream: Option<*mut c_void>,
    dst: u64,
    pattern: u32,
    width: usize,
    n: usize,
) -> CUresult {
    with_opt_stream(call, stream, |s, _| {
        if n == 0 {
            return SUCCESS;
        }
        if !dst.is_multiple_of(width as u64) {
            return refuse(
                INVALID_VALUE,
                format!("{call}: {dst:#x} is not aligned to {width} bytes"),
            );
        }
        match s.machine.mem.host_slice_mut(dst, (n * width) as u64) {
            Ok(d) => {
                let p = &pattern.to_le_bytes()[..width];
                d.chunks_exact_mut(width).for_each(|c| c.copy_from_slice(p));
                s.machine.mem.mark_initialized(dst, (n * width) as u64);
                SUCCESS
            }
            Err(e) => refuse(
                INVALID_VALUE,
                format!(
                    "{call}: {} bytes at {dst:#x} are not inside one device allocation ({e:?})",
                    n * width
                ),
            ),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD8_v2(dst: u64, v: u8, n: usize) -> CUresult {
    fill("cuMemsetD8", None, dst, v as u32, 1, n)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD8Async(dst: u64, v: u8, n: usize, st: *mut c_void) -> CUresult {
    fill("cuMemsetD8Async", Some(st), dst, v as u32, 1, n)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD16_v2(dst: u64, v: u16, n: usize) -> CUresult {
    fill("cuMemsetD16", None, dst, v as u32, 2, n)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD16Async(dst: u64, v: u16, n: usize, st: *mut c_void) -> CUresult {
    fill("cuMemsetD16Async", Some(st), dst, v as u32, 2, n)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD32_v2(dst: u64, v: u32, n: usize) -> CUresult {
    fill("cuMemsetD32", None, dst, v, 4, n)
}

#[no_mangle]
pub unsafe extern "C" fn cuMemsetD32Async(dst: u64, v: u32, n: usize, st: *mut c_void) -> CUresult {
    fill("cuMemsetD32Async", Some(st), dst, v, 4, n)
}

/// One `CUpointer_attribute` of `p`, written to `data`.
unsafe fn pointer_attribute(s: &State, attr: c_int, data: *mut c_void, p: u64) -> CUresult {
    let alloc = s
        .machine
        .mem
        .containing(p)
        .and_then(|(b, _)| s.allocations.get(&b).map(|a| (b, a)));
    let registered = s.registered.iter().any(|(&b, &z)| (b..b + z).contains(&p));
    let Some((base, a)) = alloc else {
        if registered && attr == 2 {
            put(data as *mut c_uint, 1); // CU_MEMORYTYPE_HOST
            return SUCCESS;
        }
        return INVALID_VALUE;
    };
    let host_visible = matches!(a.kind, AllocKind::Pinned | AllocKind::Managed);
    match attr {
        1 => put(data as *mut *mut c_void, handle(Kind::Context, a.ctx)), // CONTEXT
        2 => put(
            data as *mut c_uint,
            if a.kind == AllocKind::Pinned { 1 } else { 2 },
        ), // MEMORY_TYPE
        3 => put(data as *mut u64, p),                                    // DEVICE_POINTER
        4 => {
            if !host_visible {
                return INVALID_VALUE;
            }
            put(data as *mut u64, p) // HOST_POINTER
        }
        6 => put(data as *mut c_int, 1),  // SYNC_MEMOPS
        7 => put(data as *mut u64, base), // BUFFER_ID
        8 => put(data as *mut c_int, (a.kind == AllocKind::Managed) as c_int), // IS_MANAGED
        9 => put(data as *mut c_int, 0),  // DEVICE_ORDINAL
        10 => put(data as *mut c_int, 0), // IS_LEGACY_CUDA_IPC_CAPABLE
        11 => put(data as *mut u64, base), // RANGE_START_ADDR
        12 => put(data as *mut usize, a.size as usize), // RANGE_SIZE
        13 => put(data as *mut c_int, 1), // MAPPED
        _ => return NOT_SUPPORTED,
    }
    SUCCESS
}

#[no_mangle]
pub unsafe extern "C" fn cuPointerGetAttribute(data: *mut c_void, attr: c_int, p: u64) -> CUresult {
    if data.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| pointer_attribute(s, attr, data, p))
}

#[no_mangle]
pub unsafe extern "C" fn cuPointerGetAttributes(
    n: c_uint,
    attrs: *const c_int,
    data: *mut *mut c_void,
    p: u64,
) -> CUresult {
    if n > 0 && (attrs.is_null() || data.is_null()) {
        return INVALID_VALUE;
    }
    with_live(|s| {
        for i in 0..n as usize {
            let d = *data.add(i);
            if d.is_null() {
                continue;
            }
            // Unlike the single form, the plural one zeroes what does not apply.
            if pointer_attribute(s, *attrs.add(i), d, p) != SUCCESS {
                std::ptr::write_bytes(d as *mut u8, 0, 4);
            }
        }
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetDefaultMemPool(pool: *mut *mut c_void, dev: c_int) -> CUresult {
    if pool.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if dev != 0 {
            return INVALID_DEVICE;
        }
        put(pool, handle(Kind::Pool, 0));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetMemPool(pool: *mut *mut c_void, dev: c_int) -> CUresult {
    cuDeviceGetDefaultMemPool(pool, dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceSetMemPool(dev: c_int, pool: *mut c_void) -> CUresult {
    with_state(|s| {
        if dev != 0 {
            return INVALID_DEVICE;
        }
        match index_of(Kind::Pool, pool) {
            Some(i) if s.pools.get(i).is_some_and(Option::is_some) => SUCCESS,
            _ => refuse(
                INVALID_VALUE,
                "cuDeviceSetMemPool: not a memory pool handle",
            ),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPoolCreate(pool: *mut *mut c_void, props: *const c_void) -> CUresult {
    if pool.is_null() || props.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| {
        s.pools.push(Some(Default::default()));
        put(pool, handle(Kind::Pool, s.pools.len() - 1));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPoolDestroy(pool: *mut c_void) -> CUresult {
    with_live(|s| match index_of(Kind::Pool, pool) {
        Some(0) => refuse(
            INVALID_VALUE,
            "cuMemPoolDestroy: the default pool cannot be destroyed",
        ),
        Some(i) if s.pools.get(i).is_some_and(Option::is_some) => {
            s.pools[i] = None;
            SUCCESS
        }
        _ => INVALID_VALUE,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPoolSetAttribute(
    pool: *mut c_void,
    attr: c_int,
    value: *mut c_void,
) -> CUresult {
    if value.is_null() {
        return INVALID_VALUE;
    }
    with_live(
        |s| match index_of(Kind::Pool, pool).and_then(|i| s.pools.get_mut(i)?.as_mut()) {
            Some(p) => {
                // Release threshold (4) and the reuse flags are kept; they change nothing here.
                let v = if attr == 4 {
                    *(value as *const u64)
                } else {
                    *(value as *const c_int) as u64
                };
                p.insert(attr, v);
                SUCCESS
            }
            None => INVALID_VALUE,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPoolGetAttribute(
    pool: *mut c_void,
    attr: c_int,
    value: *mut c_void,
) -> CUresult {
    if value.is_null() {
        return INVALID_VALUE;
    }
    with_live(
        |s| match index_of(Kind::Pool, pool).and_then(|i| s.pools.get(i)?.as_ref()) {
            Some(p) => {
                let v = p.get(&attr).copied().unwrap_or(match attr {
                    1..=3 => 1, // the reuse policies are on by default
                    _ => 0,
                });
                if attr >= 4 {
                    put(value as *mut u64, v);
                } else {
                    put(value as *mut c_int, v as c_int);
                }
                SUCCESS
            }
            None => INVALID_VALUE,
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuMemPoolTrimTo(pool: *mut c_void, _keep: usize) -> CUresult {
    with_live(|s| match index_of(Kind::Pool, pool) {
        Some(i) if s.pools.get(i).is_some_and(Option::is_some) => SUCCESS,
        _ => INVALID_VALUE,
    })
}

/// `CUmemLocation`, passed by value.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Location {
    pub kind: c_int,
    pub id: c_int,
}
