//! The driver API through its exported entry points. The driver state is
//! process-wide, as in a real driver, so the tests take a lock; each sets
//! its own current context (contexts are per thread).

use std::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;

use super::*;

static SERIAL: Mutex<()> = Mutex::new(());

const INC: &str = ".version 8.0\n.target sm_80\n.address_size 64\n\
.visible .entry inc(.param .u64 p) {\n  .reg .b64 %rd<3>; .reg .b32 %r<3>;\n  ld.param.u64 %rd1, [p];\n  ld.global.u32 %r1, [%rd1];\n  add.s32 %r2, %r1, 1;\n  st.global.u32 [%rd1], %r2;\n  ret;\n}\n\0";

/// Counts how many of 64 device `malloc`s of 1 MiB succeed.
const HEAP: &str = ".version 8.0\n.target sm_80\n.address_size 64\n\
.extern .func (.param .b64 rv) malloc (.param .b64 sz);\n\
.visible .entry heap(.param .u64 out) {\n  .reg .b64 %rd<4>; .reg .b32 %r<4>; .reg .pred %p<3>;\n\
  ld.param.u64 %rd1, [out];\n  mov.u32 %r1, 0;\n  mov.u32 %r2, 0;\n\
L:\n  {\n  .param .b64 sz;\n  .param .b64 rv;\n  st.param.b64 [sz], 1048576;\n  call.uni (rv), malloc, (sz);\n  ld.param.b64 %rd2, [rv];\n  }\n\
  setp.ne.u64 %p1, %rd2, 0;\n  selp.u32 %r3, 1, 0, %p1;\n  add.u32 %r2, %r2, %r3;\n  add.u32 %r1, %r1, 1;\n\
  setp.lt.u32 %p2, %r1, 64;\n  @%p2 bra L;\n  st.global.u32 [%rd1], %r2;\n  ret;\n}\n\0";

/// `rec(n) = n + rec(n - 1)` with a 256-byte `.local` frame per call;
/// `rec(out, depth)` stores `rec(depth)`.
const REC: &str = ".version 8.0\n.target sm_80\n.address_size 64\n\
.visible .func (.param .b32 r) f(.param .b32 n)\n{\n  .local .align 4 .b8 buf[256];\n  .reg .b32 %r<6>; .reg .pred %p1;\n\
  ld.param.u32 %r1, [n];\n  st.local.u32 [buf+252], %r1;\n  mov.u32 %r3, 0;\n  setp.eq.u32 %p1, %r1, 0;\n  @%p1 bra DONE;\n\
  sub.u32 %r2, %r1, 1;\n  {\n  .param .b32 a;\n  st.param.b32 [a], %r2;\n  .param .b32 rv;\n  call.uni (rv), f, (a);\n  ld.param.b32 %r3, [rv];\n  }\n\
DONE:\n  ld.local.u32 %r4, [buf+252];\n  add.u32 %r5, %r3, %r4;\n  st.param.b32 [r], %r5;\n  ret;\n}\n\
.visible .entry rec(.param .u64 out, .param .u32 depth) {\n  .reg .b32 %r<3>; .reg .b64 %rd<2>;\n\
  ld.param.u64 %rd1, [out];\n  ld.param.u32 %r2, [depth];\n  {\n  .param .b32 a;\n  st.param.b32 [a], %r2;\n  .param .b32 rv;\n  call.uni (rv), f, (a);\n  ld.param.b32 %r1, [rv];\n  }\n\
  st.global.u32 [%rd1], %r1;\n  ret;\n}\n\0";

/// Initializes the driver and makes the primary context current on this thread.
unsafe fn setup() -> std::sync::MutexGuard<'static, ()> {
    let g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(cuInit(0), SUCCESS);
    let mut ctx = std::ptr::null_mut();
    assert_eq!(cuDevicePrimaryCtxRetain(&mut ctx, 0), SUCCESS);
    assert_eq!(cuCtxSetCurrent(ctx), SUCCESS);
    g
}

unsafe fn load(ptx: &str, name: &CStr) -> (*mut c_void, *mut c_void) {
    let mut m = std::ptr::null_mut();
    assert_eq!(
        cuModuleLoadData(&mut m, ptx.as_ptr() as *const c_void),
        SUCCESS
    );
    let mut f = std::ptr::null_mut();
    assert_eq!(cuModuleGetFunction(&mut f, m, name.as_ptr()), SUCCESS);
    (m, f)
}

unsafe fn launch1(
    f: *mut c_void,
    threads: u32,
    params: *mut *mut c_void,
    stream: *mut c_void,
) -> CUresult {
    cuLaunchKernel(
        f,
        1,
        1,
        1,
        threads,
        1,
        1,
        0,
        stream,
        params,
        std::ptr::null_mut(),
    )
}

