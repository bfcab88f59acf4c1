//! Function attributes, occupancy and kernel launches.

use std::ffi::{c_int, c_uint, c_void};

use ptx_emu::exec::memory::AllocKind;
use ptx_emu::exec::LaunchConfig;

use crate::context::apply_limits;
use crate::stream::with_stream;
use crate::*;

/// Registers per thread the emulator reports (it has no register allocator;
/// ptxas's real count is in the harness's reports).
const REGS_PER_THREAD: u32 = 32;

fn function_index(s: &State, f: *mut c_void) -> Option<usize> {
    index_of(Kind::Function, f).filter(|&i| i < s.functions.len())
}

fn bad_function(call: &str, f: *mut c_void) -> CUresult {
    refuse(
        INVALID_HANDLE,
        format!("{call}: {f:p} is not a function handle (from cuModuleGetFunction)"),
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncGetAttribute(
    v: *mut c_int,
    attr: c_int,
    f: *mut c_void,
) -> CUresult {
    if v.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| {
        let Some(i) = function_index(s, f) else {
            return bad_function("cuFuncGetAttribute", f);
        };
        let func = &s.functions[i];
        let ptx = s.modules[func.module].as_ref().map_or(0, |m| m.ptx_version);
        let sm = (s.machine.arch.major * 10 + s.machine.arch.minor) as c_int;
        let x = match attr {
            0 => 1024,                             // MAX_THREADS_PER_BLOCK
            1 => func.static_shared as c_int,      // SHARED_SIZE_BYTES
            2 => 0,                                // CONST_SIZE_BYTES
            3 => func.local_size as c_int,         // LOCAL_SIZE_BYTES
            4 => REGS_PER_THREAD as c_int,         // NUM_REGS
            5 => ptx,                              // PTX_VERSION
            6 => sm,                               // BINARY_VERSION
            7 => 0,                                // CACHE_MODE_CA
            8 => func.max_dynamic_shared as c_int, // MAX_DYNAMIC_SHARED_SIZE_BYTES
            9 => -1,                               // PREFERRED_SHARED_MEMORY_CARVEOUT
            // CLUSTER_SIZE_MUST_BE_SET, REQUIRED_CLUSTER_WIDTH/HEIGHT/DEPTH
            // (from `.reqnctapercluster`), NON_PORTABLE_CLUSTER_SIZE_ALLOWED,
            // CLUSTER_SCHEDULING_POLICY_PREFERENCE.
            10 => func.cluster.is_some() as c_int,
            11..=13 => func.cluster.map_or(0, |c| c[(attr - 11) as usize] as c_int),
            14 | 15 => 0,
            _ => {
                return refuse(
                    INVALID_VALUE,
                    format!("cuFuncGetAttribute: {attr} is not a CUfunction_attribute"),
                )
            }
        };
        put(v, x);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncSetAttribute(f: *mut c_void, attr: c_int, value: c_int) -> CUresult {
    with_live(|s| {
        let optin = s.machine.arch.max_shared_optin;
        let Some(i) = function_index(s, f) else {
            return bad_function("cuFuncSetAttribute", f);
        };
        let func = &mut s.functions[i];
        match attr {
            // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
            8 => {
                if value < 0 || value as u32 + func.static_shared > optin {
                    return refuse(
                        INVALID_VALUE,
                        format!("cuFuncSetAttribute: {value} bytes of dynamic shared memory (plus {} static) exceed the device's {optin}", func.static_shared),
                    );
                }
                func.max_dynamic_shared = value as u32;
                SUCCESS
            }
            // PREFERRED_SHARED_MEMORY_CARVEOUT: a percentage or -1.
            9 if !(-1..=100).contains(&value) => refuse(
                INVALID_VALUE,
                "cuFuncSetAttribute: the carveout must be -1..=100",
            ),
            // Carveout, cluster and scheduling hints: accepted, no effect.
            9..=15 => SUCCESS,
            _ => refuse(
                INVALID_VALUE,
                format!("cuFuncSetAttribute: attribute {attr} cannot be set"),
            ),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncSetCacheConfig(f: *mut c_void, config: c_int) -> CUresult {
    with_live(|s| {
        let Some(i) = function_index(s, f) else {
            return bad_function("cuFuncSetCacheConfig", f);
        };
        if !(0..=3).contains(&config) {
            return refuse(
                INVALID_VALUE,
                format!("cuFuncSetCacheConfig: {config} is not a CUfunc_cache"),
            );
        }
        s.functions[i].cache_config = config;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncSetSharedMemConfig(f: *mut c_void, _config: c_int) -> CUresult {
    with_live(|s| match function_index(s, f) {
        Some(_) => SUCCESS,
        None => bad_function("cuFuncSetSharedMemConfig", f),
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncGetParamInfo(
    f: *mut c_void,
    index: usize,
    offset: *mut usize,
    size: *mut usize,
) -> CUresult {
    with_live(|s| {
        let Some(i) = function_index(s, f) else {
            return bad_function("cuFuncGetParamInfo", f);
        };
        match s.functions[i].params.get(index) {
            Some(&(o, z)) => {
                if !offset.is_null() {
                    put(offset, o);
                }
                if !size.is_null() {
                    put(size, z);
                }
                SUCCESS
            }
            None => INVALID_VALUE,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuFuncGetName(
    name: *mut *const std::ffi::c_char,
    f: *mut c_void,
) -> CUresult {
    if name.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| match function_index(s, f) {
        Some(i) => {
            // Leaked once per function: the pointer must outlive the call.
            let c = std::ffi::CString::new(s.functions[i].name.clone()).unwrap_or_default();
            put(name, Box::leak(c.into_boxed_c_str()).as_ptr());
            SUCCESS
        }
        None => bad_function("cuFuncGetName", f),
    })
}

/// Blocks of `threads` threads with `shared` bytes of shared memory each
/// that fit on one SM: limited by threads, blocks and shared memory (the
/// register limit uses [`REGS_PER_THREAD`]).
fn blocks_per_sm(arch: &ptx_emu::exec::Arch, threads: u32, shared: u32) -> u32 {
    if threads == 0 || threads > 1024 {
        return 0;
    }
    let warps = threads.div_ceil(32);
    let by_threads = 64 / warps; // 2048 threads = 64 warps per SM
    let by_regs = (64 * 1024) / (warps * 32 * REGS_PER_THREAD);
    let per_block = shared + 1024; // the driver reserves 1 KiB per block
    let by_shared = crate::device::shared_per_sm(arch) / per_block;
    by_threads.min(by_regs).min(by_shared).min(32)
}

fn occupancy_inputs(
    call: &str,
    f: *mut c_void,
) -> Result<(ptx_emu::exec::Arch, u32, u32), CUresult> {
    let mut out = None;
    let r = with_live(|s| match function_index(s, f) {
        Some(i) => {
            let func = &s.functions[i];
            out = Some((
                s.machine.arch.clone(),
                func.static_shared,
                func.max_dynamic_shared,
            ));
            SUCCESS
        }
        None => bad_function(call, f),
    });
    out.ok_or(r)
}

#[no_mangle]
pub unsafe extern "C" fn cuOccupancyMaxActiveBlocksPerMultiprocessor(
    n: *mut c_int,
    f: *mut c_void,
    threads: c_int,
    dyn_shared: usize,
) -> CUresult {
    cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(n, f, threads, dyn_shared, 0)
}

#[no_mangle]
pub unsafe extern "C" fn cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
    n: *mut c_int,
    f: *mut c_void,
    threads: c_int,
    dyn_shared: usize,
    _flags: c_uint,
) -> CUresult {
    if n.is_null() || threads <= 0 {
        return refuse(
            INVALID_VALUE,
            "cuOccupancyMaxActiveBlocksPerMultiprocessor: NULL result or a block size ≤ 0",
        );
    }
    match occupancy_inputs("cuOccupancyMaxActiveBlocksPerMultiprocessor", f) {
        Ok((arch, st, _)) => {
            put(
                n,
                blocks_per_sm(&arch, threads as u32, st + dyn_shared as u32) as c_int,
            );
            SUCCESS
        }
        Err(e) => e,
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuOccupancyMaxPotentialBlockSize(
    min_grid: *mut c_int,
    block: *mut c_int,
    f: *mut c_void,
    smem_for: Option<unsafe extern "C" fn(c_int) -> usize>,
    dyn_shared: usize,
    limit: c_int,
) -> CUresult {
    cuOccupancyMaxPotentialBlockSizeWithFlags(min_grid, block, f, smem_for, dyn_shared, limit, 0)
}

#[no_mangle]
pub unsafe extern "C" fn cuOccupancyMaxPotentialBlockSizeWithFlags(
    min_grid: *mut c_int,
    block: *mut c_int,
    f: *mut c_void,
    smem_for: Option<unsafe extern "C" fn(c_int) -> usize>,
    dyn_shared: usize,
    limit: c_int,
    _flags: c_uint,
) -> CUresult {
    if min_grid.is_null() || block.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuOccupancyMaxPotentialBlockSize: NULL result pointer",
        );
    }
    let (arch, st, _) = match occupancy_inputs("cuOccupancyMaxPotentialBlockSize", f) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let max = if limit > 0 {
        (limit as u32).min(1024)
    } else {
        1024
    };
    // The callback runs without the lock held: it may call the API.
    let (mut best, mut best_threads) = (0, 32.min(max));
    let mut t = max - max % 32;
    while t >= 32 {
        let sh = smem_for.map_or(dyn_shared, |g| g(t as c_int));
        let active = blocks_per_sm(&arch, t, st + sh as u32) * t;
        if active > best {
            (best, best_threads) = (active, t);
        }
        t -= 32;
    }
    put(block, best_threads as c_int);
    let per_sm = (best / best_threads.max(1)).max(1);
    put(min_grid, (per_sm * arch.multiprocessors) as c_int);
    SUCCESS
}

#[no_mangle]
pub unsafe extern "C" fn cuOccupancyAvailableDynamicSMemPerBlock(
    size: *mut usize,
    f: *mut c_void,
    blocks: c_int,
    threads: c_int,
) -> CUresult {
    if size.is_null() || blocks <= 0 || threads <= 0 {
        return INVALID_VALUE;
    }
    match occupancy_inputs("cuOccupancyAvailableDynamicSMemPerBlock", f) {
        Ok((arch, st, _)) => {
            let per_block = crate::device::shared_per_sm(&arch) / blocks as u32;
            put(
                size,
                per_block
                    .saturating_sub(1024 + st)
                    .min(arch.max_shared_optin - st.min(arch.max_shared_optin))
                    as usize,
            );
            SUCCESS
        }
        Err(e) => e,
    }
}

/// What a launch asks for beyond its shape.
#[derive(Default)]
struct Extras {
    cooperative: bool,
    cluster: Option<[u32; 3]>,
}

/// Packs the parameters from `kernelParams` or the `extra` buffer.
unsafe fn pack_params(
    func: &Function,
    params: *mut *mut c_void,
    extra: *mut *mut c_void,
) -> Result<Vec<u8>, CUresult> {
    let total = func.params.iter().map(|&(o, z)| o + z).max().unwrap_or(0);
    let mut buf = vec![0u8; total];
    if !extra.is_null() {
        // CU_LAUNCH_PARAM_BUFFER_POINTER (1), _SIZE (2), _END (0).
        let (mut ptr, mut size, mut i) = (std::ptr::null::<u8>(), None, 0);
        loop {
            match *extra.add(i) as usize {
                0 => break,
                1 => ptr = *extra.add(i + 1) as *const u8,
                2 => size = Some(*(*extra.add(i + 1) as *const usize)),
                k => {
                    return Err(refuse(
                        INVALID_VALUE,
                        format!("cuLaunchKernel `{}`: unknown `extra` key {k}", func.name),
                    ))
                }
            }
            i += 2;
        }
        match size {
            Some(z) if !ptr.is_null() && z == total => {
                std::ptr::copy_nonoverlapping(ptr, buf.as_mut_ptr(), total);
                return Ok(buf);
            }
            _ => {
                return Err(refuse(
                    INVALID_VALUE,
                    format!("cuLaunchKernel `{}`: the `extra` buffer must be given with its size, {total} bytes", func.name),
                ))
            }
        }
    }
    if total > 0 && params.is_null() {
        return Err(refuse(
            INVALID_VALUE,
            format!(
                "cuLaunchKernel `{}`: the kernel takes parameters but kernelParams is NULL",
                func.name
            ),
        ));
    }
    for (i, &(o, z)) in func.params.iter().enumerate() {
        let p = *params.add(i);
        if p.is_null() {
            return Err(refuse(
                INVALID_VALUE,
                format!("cuLaunchKernel `{}`: kernelParams[{i}] is NULL", func.name),
            ));
        }
        std::ptr::copy_nonoverlapping(p as *const u8, buf[o..o + z].as_mut_ptr(), z);
    }
    Ok(buf)
}

#[allow(clippy::too_many_arguments)]
unsafe fn launch(
    call: &str,
    f: *mut c_void,
    grid: [u32; 3],
    block: [u32; 3],
    shared: u32,
    stream: *mut c_void,
    params: *mut *mut c_void,
    extra: *mut *mut c_void,
    extras: Extras,
) -> CUresult {
    with_stream(call, stream, |s, c| {
        let Some(fi) = function_index(s, f) else {
            return bad_function(call, f);
        };
        let func = &s.functions[fi];
        let Some(module) = s.modules[func.module].as_ref() else {
            return refuse(
                INVALID_HANDLE,
                format!("{call} `{}`: its module was unloaded", func.name),
            );
        };
        if module.ctx != c {
            return refuse(INVALID_CONTEXT, format!("{call} `{}`: the kernel's module belongs to another context than the current one", func.name));
        }
        if shared > func.max_dynamic_shared {
            return refuse(
                INVALID_VALUE,
                format!(
                    "{call} `{}`: {shared} bytes of dynamic shared memory exceed the kernel's limit of {} (raise it with cuFuncSetAttribute)",
                    func.name, func.max_dynamic_shared
                ),
            );
        }
        if let Some(cl) = extras.cluster {
            let fits = (0..3).all(|d| cl[d] > 0 && grid[d].is_multiple_of(cl[d]))
                && cl.iter().product::<u32>() <= 8;
            if s.machine.arch.major < 9 || !fits {
                return refuse(
                    INVALID_VALUE,
                    format!("{call} `{}`: cluster {cl:?} needs sm_90 or newer, at most 8 blocks, and a grid {grid:?} it divides", func.name),
                );
            }
        }
        if extras.cooperative {
            let threads = block.iter().product::<u32>();
            let per_sm = blocks_per_sm(&s.machine.arch, threads, func.static_shared + shared);
            let blocks = grid.iter().map(|&x| x as u64).product::<u64>();
            if blocks > (per_sm * s.machine.arch.multiprocessors) as u64 {
                return refuse(
                    COOPERATIVE_LAUNCH_TOO_LARGE,
                    format!("{call} `{}`: {blocks} blocks cannot all be resident ({per_sm} per SM × {} SMs)", func.name, s.machine.arch.multiprocessors),
                );
            }
        }
        let buf = match pack_params(func, params, extra) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let (machine_module, name) = (module.machine, func.name.clone());
        apply_limits(s, c);
        let cfg = LaunchConfig {
            grid,
            block,
            shared,
            cluster: extras.cluster.unwrap_or([1, 1, 1]),
        };
        // A cooperative launch gets the grid-sync workspace a driver
        // provides (`struct grid_workspace { u32 wsSize; u32 barrier; }`,
        // its address in %envreg1:%envreg2): cooperative groups'
        // `grid.sync()` counts arrivals in `barrier`.
        let workspace = extras.cooperative.then(|| {
            let ws = s.machine.mem.alloc(8, AllocKind::Host);
            if let Ok(b) = s.machine.mem.host_slice_mut(ws, 8) {
                b[..4].copy_from_slice(&8u32.to_le_bytes());
            }
            s.machine.envregs[1] = (ws >> 32) as u32;
            s.machine.envregs[2] = ws as u32;
            ws
        });
        let result = s.machine.launch(machine_module, &name, &cfg, &buf);
        if let Some(ws) = workspace {
            s.machine.mem.free(ws, Some(AllocKind::Host));
            s.machine.envregs = [0; 32];
        }
        for w in std::mem::take(&mut s.machine.mem.warnings) {
            emu_log!("warning: kernel `{name}`: {w}");
        }
        match result {
            Ok(()) => SUCCESS,
            Err(fault) => {
                emu_log!("{fault}");
                record_error(&fault.to_string());
                let code = fault_code(&fault);
                if fault.kind.is_sticky() {
                    // Reported at the next synchronization, as a GPU does.
                    s.sticky = Some(code);
                    SUCCESS
                } else {
                    code
                }
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuLaunchKernel(
    f: *mut c_void,
    gx: c_uint,
    gy: c_uint,
    gz: c_uint,
    bx: c_uint,
    by: c_uint,
    bz: c_uint,
    shared: c_uint,
    stream: *mut c_void,
    params: *mut *mut c_void,
    extra: *mut *mut c_void,
) -> CUresult {
    launch(
        "cuLaunchKernel",
        f,
        [gx, gy, gz],
        [bx, by, bz],
        shared,
        stream,
        params,
        extra,
        Extras::default(),
    )
}

#[no_mangle]
pub unsafe extern "C" fn cuLaunchCooperativeKernel(
    f: *mut c_void,
    gx: c_uint,
    gy: c_uint,
    gz: c_uint,
    bx: c_uint,
    by: c_uint,
    bz: c_uint,
    shared: c_uint,
    stream: *mut c_void,
    params: *mut *mut c_void,
) -> CUresult {
    let extras = Extras {
        cooperative: true,
        cluster: None,
    };
    launch(
        "cuLaunchCooperativeKernel",
        f,
        [gx, gy, gz],
        [bx, by, bz],
        shared,
        stream,
        params,
        std::ptr::null_mut(),
        extras,
    )
}

/// `CUlaunchConfig`.
#[repr(C)]
pub struct LaunchConfigEx {
    grid: [c_uint; 3],
    block: [c_uint; 3],
    shared: c_uint,
    stream: *mut c_void,
    attrs: *const LaunchAttribute,
    num_attrs: c_uint,
}

/// `CUlaunchAttribute`: an id, padding, and a 64-byte value.
#[repr(C)]
pub struct LaunchAttribute {
    id: c_uint,
    pad: [u8; 4],
    value: [u32; 16],
}

#[no_mangle]
pub unsafe extern "C" fn cuLaunchKernelEx(
    config: *const LaunchConfigEx,
    f: *mut c_void,
    params: *mut *mut c_void,
    extra: *mut *mut c_void,
) -> CUresult {
    if config.is_null() {
        return refuse(INVALID_VALUE, "cuLaunchKernelEx: config is NULL");
    }
    let cfg = &*config;
    if cfg.num_attrs > 0 && cfg.attrs.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuLaunchKernelEx: numAttrs > 0 but attrs is NULL",
        );
    }
    let mut extras = Extras::default();
    for i in 0..cfg.num_attrs as usize {
        let a = &*cfg.attrs.add(i);
        match a.id {
            // COOPERATIVE
            2 => extras.cooperative = a.value[0] != 0,
            // CLUSTER_DIMENSION
            4 => extras.cluster = Some([a.value[0], a.value[1], a.value[2]]),
            // Access policy, sync policy, scheduling, priority, memory sync
            // domains, launch completion events…: hints with no effect here.
            1 | 3 | 5..=12 => {}
            id => {
                return refuse(
                    INVALID_VALUE,
                    format!("cuLaunchKernelEx: {id} is not a CUlaunchAttributeID"),
                )
            }
        }
    }
    launch(
        "cuLaunchKernelEx",
        f,
        cfg.grid,
        cfg.block,
        cfg.shared,
        cfg.stream,
        params,
        extra,
        extras,
    )
}

/// The cluster size a launch of `f` with `config` may use: the kernel's
/// `.reqnctapercluster`, else the portable maximum, 8 (sm_90 and newer).
#[no_mangle]
pub unsafe extern "C" fn cuOccupancyMaxPotentialClusterSize(
    size: *mut c_int,
    f: *mut c_void,
    config: *const LaunchConfigEx,
) -> CUresult {
    if size.is_null() || config.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuOccupancyMaxPotentialClusterSize: NULL result or config",
        );
    }
    with_live(|s| {
        let Some(i) = function_index(s, f) else {
            return bad_function("cuOccupancyMaxPotentialClusterSize", f);
        };
        if s.machine.arch.major < 9 {
            return refuse(
                NOT_SUPPORTED,
                "cuOccupancyMaxPotentialClusterSize: clusters need sm_90 or newer",
            );
        }
        let n = s.functions[i]
            .cluster
            .map_or(8, |c| c.iter().product::<u32>());
        put(size, n as c_int);
        SUCCESS
    })
}

/// How many clusters of `config`'s shape can be resident at once.
#[no_mangle]
pub unsafe extern "C" fn cuOccupancyMaxActiveClusters(
    clusters: *mut c_int,
    f: *mut c_void,
    config: *const LaunchConfigEx,
) -> CUresult {
    if clusters.is_null() || config.is_null() {
        return refuse(
            INVALID_VALUE,
            "cuOccupancyMaxActiveClusters: NULL result or config",
        );
    }
    let cfg = &*config;
    let mut cluster = None;
    for k in 0..cfg.num_attrs as usize {
        let a = &*cfg.attrs.add(k);
        if a.id == 4 {
            cluster = Some([a.value[0], a.value[1], a.value[2]]);
        }
    }
    with_live(|s| {
        let Some(i) = function_index(s, f) else {
            return bad_function("cuOccupancyMaxActiveClusters", f);
        };
        let func = &s.functions[i];
        let Some(c) = cluster.or(func.cluster) else {
            return refuse(INVALID_VALUE, "cuOccupancyMaxActiveClusters: neither the config nor the kernel names a cluster shape");
        };
        let per_cluster = c.iter().product::<u32>().max(1);
        let threads = cfg.block.iter().product::<u32>();
        let per_sm = blocks_per_sm(&s.machine.arch, threads, func.static_shared + cfg.shared);
        put(
            clusters,
            (per_sm * s.machine.arch.multiprocessors / per_cluster) as c_int,
        );
        SUCCESS
    })
}
