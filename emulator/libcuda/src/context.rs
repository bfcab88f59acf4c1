//! Contexts: the device's primary context, created contexts, each thread's
//! stack of current contexts, limits and flags.

use std::ffi::{c_int, c_uint, c_void};

use crate::*;

/// Destroys what context `c` owns: its modules, streams, events and
/// allocations (printf output is flushed first).
fn release_resources(s: &mut State, c: usize) {
    flush_printf(s);
    for m in s.modules.iter_mut() {
        if m.as_ref().is_some_and(|m| m.ctx == c) {
            let entry = m.take().expect("checked");
            s.machine.unload_module(entry.machine);
        }
    }
    s.streams.iter_mut().for_each(|x| {
        if x.as_ref().is_some_and(|x| x.ctx == c) {
            *x = None
        }
    });
    s.events.iter_mut().for_each(|x| {
        if x.as_ref().is_some_and(|x| x.ctx == c) {
            *x = None
        }
    });
    let owned: Vec<u64> = s
        .allocations
        .iter()
        .filter(|(_, a)| a.ctx == c)
        .map(|(&b, _)| b)
        .collect();
    for b in owned {
        crate::memory::forget(s, b);
    }
}

fn check_device(dev: c_int) -> Result<(), CUresult> {
    if dev == 0 {
        Ok(())
    } else {
        Err(INVALID_DEVICE)
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxRetain(ctx: *mut *mut c_void, dev: c_int) -> CUresult {
    if ctx.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| {
        if let Err(e) = check_device(dev) {
            return e;
        }
        let p = &mut s.ctxs[0];
        p.retained += 1;
        p.alive = true;
        put(ctx, handle(Kind::Context, 0));
        SUCCESS
    })
}

unsafe fn primary_release(dev: c_int) -> CUresult {
    with_state(|s| {
        if let Err(e) = check_device(dev) {
            return e;
        }
        if s.ctxs[0].retained == 0 {
            return refuse(
                INVALID_CONTEXT,
                "cuDevicePrimaryCtxRelease: the primary context is not retained",
            );
        }
        s.ctxs[0].retained -= 1;
        if s.ctxs[0].retained == 0 {
            // The last release resets the primary context, as CUDA's does.
            release_resources(s, 0);
            s.ctxs[0].alive = false;
        } else {
            flush_printf(s);
        }
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxRelease_v2(dev: c_int) -> CUresult {
    primary_release(dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxRelease(dev: c_int) -> CUresult {
    primary_release(dev)
}

unsafe fn primary_reset(dev: c_int) -> CUresult {
    with_state(|s| {
        if let Err(e) = check_device(dev) {
            return e;
        }
        release_resources(s, 0);
        s.ctxs[0].limits = Limits::default();
        // A reset clears a lost context, as on a GPU.
        s.sticky = None;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxReset_v2(dev: c_int) -> CUresult {
    primary_reset(dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxReset(dev: c_int) -> CUresult {
    primary_reset(dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxGetState(
    dev: c_int,
    flags: *mut c_uint,
    active: *mut c_int,
) -> CUresult {
    if flags.is_null() || active.is_null() {
        return INVALID_VALUE;
    }
    with_state(|s| {
        if let Err(e) = check_device(dev) {
            return e;
        }
        put(flags, s.ctxs[0].flags);
        put(active, s.ctxs[0].alive as c_int);
        SUCCESS
    })
}

unsafe fn primary_set_flags(dev: c_int, flags: c_uint) -> CUresult {
    with_state(|s| {
        if let Err(e) = check_device(dev) {
            return e;
        }
        if flags & !0x1f != 0 {
            return refuse(
                INVALID_VALUE,
                format!("cuDevicePrimaryCtxSetFlags: unknown flags {flags:#x}"),
            );
        }
        s.ctxs[0].flags = flags;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxSetFlags_v2(dev: c_int, flags: c_uint) -> CUresult {
    primary_set_flags(dev, flags)
}

#[no_mangle]
pub unsafe extern "C" fn cuDevicePrimaryCtxSetFlags(dev: c_int, flags: c_uint) -> CUresult {
    primary_set_flags(dev, flags)
}

/// Creates a context on the device and makes it current (pushes it).
unsafe fn create(ctx: *mut *mut c_void, flags: c_uint, dev: c_int) -> CUresult {
    if ctx.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| {
        if let Err(e) = check_device(dev) {
            return e;
        }
        s.ctxs.push(Ctx {
            alive: true,
            primary: false,
            retained: 0,
            flags,
            limits: Limits::default(),
            cache_config: 0,
        });
        let c = s.ctxs.len() - 1;
        ctx_stack(|st| st.push(c));
        put(ctx, handle(Kind::Context, c));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxCreate_v2(
    ctx: *mut *mut c_void,
    flags: c_uint,
    dev: c_int,
) -> CUresult {
    create(ctx, flags, dev)
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxCreate(ctx: *mut *mut c_void, flags: c_uint, dev: c_int) -> CUresult {
    create(ctx, flags, dev)
}

/// `cuCtxCreate_v3(ctx, affinity params, count, flags, dev)`: affinity is ignored.
#[no_mangle]
pub unsafe extern "C" fn cuCtxCreate_v3(
    ctx: *mut *mut c_void,
    _params: *mut c_void,
    _n: c_int,
    flags: c_uint,
    dev: c_int,
) -> CUresult {
    create(ctx, flags, dev)
}

/// `cuCtxCreate_v4(ctx, create params, flags, dev)`: the params (affinity,
/// CIG) are ignored.
#[no_mangle]
pub unsafe extern "C" fn cuCtxCreate_v4(
    ctx: *mut *mut c_void,
    _params: *mut c_void,
    flags: c_uint,
    dev: c_int,
) -> CUresult {
    create(ctx, flags, dev)
}

/// The context a handle names (any state).
pub(crate) fn ctx_index(s: &State, h: *const c_void) -> Option<usize> {
    index_of(Kind::Context, h).filter(|&i| i < s.ctxs.len())
}

unsafe fn destroy(h: *mut c_void) -> CUresult {
    with_state(|s| {
        let Some(c) = ctx_index(s, h) else {
            return refuse(INVALID_CONTEXT, "cuCtxDestroy: not a context handle");
        };
        if s.ctxs[c].primary {
            return refuse(
                INVALID_CONTEXT,
                "cuCtxDestroy: the primary context is released with cuDevicePrimaryCtxRelease, not destroyed",
            );
        }
        if !s.ctxs[c].alive {
            return CONTEXT_IS_DESTROYED;
        }
        release_resources(s, c);
        s.ctxs[c].alive = false;
        ctx_stack(|st| st.retain(|&x| x != c));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxDestroy_v2(ctx: *mut c_void) -> CUresult {
    destroy(ctx)
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxDestroy(ctx: *mut c_void) -> CUresult {
    destroy(ctx)
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetCurrent(ctx: *mut *mut c_void) -> CUresult {
    if ctx.is_null() {
        return INVALID_VALUE;
    }
    with_state(|_| {
        put(
            ctx,
            current_index().map_or(std::ptr::null_mut(), |c| handle(Kind::Context, c)),
        );
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSetCurrent(ctx: *mut c_void) -> CUresult {
    with_state(|s| {
        if ctx.is_null() {
            // NULL pops the top (no-op on an empty stack).
            ctx_stack(|st| st.pop());
            return SUCCESS;
        }
        let Some(c) = ctx_index(s, ctx) else {
            return refuse(INVALID_CONTEXT, "cuCtxSetCurrent: not a context handle");
        };
        if !s.ctxs[c].alive {
            return refuse(
                CONTEXT_IS_DESTROYED,
                "cuCtxSetCurrent: the context was destroyed (or the primary context released)",
            );
        }
        ctx_stack(|st| match st.last_mut() {
            Some(top) => *top = c,
            None => st.push(c),
        });
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxPushCurrent_v2(ctx: *mut c_void) -> CUresult {
    with_state(|s| {
        let Some(c) = ctx_index(s, ctx) else {
            return refuse(INVALID_CONTEXT, "cuCtxPushCurrent: not a context handle");
        };
        if !s.ctxs[c].alive {
            return CONTEXT_IS_DESTROYED;
        }
        ctx_stack(|st| st.push(c));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxPopCurrent_v2(ctx: *mut *mut c_void) -> CUresult {
    with_state(|_| match ctx_stack(|st| st.pop()).flatten() {
        Some(c) => {
            if !ctx.is_null() {
                put(ctx, handle(Kind::Context, c));
            }
            SUCCESS
        }
        None => refuse(INVALID_CONTEXT, "cuCtxPopCurrent: no context is current"),
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetDevice(dev: *mut c_int) -> CUresult {
    if dev.is_null() {
        return INVALID_VALUE;
    }
    with_ctx(|_, _| {
        put(dev, 0);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetApiVersion(ctx: *mut c_void, version: *mut c_uint) -> CUresult {
    if version.is_null() {
        return INVALID_VALUE;
    }
    with_state(|s| {
        let c = if ctx.is_null() {
            current_index()
        } else {
            ctx_index(s, ctx)
        };
        match c {
            Some(c) if s.ctxs[c].alive => {
                put(version, 13000);
                SUCCESS
            }
            Some(_) => CONTEXT_IS_DESTROYED,
            None => INVALID_CONTEXT,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetId(ctx: *mut c_void, id: *mut u64) -> CUresult {
    if id.is_null() {
        return INVALID_VALUE;
    }
    with_state(|s| {
        let c = if ctx.is_null() {
            current_index()
        } else {
            ctx_index(s, ctx)
        };
        match c {
            Some(c) if s.ctxs[c].alive => {
                put(id, c as u64 + 1);
                SUCCESS
            }
            _ => INVALID_CONTEXT,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSynchronize() -> CUresult {
    with_state(|s| {
        if let Err(e) = live_current(s) {
            return e;
        }
        flush_printf(s);
        s.sticky.unwrap_or(SUCCESS)
    })
}

fn limit_slot(l: &mut Limits, which: c_int) -> Option<&mut usize> {
    Some(match which {
        0 => &mut l.stack_size,
        1 => &mut l.printf_fifo_size,
        2 => &mut l.malloc_heap_size,
        3 => &mut l.dev_runtime_sync_depth,
        4 => &mut l.dev_runtime_pending_launch_count,
        5 => &mut l.max_l2_fetch_granularity,
        6 => &mut l.persisting_l2_cache_size,
        _ => return None,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetLimit(value: *mut usize, which: c_int) -> CUresult {
    if value.is_null() {
        return INVALID_VALUE;
    }
    with_ctx(|s, c| match limit_slot(&mut s.ctxs[c].limits, which) {
        Some(v) => {
            put(value, *v);
            SUCCESS
        }
        None => refuse(
            UNSUPPORTED_LIMIT,
            format!("cuCtxGetLimit: {which} is not a CUlimit"),
        ),
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSetLimit(which: c_int, value: usize) -> CUresult {
    with_ctx(|s, c| {
        let Some(slot) = limit_slot(&mut s.ctxs[c].limits, which) else {
            return refuse(
                UNSUPPORTED_LIMIT,
                format!("cuCtxSetLimit: {which} is not a CUlimit"),
            );
        };
        let value = match which {
            // The stack is kept 16-byte aligned; the printf FIFO and heap have minimums.
            0 => value.div_ceil(16) * 16,
            5 if !(32..=128).contains(&value) => {
                return refuse(
                    INVALID_VALUE,
                    "cuCtxSetLimit: CU_LIMIT_MAX_L2_FETCH_GRANULARITY must be 32..=128",
                )
            }
            _ => value,
        };
        *slot = value;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetFlags(flags: *mut c_uint) -> CUresult {
    if flags.is_null() {
        return INVALID_VALUE;
    }
    with_ctx(|s, c| {
        put(flags, s.ctxs[c].flags);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSetFlags(flags: c_uint) -> CUresult {
    with_ctx(|s, c| {
        s.ctxs[c].flags = flags;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetCacheConfig(config: *mut c_int) -> CUresult {
    if config.is_null() {
        return INVALID_VALUE;
    }
    with_ctx(|s, c| {
        put(config, s.ctxs[c].cache_config);
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxSetCacheConfig(config: c_int) -> CUresult {
    with_ctx(|s, c| {
        if !(0..=3).contains(&config) {
            return refuse(
                INVALID_VALUE,
                format!("cuCtxSetCacheConfig: {config} is not a CUfunc_cache"),
            );
        }
        s.ctxs[c].cache_config = config;
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuCtxGetStreamPriorityRange(
    least: *mut c_int,
    greatest: *mut c_int,
) -> CUresult {
    with_ctx(|_, _| {
        // As on current GPUs: 0 is the least priority, -5 the greatest.
        if !least.is_null() {
            put(least, 0);
        }
        if !greatest.is_null() {
            put(greatest, -5);
        }
        SUCCESS
    })
}

/// The limits the current context sets for the device heap and the stack,
/// applied to the machine before a launch.
pub(crate) fn apply_limits(s: &mut State, c: usize) {
    let l = &s.ctxs[c].limits;
    s.machine.mem.heap_limit = l.malloc_heap_size as u64;
    s.machine.stack_limit = l.stack_size.min(u32::MAX as usize) as u32;
}