#[test]
fn a_program_runs_and_a_fault_is_sticky_until_reset() {
    unsafe {
        let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        if STATE.lock().unwrap().is_none() {
            assert_eq!(
                cuDeviceGetCount(&mut 0),
                NOT_INITIALIZED,
                "calls before cuInit fail"
            );
        }
        drop(_g);
        let _g = setup();
        let mut name = [0 as c_char; 64];
        assert_eq!(cuDeviceGetName(name.as_mut_ptr(), 64, 0), SUCCESS);
        let name = CStr::from_ptr(name.as_ptr()).to_str().unwrap().to_string();
        assert!(name.starts_with("ptx-emu 0.1 (sm_"), "{name}");
        let mut major = 0;
        assert_eq!(cuDeviceGetAttribute(&mut major, 75, 0), SUCCESS);
        assert!(major >= 7);

        // Malformed PTX: CUDA_ERROR_INVALID_PTX with the line in the JIT log.
        let mut log = [0u8; 256];
        let mut opts = [5, 6];
        let mut vals = [
            log.as_mut_ptr() as *mut c_void,
            std::ptr::without_provenance_mut(256),
        ];
        let mut m = std::ptr::null_mut();
        let bad = ".version 8.0\n.target sm_80\n.visible .entry k() {\n  add.s32 %r1, ;\n}\n\0";
        let r = cuModuleLoadDataEx(
            &mut m,
            bad.as_ptr() as *const c_void,
            2,
            opts.as_mut_ptr(),
            vals.as_mut_ptr(),
        );
        assert_eq!(r, INVALID_PTX);
        let log = CStr::from_bytes_until_nul(&log).unwrap().to_str().unwrap();
        assert!(log.contains("PTX line 4"), "{log}");

        let (m, f) = load(INC, c"inc");
        let mut f2 = std::ptr::null_mut();
        assert_eq!(
            cuModuleGetFunction(&mut f2, m, c"missing".as_ptr()),
            NOT_FOUND
        );
        let (mut off, mut size) = (9, 9);
        assert_eq!(cuFuncGetParamInfo(f, 0, &mut off, &mut size), SUCCESS);
        assert_eq!((off, size), (0, 8));
        assert_eq!(cuFuncGetParamInfo(f, 1, &mut off, &mut size), INVALID_VALUE);

        let mut stream = std::ptr::null_mut();
        assert_eq!(cuStreamCreate(&mut stream, 0), SUCCESS);
        let mut dptr = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut dptr, 4), SUCCESS);
        let v = 41u32;
        assert_eq!(
            cuMemcpyHtoDAsync_v2(dptr, &v as *const u32 as *const c_void, 4, stream),
            SUCCESS
        );
        let mut arg = dptr;
        let mut params = [&mut arg as *mut u64 as *mut c_void];
        assert_eq!(launch1(f, 1, params.as_mut_ptr(), stream), SUCCESS);
        assert_eq!(cuStreamSynchronize(stream), SUCCESS);
        let mut out = 0u32;
        assert_eq!(
            cuMemcpyDtoH_v2(&mut out as *mut u32 as *mut c_void, dptr, 4),
            SUCCESS
        );
        assert_eq!(out, 42);
        // Too many threads: the launch itself fails, the context survives.
        assert_eq!(launch1(f, 2048, params.as_mut_ptr(), stream), INVALID_VALUE);
        assert_eq!(cuStreamSynchronize(stream), SUCCESS);
        // A fault: the launch returns, the next synchronization reports it, and so does every later call.
        let mut wild = 0x10u64;
        let mut params = [&mut wild as *mut u64 as *mut c_void];
        assert_eq!(launch1(f, 1, params.as_mut_ptr(), stream), SUCCESS);
        assert_eq!(cuStreamSynchronize(stream), 700);
        assert_eq!(cuMemAlloc_v2(&mut dptr, 4), 700);
        let mut text = std::ptr::null();
        assert_eq!(cuGetErrorString(700, &mut text), SUCCESS);
        assert_eq!(
            CStr::from_ptr(text).to_str().unwrap(),
            "an illegal memory access was encountered"
        );
        // A reset of the primary context clears it and frees what it held.
        assert_eq!(cuDevicePrimaryCtxReset_v2(0), SUCCESS);
        assert_eq!(cuMemAlloc_v2(&mut dptr, 4), SUCCESS);
        assert_eq!(
            cuStreamSynchronize(stream),
            INVALID_HANDLE,
            "the reset destroyed the stream"
        );
    }
}

