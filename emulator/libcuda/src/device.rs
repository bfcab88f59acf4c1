//! Initialization, the device and its attributes, entry-point lookup.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use ptx_emu::exec::{Arch, Machine, Schedule, VERSION};

use crate::*;

/// The device's global memory, as `cuDeviceTotalMem` reports it.
pub(crate) const TOTAL_MEMORY: u64 = 16 << 30;

fn arch_from_env() -> Result<Arch, String> {
    let name = std::env::var("PTX_EMU_SM").unwrap_or_else(|_| "sm_80".into());
    Arch::parse(&name)
        .ok_or_else(|| format!("PTX_EMU_SM={name}: expected an sm target like sm_80 or sm_90a"))
}

#[no_mangle]
pub unsafe extern "C" fn cuInit(flags: c_uint) -> CUresult {
    guarded(|| {
        if flags != 0 {
            return refuse(
                INVALID_VALUE,
                format!("cuInit: flags must be 0, not {flags}"),
            );
        }
        let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_some() {
            return SUCCESS;
        }
        let arch = match arch_from_env() {
            Ok(a) => a,
            Err(e) => return refuse(INVALID_DEVICE, e),
        };
        let schedule = match Schedule::parse(&std::env::var("PTX_EMU_SCHEDULE").unwrap_or_default())
        {
            Ok(s) => s,
            Err(e) => return refuse(INVALID_VALUE, e),
        };
        let mut machine = Machine::new(arch, schedule);
        // PTX_EMU_TOOLS: the tools beyond memcheck (always on), e.g. `racecheck,initcheck`.
        let tools = std::env::var("PTX_EMU_TOOLS").unwrap_or_default();
        if let Err(e) = machine.set_tools(&tools) {
            return refuse(INVALID_VALUE, format!("PTX_EMU_TOOLS={tools}: {e}"));
        }
        // PTX_EMU_HMM=1: kernels may reach the host program's memory (HMM).
        machine.hmm = std::env::var("PTX_EMU_HMM").is_ok_and(|v| v == "1");
        *guard = Some(State::new(machine));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDriverGetVersion(v: *mut c_int) -> CUresult {
    if v.is_null() {
        return INVALID_VALUE;
    }
    *v = 13000;
    SUCCESS
}

/// Device ordinal checks shared by the device queries.
fn device(dev: c_int) -> Result<(), CUresult> {
    if dev == 0 {
        Ok(())
    } else {
        emu_log!("device {dev}: the emulator has one device, 0");
        Err(INVALID_DEVICE)
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetCount(count: *mut c_int) -> CUresult {
    if count.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        put(count, 1);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGet(dev: *mut c_int, ordinal: c_int) -> CUresult {
    if dev.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| match device(ordinal) {
        Ok(()) => {
            put(dev, 0);
            SUCCESS
        }
        Err(e) => e,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetName(name: *mut c_char, len: c_int, dev: c_int) -> CUresult {
    if name.is_null() || len <= 0 {
        return INVALID_VALUE;
    }
    with_state(|s| {
        if let Err(e) = device(dev) {
            return e;
        }
        let text = format!("ptx-emu {VERSION} ({})", s.machine.arch.name);
        let bytes = text.as_bytes();
        let n = bytes.len().min(len as usize - 1);
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), name as *mut u8, n);
        *name.add(n) = 0;
        SUCCESS
    })
}

/// Shared memory per SM of `arch` (the opt-in per-block maximum plus the
/// 1 KiB the driver reserves per block).
pub(crate) fn shared_per_sm(arch: &Arch) -> u32 {
    arch.max_shared_optin + 1024
}

/// The value of device attribute `attr` (a `CUdevice_attribute`) for `arch`;
/// None for a number that names no attribute.
pub(crate) fn attribute(arch: &Arch, attr: c_int) -> Option<c_int> {
    let sm = arch.major * 10 + arch.minor;
    Some(match attr {
        1 => 1024,                                  // MAX_THREADS_PER_BLOCK
        2 | 3 => 1024,                              // MAX_BLOCK_DIM_X/Y
        4 => 64,                                    // MAX_BLOCK_DIM_Z
        5 => i32::MAX,                              // MAX_GRID_DIM_X
        6 | 7 => 65535,                             // MAX_GRID_DIM_Y/Z
        8 => 48 * 1024,                             // MAX_SHARED_MEMORY_PER_BLOCK
        9 => 64 * 1024,                             // TOTAL_CONSTANT_MEMORY
        10 => 32,                                   // WARP_SIZE
        11 => i32::MAX,                             // MAX_PITCH
        12 | 82 => 64 * 1024,                       // MAX_REGISTERS_PER_BLOCK / _PER_MULTIPROCESSOR
        13 => 1_410_000,                            // CLOCK_RATE (kHz)
        14 => 512,                                  // TEXTURE_ALIGNMENT
        15 | 31 | 41 | 78 | 79 | 80 | 83 | 89 => 1, // overlap, concurrent kernels, unified addressing, priorities, L1, managed
        16 => arch.multiprocessors as c_int,        // MULTIPROCESSOR_COUNT
        17 | 18 => 0,                               // KERNEL_EXEC_TIMEOUT, INTEGRATED
        19 => 1,                                    // CAN_MAP_HOST_MEMORY
        20 => 0,                                    // COMPUTE_MODE: default
        30 | 51 => 512,                             // SURFACE/TEXTURE_PITCH_ALIGNMENT
        32 => 0,                                    // ECC_ENABLED
        33..=35 | 50 => 0,                          // PCI bus/device/domain, TCC
        36 => 1_593_000,                            // MEMORY_CLOCK_RATE (kHz)
        37 => 5120,                                 // GLOBAL_MEMORY_BUS_WIDTH (bits)
        38 => 40 * 1024 * 1024,                     // L2_CACHE_SIZE
        39 => 2048,                                 // MAX_THREADS_PER_MULTIPROCESSOR
        40 => 2,                                    // ASYNC_ENGINE_COUNT
        75 => arch.major as c_int,                  // COMPUTE_CAPABILITY_MAJOR
        76 => arch.minor as c_int,                  // COMPUTE_CAPABILITY_MINOR
        81 => shared_per_sm(arch) as c_int,         // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
        84 | 85 => 0,                               // MULTI_GPU_BOARD(_GROUP_ID)
        86 | 101 => 0,                              // host native atomics, host page tables
        88 | 100 => 0, // PAGEABLE_MEMORY_ACCESS(_USES_HOST_PAGE_TABLES): 1 with HMM (cuDeviceGetAttribute)
        87 => 2,       // SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO
        90..=94 => 1,  // preemption, registered host pointer, stream mem ops
        95 => 1,       // COOPERATIVE_LAUNCH
        96 => 0,       // COOPERATIVE_MULTI_DEVICE_LAUNCH
        97 => arch.max_shared_optin as c_int, // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
        98 | 99 | 113 => 1, // flush remote writes, host register (read-only)
        102 => 0,      // VIRTUAL_ADDRESS_MANAGEMENT_SUPPORTED
        103..=105 => 0, // export handle types
        106 => 32,     // MAX_BLOCKS_PER_MULTIPROCESSOR
        107 | 110 | 112 | 114 | 116 => 0, // compression, RDMA, sparse, semaphores
        108 => 0,      // MAX_PERSISTING_L2_CACHE_SIZE
        109 => 0,      // MAX_ACCESS_POLICY_WINDOW_SIZE
        111 => 1024,   // RESERVED_SHARED_MEMORY_PER_BLOCK
        115 => 1,      // MEMORY_POOLS_SUPPORTED
        117..=119 => 0, // RDMA options, pool handle types
        120 => (sm >= 90) as c_int, // CLUSTER_LAUNCH
        21..=29 | 42..=49 | 52..=74 | 77 => 0, // textures and surfaces: not emulated
        121..=140 => 0, // newer attributes: not modelled
        _ => return None,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetAttribute(v: *mut c_int, attr: c_int, dev: c_int) -> CUresult {
    if v.is_null() {
        return INVALID_VALUE;
    }
    with_state(|s| {
        if let Err(e) = device(dev) {
            return e;
        }
        match attribute(&s.machine.arch, attr) {
            Some(x) => {
                // Pageable memory access, with HMM on (see ptx_emu::exec::hmm).
                let hmm = matches!(attr, 88 | 100) && s.machine.hmm;
                put(v, if hmm { 1 } else { x });
                SUCCESS
            }
            None => refuse(
                INVALID_VALUE,
                format!("cuDeviceGetAttribute: {attr} is not a CUdevice_attribute"),
            ),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceComputeCapability(
    major: *mut c_int,
    minor: *mut c_int,
    dev: c_int,
) -> CUresult {
    if major.is_null() || minor.is_null() {
        return INVALID_VALUE;
    }
    with_state(|s| {
        if let Err(e) = device(dev) {
            return e;
        }
        put(major, s.machine.arch.major as c_int);
        put(minor, s.machine.arch.minor as c_int);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceTotalMem_v2(bytes: *mut usize, dev: c_int) -> CUresult {
    if bytes.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| match device(dev) {
        Ok(()) => {
            put(bytes, TOTAL_MEMORY as usize);
            SUCCESS
        }
        Err(e) => e,
    })
}

/// A fixed UUID: "ptx-emu" and the emulator's version, so it is stable.
unsafe fn write_uuid(uuid: *mut u8, dev: c_int) -> CUresult {
    if uuid.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if let Err(e) = device(dev) {
            return e;
        }
        let mut id = [0u8; 16];
        let tag = format!("ptx-emu {VERSION}");
        id[..tag.len().min(16)].copy_from_slice(&tag.as_bytes()[..tag.len().min(16)]);
        std::ptr::copy_nonoverlapping(id.as_ptr(), uuid, 16);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetUuid(uuid: *mut u8, dev: c_int) -> CUresult {
    write_uuid(uuid, dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetUuid_v2(uuid: *mut u8, dev: c_int) -> CUresult {
    write_uuid(uuid, dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceCanAccessPeer(
    can: *mut c_int,
    dev: c_int,
    peer: c_int,
) -> CUresult {
    if can.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if let Err(e) = device(dev).and_then(|_| device(peer)) {
            return e;
        }
        // A device is not its own peer.
        put(can, 0);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetP2PAttribute(
    v: *mut c_int,
    _attr: c_int,
    src: c_int,
    dst: c_int,
) -> CUresult {
    if v.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if let Err(e) = device(src).and_then(|_| device(dst)) {
            return e;
        }
        if src == dst {
            return INVALID_DEVICE;
        }
        put(v, 0);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDeviceGetPCIBusId(id: *mut c_char, len: c_int, dev: c_int) -> CUresult {
    if id.is_null() || len <= 0 {
        return INVALID_VALUE;
    }
    with_state(|_| {
        if let Err(e) = device(dev) {
            return e;
        }
        let text = b"0000:00:00.0";
        let n = text.len().min(len as usize - 1);
        std::ptr::copy_nonoverlapping(text.as_ptr(), id as *mut u8, n);
        *id.add(n) = 0;
        SUCCESS
    })
}

/// `cuGetExportTable`: NVIDIA's private interfaces between its own
/// libraries (NVRTC and the runtime ask for them). The emulator has none;
/// NOT_FOUND tells the caller to do without, as with an older driver.
#[no_mangle]
pub unsafe extern "C" fn cuGetExportTable(
    table: *mut *const c_void,
    id: *const c_void,
) -> CUresult {
    if table.is_null() || id.is_null() {
        return INVALID_VALUE;
    }
    put(table, std::ptr::null());
    NOT_FOUND
}

/// The entry point for `symbol` at driver version `version`: the highest
/// `_vN` the emulator exports (CUDA maps old names to their newest version).
pub(crate) fn lookup(symbol: &str) -> Option<*const c_void> {
    (2..=4)
        .rev()
        .find_map(|v| crate::proc_address(&format!("{symbol}_v{v}")))
        .or_else(|| crate::proc_address(symbol))
}

unsafe fn get_proc_address(
    symbol: *const c_char,
    pfn: *mut *const c_void,
    status: *mut c_int,
) -> CUresult {
    if symbol.is_null() || pfn.is_null() {
        return INVALID_VALUE;
    }
    let name = CStr::from_ptr(symbol).to_string_lossy();
    // Per-thread default stream variants (`_ptsz`, `_ptds`) behave the same
    // here: every operation completes when issued.
    let base = name.trim_end_matches("_ptsz").trim_end_matches("_ptds");
    match lookup(base) {
        Some(f) => {
            put(pfn, f);
            if !status.is_null() {
                put(status, 0); // CU_GET_PROC_ADDRESS_SUCCESS
            }
            SUCCESS
        }
        None => {
            put(pfn, std::ptr::null());
            if !status.is_null() {
                put(status, 1); // CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND
            }
            NOT_FOUND
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuGetProcAddress(
    symbol: *const c_char,
    pfn: *mut *const c_void,
    _version: c_int,
    _flags: u64,
) -> CUresult {
    get_proc_address(symbol, pfn, std::ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn cuGetProcAddress_v2(
    symbol: *const c_char,
    pfn: *mut *const c_void,
    _version: c_int,
    _flags: u64,
    status: *mut c_int,
) -> CUresult {
    get_proc_address(symbol, pfn, status)
}