#[test]
fn null_pointers_are_invalid_values() {
    unsafe {
        let _g = setup();
        assert_eq!(cuMemAlloc_v2(std::ptr::null_mut(), 4), INVALID_VALUE);
        assert_eq!(cuCtxGetCurrent(std::ptr::null_mut()), INVALID_VALUE);
        assert_eq!(cuStreamCreate(std::ptr::null_mut(), 0), INVALID_VALUE);
        assert_eq!(cuEventCreate(std::ptr::null_mut(), 0), INVALID_VALUE);
        assert_eq!(
            cuDeviceGetAttribute(std::ptr::null_mut(), 1, 0),
            INVALID_VALUE
        );
        assert_eq!(
            cuModuleLoadData(std::ptr::null_mut(), INC.as_ptr() as *const c_void),
            INVALID_VALUE
        );
        let mut m = std::ptr::null_mut();
        assert_eq!(cuModuleLoadData(&mut m, std::ptr::null()), INVALID_VALUE);
        let (m, f) = load(INC, c"inc");
        let mut g = std::ptr::null_mut();
        assert_eq!(
            cuModuleGetFunction(&mut g, m, std::ptr::null()),
            INVALID_VALUE
        );
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 16), SUCCESS);
        assert_eq!(cuMemcpyHtoD_v2(d, std::ptr::null(), 4), INVALID_VALUE);
        assert_eq!(cuMemcpyDtoH_v2(std::ptr::null_mut(), d, 4), INVALID_VALUE);
        assert_eq!(
            launch1(f, 1, std::ptr::null_mut(), std::ptr::null_mut()),
            INVALID_VALUE,
            "the kernel takes a parameter"
        );
        let mut none: [*mut c_void; 1] = [std::ptr::null_mut()];
        assert_eq!(
            launch1(f, 1, none.as_mut_ptr(), std::ptr::null_mut()),
            INVALID_VALUE
        );
        assert_eq!(
            cuLaunchHostFunc(std::ptr::null_mut(), None, std::ptr::null_mut()),
            INVALID_VALUE
        );
        assert_eq!(
            cuLaunchKernelEx(
                std::ptr::null(),
                f,
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ),
            INVALID_VALUE
        );
        assert_eq!(cuMemFree_v2(d), SUCCESS);
    }
}

#[test]
fn unknown_handles_are_refused() {
    unsafe {
        let _g = setup();
        let bogus = std::ptr::without_provenance_mut::<c_void>(0xdead_beef);
        assert_eq!(cuStreamSynchronize(bogus), INVALID_HANDLE);
        assert_eq!(cuEventRecord(bogus, std::ptr::null_mut()), INVALID_HANDLE);
        let mut f = std::ptr::null_mut();
        assert_eq!(
            cuModuleGetFunction(&mut f, bogus, c"inc".as_ptr()),
            INVALID_HANDLE
        );
        assert_eq!(cuModuleUnload(bogus), INVALID_HANDLE);
        assert_eq!(cuCtxSetCurrent(bogus), INVALID_CONTEXT);
        // A handle of the wrong kind: a stream where a function belongs.
        let mut s = std::ptr::null_mut();
        assert_eq!(cuStreamCreate(&mut s, 0), SUCCESS);
        assert_eq!(
            launch1(s, 1, std::ptr::null_mut(), std::ptr::null_mut()),
            INVALID_HANDLE
        );
        assert_eq!(cuStreamDestroy_v2(s), SUCCESS);
        assert_eq!(cuStreamDestroy_v2(s), INVALID_HANDLE, "destroyed twice");
        assert_eq!(cuStreamQuery(s), INVALID_HANDLE, "used after destroy");
        // Memory: a pointer that is no allocation's start, and a double free.
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 64), SUCCESS);
        assert_eq!(cuMemFree_v2(d + 8), INVALID_VALUE);
        assert_eq!(cuMemFree_v2(d), SUCCESS);
        assert_eq!(cuMemFree_v2(d), INVALID_VALUE);
        // An unloaded module's function.
        let (m, f) = load(INC, c"inc");
        assert_eq!(cuModuleUnload(m), SUCCESS);
        assert_eq!(
            launch1(f, 1, std::ptr::null_mut(), std::ptr::null_mut()),
            INVALID_HANDLE
        );
        // Unimplemented entry points exist and say so.
        assert_eq!(cuGraphCreate(), NOT_SUPPORTED);
    }
}

#[test]
fn the_wrong_context_is_refused() {
    unsafe {
        let _g = setup();
        let (_, f) = load(INC, c"inc");
        // No current context on a fresh thread: calls that need one fail,
        // and a created stream still synchronizes (it names its context).
        let mut st = std::ptr::null_mut();
        assert_eq!(cuStreamCreate(&mut st, 0), SUCCESS);
        let st_addr = st as usize;
        std::thread::spawn(move || {
            let mut d = 0u64;
            assert_eq!(cuMemAlloc_v2(&mut d, 4), INVALID_CONTEXT);
            assert_eq!(
                cuStreamSynchronize(std::ptr::without_provenance_mut(st_addr)),
                SUCCESS
            );
            assert_eq!(cuStreamSynchronize(std::ptr::null_mut()), INVALID_CONTEXT);
            let mut c = std::ptr::null_mut();
            assert_eq!(cuCtxGetCurrent(&mut c), SUCCESS);
            assert!(c.is_null());
        })
        .join()
        .unwrap();
        let mut primary = std::ptr::null_mut();
        assert_eq!(cuCtxGetCurrent(&mut primary), SUCCESS);
        let mut b = std::ptr::null_mut();
        assert_eq!(cuCtxCreate_v2(&mut b, 0, 0), SUCCESS, "creates and pushes");
        let mut cur = std::ptr::null_mut();
        assert_eq!(cuCtxGetCurrent(&mut cur), SUCCESS);
        assert_eq!(cur, b);
        let mut sb = std::ptr::null_mut();
        assert_eq!(cuStreamCreate(&mut sb, 0), SUCCESS);
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 4), SUCCESS);
        let mut params = [&mut d as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), sb),
            INVALID_CONTEXT,
            "the kernel is the primary context's"
        );
        let mut popped = std::ptr::null_mut();
        assert_eq!(cuCtxPopCurrent_v2(&mut popped), SUCCESS);
        assert_eq!(popped, b);
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), sb),
            INVALID_HANDLE,
            "the stream is b's"
        );
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS,
            "unified addressing: b's memory works here"
        );
        assert_eq!(cuCtxDestroy_v2(b), SUCCESS);
        assert_eq!(cuCtxSetCurrent(b), CONTEXT_IS_DESTROYED);
        assert_eq!(
            cuCtxDestroy_v2(primary),
            INVALID_CONTEXT,
            "the primary context is released, not destroyed"
        );
    }
}

#[test]
fn sizes_and_limits_are_checked() {
    unsafe {
        let _g = setup();
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 0), INVALID_VALUE);
        assert_eq!(cuMemAlloc_v2(&mut d, 6), SUCCESS);
        let buf = [0u8; 16];
        assert_eq!(
            cuMemcpyHtoD_v2(d, buf.as_ptr() as *const c_void, 8),
            INVALID_VALUE,
            "past the allocation"
        );
        assert_eq!(cuMemsetD8_v2(d, 1, 7), INVALID_VALUE);
        assert_eq!(cuMemsetD16_v2(d, 1, 3), SUCCESS);
        assert_eq!(cuMemsetD32_v2(d + 2, 1, 1), INVALID_VALUE, "misaligned");
        let (_, f) = load(INC, c"inc");
        let mut params = [&mut d as *mut u64 as *mut c_void];
        let r = cuLaunchKernel(
            f,
            1,
            1,
            1,
            1,
            1,
            1,
            64 * 1024,
            std::ptr::null_mut(),
            params.as_mut_ptr(),
            std::ptr::null_mut(),
        );
        assert_eq!(
            r, INVALID_VALUE,
            "more dynamic shared memory than the kernel's limit"
        );
        assert_eq!(cuFuncSetAttribute(f, 8, 1 << 30), INVALID_VALUE);
        assert_eq!(cuFuncSetAttribute(f, 8, 64 * 1024), SUCCESS);
        // The `extra` form with a wrong size.
        let size = 4usize;
        let mut extra = [
            std::ptr::without_provenance_mut(1),
            &mut d as *mut u64 as *mut c_void,
            std::ptr::without_provenance_mut(2),
            &size as *const usize as *mut c_void,
            std::ptr::null_mut(),
        ];
        let r = cuLaunchKernel(
            f,
            1,
            1,
            1,
            1,
            1,
            1,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            extra.as_mut_ptr(),
        );
        assert_eq!(r, INVALID_VALUE);
        let size = 8usize;
        extra[3] = &size as *const usize as *mut c_void;
        let r = cuLaunchKernel(
            f,
            1,
            1,
            1,
            1,
            1,
            1,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            extra.as_mut_ptr(),
        );
        assert_eq!(r, SUCCESS);
        // The device heap: 8 MiB by default, as on a GPU; cuCtxSetLimit raises it.
        let (_, heap) = load(HEAP, c"heap");
        let mut out = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut out, 4), SUCCESS);
        let mut params = [&mut out as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(heap, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS
        );
        let mut n = 0u32;
        assert_eq!(
            cuMemcpyDtoH_v2(&mut n as *mut u32 as *mut c_void, out, 4),
            SUCCESS
        );
        assert_eq!(n, 7, "64 mallocs of 1 MiB in an 8 MiB heap: 7 succeed");
        let mut lim = 0usize;
        assert_eq!(cuCtxGetLimit(&mut lim, 2), SUCCESS);
        assert_eq!(lim, 8 << 20);
        assert_eq!(cuCtxSetLimit(99, 1), UNSUPPORTED_LIMIT);
    }
}

#[test]
fn host_memory_streams_events_and_lookups() {
    unsafe {
        let _g = setup();
        let (_, f) = load(INC, c"inc");
        // Managed memory: the host writes, the kernel increments, the host reads.
        let mut p = 0u64;
        assert_eq!(cuMemAllocManaged(&mut p, 4, 1), SUCCESS);
        *(p as *mut u32) = 9;
        let mut params = [&mut p as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS
        );
        assert_eq!(cuCtxSynchronize(), SUCCESS);
        assert_eq!(*(p as *const u32), 10);
        let mut managed = 0i32;
        assert_eq!(
            cuPointerGetAttribute(&mut managed as *mut i32 as *mut c_void, 8, p),
            SUCCESS
        );
        assert_eq!(managed, 1);
        // Pinned host memory is a copy source and addressable by kernels.
        let mut h = std::ptr::null_mut();
        assert_eq!(cuMemHostAlloc(&mut h, 8, 0), SUCCESS);
        *(h as *mut u32) = 5;
        let mut dp = 0u64;
        assert_eq!(cuMemHostGetDevicePointer_v2(&mut dp, h, 0), SUCCESS);
        let mut params = [&mut dp as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS
        );
        assert_eq!(*(h as *const u32), 6);
        assert_eq!(
            cuMemFree_v2(h as u64),
            INVALID_VALUE,
            "pinned memory is freed with cuMemFreeHost"
        );
        assert_eq!(cuMemFreeHost(h), SUCCESS);
        // Memory info moves with allocations.
        let (mut free0, mut total) = (0usize, 0usize);
        assert_eq!(cuMemGetInfo_v2(&mut free0, &mut total), SUCCESS);
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 1 << 20), SUCCESS);
        let mut free1 = 0usize;
        assert_eq!(cuMemGetInfo_v2(&mut free1, &mut total), SUCCESS);
        assert_eq!(free0 - free1, 1 << 20);
        assert_eq!(cuMemFree_v2(d), SUCCESS);
        let mut free2 = 0usize;
        assert_eq!(cuMemGetInfo_v2(&mut free2, &mut total), SUCCESS);
        assert_eq!(free2, free0, "a free gives the memory back");
        // Events time the work between them; a host function runs in order.
        let (mut a, mut b) = (std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(cuEventCreate(&mut a, 0), SUCCESS);
        assert_eq!(cuEventCreate(&mut b, 0), SUCCESS);
        let mut ms = -1.0f32;
        assert_eq!(
            cuEventElapsedTime(&mut ms, a, b),
            INVALID_HANDLE,
            "not recorded yet"
        );
        assert_eq!(cuEventRecord(a, std::ptr::null_mut()), SUCCESS);
        static mut CALLED: u32 = 0;
        unsafe extern "C" fn bump(data: *mut c_void) {
            CALLED += data as usize as u32;
            // A callback may call the API: the lock is not held.
            let mut c = std::ptr::null_mut();
            assert_eq!(cuCtxGetCurrent(&mut c), SUCCESS);
        }
        assert_eq!(
            cuLaunchHostFunc(
                std::ptr::null_mut(),
                Some(bump),
                std::ptr::without_provenance_mut(3)
            ),
            SUCCESS
        );
        assert_eq!(*std::ptr::addr_of!(CALLED), 3);
        assert_eq!(cuEventRecord(b, std::ptr::null_mut()), SUCCESS);
        assert_eq!(cuEventElapsedTime(&mut ms, a, b), SUCCESS);
        assert!(ms >= 0.0);
        // cuGetProcAddress finds versioned entry points by their base name.
        let mut pfn = std::ptr::null();
        assert_eq!(
            cuGetProcAddress_v2(
                c"cuMemAlloc".as_ptr(),
                &mut pfn,
                13000,
                0,
                std::ptr::null_mut()
            ),
            SUCCESS
        );
        assert_eq!(pfn, cuMemAlloc_v2 as *const c_void);
        assert_eq!(
            cuGetProcAddress_v2(
                c"cuNoSuchThing".as_ptr(),
                &mut pfn,
                13000,
                0,
                std::ptr::null_mut()
            ),
            NOT_FOUND
        );
        // Occupancy: 1024-thread blocks, 2 per SM.
        let mut n = 0;
        assert_eq!(
            cuOccupancyMaxActiveBlocksPerMultiprocessor(&mut n, f, 1024, 0),
            SUCCESS
        );
        assert_eq!(n, 2);
    }
}

#[test]
fn a_fat_binary_carrying_ptx_loads_and_a_cubin_is_refused() {
    unsafe {
        let _g = setup();
        // A fat binary: header, one PTX entry (header of 64 bytes), payload.
        let ptx = INC.as_bytes();
        let padded = ptx.len().div_ceil(8) * 8;
        let mut entry = vec![0u8; 64];
        entry[0..2].copy_from_slice(&1u16.to_le_bytes()); // PTX
        entry[4..8].copy_from_slice(&64u32.to_le_bytes());
        entry[8..12].copy_from_slice(&(padded as u32).to_le_bytes());
        entry[16..20].copy_from_slice(&(ptx.len() as u32).to_le_bytes());
        entry[28..32].copy_from_slice(&80u32.to_le_bytes());
        let mut fat = Vec::new();
        fat.extend_from_slice(&0xBA55_ED50u32.to_le_bytes());
        fat.extend_from_slice(&(1u32 | (16 << 16)).to_le_bytes());
        fat.extend_from_slice(&((64 + padded) as u64).to_le_bytes());
        fat.extend_from_slice(&entry);
        fat.extend_from_slice(ptx);
        fat.resize(16 + 64 + padded, 0);
        let mut m = std::ptr::null_mut();
        assert_eq!(
            cuModuleLoadData(&mut m, fat.as_ptr() as *const c_void),
            SUCCESS
        );
        let mut f = std::ptr::null_mut();
        assert_eq!(cuModuleGetFunction(&mut f, m, c"inc".as_ptr()), SUCCESS);
        let cubin = b"\x7fELF\x02\x01\x01\0\0\0\0\0";
        assert_eq!(
            cuModuleLoadData(&mut m, cubin.as_ptr() as *const c_void),
            NO_BINARY_FOR_GPU
        );
        let mut l = std::ptr::null_mut();
        assert_eq!(
            cuLibraryLoadData(
                &mut l,
                INC.as_ptr() as *const c_void,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0
            ),
            SUCCESS
        );
        let mut k = std::ptr::null_mut();
        assert_eq!(cuLibraryGetKernel(&mut k, l, c"inc".as_ptr()), SUCCESS);
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 4), SUCCESS);
        let mut params = [&mut d as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(k, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS,
            "a kernel handle launches"
        );
        assert_eq!(cuLibraryUnload(l), SUCCESS);
        assert_eq!(
            cuModuleLoad(&mut m, c"/no/such/file.ptx".as_ptr()),
            FILE_NOT_FOUND
        );
    }
}

/// A host program's thread-local destructor may call the driver at exit,
/// after the driver's own thread-locals are gone (cuda-oxide's async
/// runtime drops a stream there): the call must answer as for a thread with
/// no context, not panic into CUDA_ERROR_UNKNOWN.
#[test]
fn a_call_from_a_thread_local_destructor_at_thread_exit() {
    use std::sync::atomic::{AtomicI32, Ordering};
    static RESULT: AtomicI32 = AtomicI32::new(-1);
    struct CallsOnDrop;
    impl Drop for CallsOnDrop {
        fn drop(&mut self) {
            let mut c = std::ptr::null_mut();
            RESULT.store(unsafe { cuCtxGetCurrent(&mut c) }, Ordering::SeqCst);
        }
    }
    thread_local! { static GUARD: CallsOnDrop = const { CallsOnDrop }; }
    let _g = unsafe { setup() };
    std::thread::spawn(|| {
        // Registered first, destroyed last: after the driver's stack.
        GUARD.with(|_| {});
        let mut ctx = std::ptr::null_mut();
        unsafe {
            assert_eq!(cuDevicePrimaryCtxRetain(&mut ctx, 0), SUCCESS);
            assert_eq!(cuCtxSetCurrent(ctx), SUCCESS);
        }
    })
    .join()
    .unwrap();
    assert_eq!(RESULT.load(Ordering::SeqCst), SUCCESS);
}

/// A grid-wide barrier as cooperative groups' `grid.sync()` builds it: each
/// block's thread 0 counts its arrival in the workspace a cooperative launch
/// provides at %envreg1:%envreg2, then spins until every block arrived.
/// After it, each block reads what the next block wrote before it.
const GRID_SYNC: &str = ".version 8.0\n.target sm_80\n.address_size 64\n\
.visible .entry gs(.param .u64 out, .param .u64 out2) {\n\
  .reg .b32 %r<12>; .reg .b64 %rd<12>; .reg .pred %p<4>;\n\
  ld.param.u64 %rd1, [out];\n  ld.param.u64 %rd2, [out2];\n\
  mov.u32 %r1, %ctaid.x;\n  mov.u32 %r2, %tid.x;\n  mov.u32 %r3, %nctaid.x;\n\
  setp.ne.u32 %p1, %r2, 0;\n  @%p1 bra SYNC;\n\
  mul.wide.u32 %rd3, %r1, 4;\n  add.s64 %rd4, %rd1, %rd3;\n  add.u32 %r4, %r1, 100;\n  st.global.u32 [%rd4], %r4;\n\
SYNC:\n  bar.sync 0;\n  @%p1 bra AFTER;\n\
  mov.u32 %r5, %envreg1;\n  mov.u32 %r6, %envreg2;\n\
  cvt.u64.u32 %rd5, %r5;\n  shl.b64 %rd5, %rd5, 32;\n  cvt.u64.u32 %rd6, %r6;\n  or.b64 %rd5, %rd5, %rd6;\n\
  add.s64 %rd6, %rd5, 4;\n  membar.gl;\n  atom.global.add.u32 %r7, [%rd6], 1;\n\
SPIN:\n  ld.volatile.global.u32 %r8, [%rd6];\n  setp.lt.u32 %p2, %r8, %r3;\n  @%p2 bra SPIN;\n  membar.gl;\n\
AFTER:\n  bar.sync 0;\n  @%p1 bra DONE;\n\
  add.u32 %r9, %r1, 1;\n  rem.u32 %r9, %r9, %r3;\n\
  mul.wide.u32 %rd7, %r9, 4;\n  add.s64 %rd8, %rd1, %rd7;\n  ld.global.u32 %r10, [%rd8];\n\
  mul.wide.u32 %rd9, %r1, 4;\n  add.s64 %rd10, %rd2, %rd9;\n  st.global.u32 [%rd10], %r10;\n\
DONE:\n  ret;\n}\n\0";

#[test]
fn a_cooperative_launch_provides_the_grid_sync_workspace() {
    unsafe {
        let _g = setup();
        let (_, f) = load(GRID_SYNC, c"gs");
        let (mut out, mut out2) = (0u64, 0u64);
        assert_eq!(cuMemAlloc_v2(&mut out, 16), SUCCESS);
        assert_eq!(cuMemAlloc_v2(&mut out2, 16), SUCCESS);
        let mut params = [
            &mut out as *mut u64 as *mut c_void,
            &mut out2 as *mut u64 as *mut c_void,
        ];
        let r = cuLaunchCooperativeKernel(
            f,
            4,
            1,
            1,
            32,
            1,
            1,
            0,
            std::ptr::null_mut(),
            params.as_mut_ptr(),
        );
        assert_eq!(r, SUCCESS);
        assert_eq!(cuCtxSynchronize(), SUCCESS);
        let mut got = [0u32; 4];
        assert_eq!(
            cuMemcpyDtoH_v2(got.as_mut_ptr() as *mut c_void, out2, 16),
            SUCCESS
        );
        // Block b read block (b+1)%4's value, written before the barrier: 100 + (b+1)%4.
        assert_eq!(got, [101, 102, 103, 100]);
    }
}

/// A kernel compiled for a cluster shape reports it, and the cluster
/// occupancy queries answer from it (cuda-oxide asks before launching).
#[test]
fn cluster_attributes_come_from_reqnctapercluster() {
    // (`.target sm_80` so that the default device loads it; the emulator
    // reads the directive whatever the target.)
    const K: &str = ".version 8.0\n.target sm_80\n.address_size 64\n\
.visible .entry k()\n.explicitcluster\n.reqnctapercluster 2, 1, 1\n{\n  ret;\n}\n\0";
    unsafe {
        let _g = setup();
        let mut m = std::ptr::null_mut();
        assert_eq!(
            cuModuleLoadData(&mut m, K.as_ptr() as *const c_void),
            SUCCESS
        );
        let mut f = std::ptr::null_mut();
        assert_eq!(cuModuleGetFunction(&mut f, m, c"k".as_ptr()), SUCCESS);
        let mut v = 0;
        assert_eq!(cuFuncGetAttribute(&mut v, 10, f), SUCCESS);
        assert_eq!(v, 1, "CLUSTER_SIZE_MUST_BE_SET");
        assert_eq!(cuFuncGetAttribute(&mut v, 11, f), SUCCESS);
        assert_eq!(v, 2, "REQUIRED_CLUSTER_WIDTH");
        assert_eq!(cuFuncGetAttribute(&mut v, 12, f), SUCCESS);
        assert_eq!(v, 1);
    }
}

/// initcheck: a kernel reading `cuMemAlloc` memory nothing wrote is
/// stopped with a report naming the read and the allocation; after a host
/// copy the same launch is clean.
#[test]
fn initcheck_reports_a_read_of_memory_nothing_wrote() {
    unsafe {
        let _g = setup();
        let set = |on: bool| {
            STATE
                .lock()
                .unwrap()
                .as_mut()
                .unwrap()
                .machine
                .mem
                .initcheck = on
        };
        set(true);
        let (_, f) = load(INC, c"inc");
        let mut d = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut d, 16), SUCCESS);
        let mut params = [&mut d as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS
        );
        assert_eq!(
            cuCtxSynchronize(),
            719,
            "the finding fails the launch (CUDA_ERROR_LAUNCH_FAILED)"
        );
        assert_eq!(cuDevicePrimaryCtxReset_v2(0), SUCCESS);
        let mut ctx = std::ptr::null_mut();
        assert_eq!(cuDevicePrimaryCtxRetain(&mut ctx, 0), SUCCESS);
        assert_eq!(cuCtxSetCurrent(ctx), SUCCESS);
        let (_, f) = load(INC, c"inc");
        assert_eq!(cuMemAlloc_v2(&mut d, 16), SUCCESS);
        let v = 1u32;
        assert_eq!(
            cuMemcpyHtoD_v2(d, &v as *const u32 as *const c_void, 4),
            SUCCESS
        );
        let mut params = [&mut d as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS
        );
        assert_eq!(cuCtxSynchronize(), SUCCESS, "written by the host: clean");
        // A memset initializes too.
        let mut e = 0u64;
        assert_eq!(cuMemAlloc_v2(&mut e, 4), SUCCESS);
        assert_eq!(cuMemsetD32_v2(e, 7, 1), SUCCESS);
        let mut params = [&mut e as *mut u64 as *mut c_void];
        assert_eq!(
            launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
            SUCCESS
        );
        assert_eq!(cuCtxSynchronize(), SUCCESS);
        set(false);
    }
}

/// `CU_LIMIT_STACK_SIZE` bounds a recursive kernel's stack as on a GPU:
/// depth 4 needs 5 frames of 256 bytes, past the default 1 KiB (a fault,
/// 700); after `cuCtxSetLimit(CU_LIMIT_STACK_SIZE, 2048)` depth 6 (7
/// frames) runs and computes 6 + 5 + … + 1 = 21.
#[test]
fn the_stack_size_limit_bounds_recursion() {
    unsafe {
        let _g = setup();
        assert_eq!(cuDevicePrimaryCtxReset_v2(0), SUCCESS);
        let mut ctx = std::ptr::null_mut();
        assert_eq!(cuDevicePrimaryCtxRetain(&mut ctx, 0), SUCCESS);
        assert_eq!(cuCtxSetCurrent(ctx), SUCCESS);
        let mut lim = 0usize;
        assert_eq!(cuCtxGetLimit(&mut lim, 0), SUCCESS);
        assert_eq!(lim, 1024);
        let run = |depth: u32| -> (CUresult, u32) {
            let (_, f) = load(REC, c"rec");
            let mut out = 0u64;
            assert_eq!(cuMemAlloc_v2(&mut out, 4), SUCCESS);
            let mut d = depth;
            let mut params = [
                &mut out as *mut u64 as *mut c_void,
                &mut d as *mut u32 as *mut c_void,
            ];
            assert_eq!(
                launch1(f, 1, params.as_mut_ptr(), std::ptr::null_mut()),
                SUCCESS
            );
            let r = cuCtxSynchronize();
            let mut v = 0u32;
            if r == SUCCESS {
                assert_eq!(
                    cuMemcpyDtoH_v2(&mut v as *mut u32 as *mut c_void, out, 4),
                    SUCCESS
                );
            }
            (r, v)
        };
        assert_eq!(run(3), (SUCCESS, 6));
        assert_eq!(run(4).0, 700);
        assert_eq!(cuDevicePrimaryCtxReset_v2(0), SUCCESS);
        assert_eq!(cuCtxSetLimit(0, 2048), SUCCESS);
        assert_eq!(run(6), (SUCCESS, 21));
        assert_eq!(cuDevicePrimaryCtxReset_v2(0), SUCCESS);
    }
}

/// A worker thread of an async runtime has no current context: a stream
/// created elsewhere names its context, so stream-ordered allocation,
/// copies, launches and synchronization on it work there (as a driver
/// takes the context from the stream); the default stream still needs a
/// current context.
#[test]
fn a_thread_without_a_context_works_through_a_created_stream() {
    unsafe {
        let _g = setup();
        let (_, f) = load(INC, c"inc");
        let mut stream = std::ptr::null_mut();
        assert_eq!(cuStreamCreate(&mut stream, 0), SUCCESS);
        let (st, fp) = (stream as usize, f as usize);
        let got = std::thread::spawn(move || {
            let stream = st as *mut c_void;
            let mut p = 0u64;
            assert_eq!(cuMemAllocAsync(&mut p, 4, stream), SUCCESS);
            let v = 41u32;
            assert_eq!(
                cuMemcpyHtoDAsync_v2(p, &v as *const u32 as *const c_void, 4, stream),
                SUCCESS
            );
            let mut params = [&mut p as *mut u64 as *mut c_void];
            assert_eq!(
                launch1(fp as *mut c_void, 1, params.as_mut_ptr(), stream),
                SUCCESS
            );
            let mut out = 0u32;
            assert_eq!(
                cuMemcpyDtoHAsync_v2(&mut out as *mut u32 as *mut c_void, p, 4, stream),
                SUCCESS
            );
            assert_eq!(cuStreamSynchronize(stream), SUCCESS);
            let mut q = 0u64;
            assert_eq!(
                cuMemAllocAsync(&mut q, 4, std::ptr::null_mut()),
                INVALID_CONTEXT,
                "the default stream needs a current context"
            );
            out
        })
        .join()
        .unwrap();
        assert_eq!(got, 42);
        assert_eq!(cuStreamDestroy_v2(stream), SUCCESS);
    }
}
