//! Streams, events and host callbacks. Every operation completes when it
//! is issued, so a stream is always idle: queries succeed, waits return at
//! once, and an event's time is when it was recorded.

use std::ffi::{c_float, c_int, c_uint, c_void};
use std::time::Instant;

use crate::*;

/// The legacy default stream and the per-thread default stream.
const LEGACY: usize = 1;
const PER_THREAD: usize = 2;

/// Checks that `stream` is a default stream or a live stream of context `c`.
pub(crate) fn check_stream(
    s: &State,
    c: usize,
    call: &str,
    stream: *mut c_void,
) -> Result<(), CUresult> {
    let v = stream as usize;
    if v == 0 || v == LEGACY || v == PER_THREAD {
        return Ok(());
    }
    match index_of(Kind::Stream, stream).and_then(|i| s.streams.get(i)?.as_ref()) {
        Some(st) if st.ctx == c => Ok(()),
        Some(_) => Err(refuse(
            INVALID_HANDLE,
            format!("{call}: the stream belongs to another context than the current one"),
        )),
        None => Err(refuse(
            INVALID_HANDLE,
            format!("{call}: {stream:p} is not a live stream (destroyed, or not a stream handle)"),
        )),
    }
}

/// Like `with_ctx`, for an operation on `stream`, which is checked first.
/// A created stream names its context, as a driver takes it: a thread
/// with no current context (a worker thread of an async runtime) can use
/// it; a default stream needs a current context.
pub(crate) fn with_stream(
    call: &str,
    stream: *mut c_void,
    f: impl FnOnce(&mut State, usize) -> CUresult,
) -> CUresult {
    with_live(|s| {
        let c = match (stream_record(s, stream), live_current(s)) {
            (Some(st), Err(INVALID_CONTEXT)) if s.ctxs.get(st.ctx).is_some_and(|c| c.alive) => {
                st.ctx
            }
            (_, Ok(c)) => c,
            (_, Err(e)) => return e,
        };
        match check_stream(s, c, call, stream) {
            Ok(()) => f(s, c),
            Err(e) => e,
        }
    })
}

/// `with_stream` for an operation that may name a stream, `with_ctx` for
/// one that does not.
pub(crate) fn with_opt_stream(
    call: &str,
    stream: Option<*mut c_void>,
    f: impl FnOnce(&mut State, usize) -> CUresult,
) -> CUresult {
    match stream {
        Some(st) => with_stream(call, st, f),
        None => with_ctx(f),
    }
}

/// A created stream's record (None for the default streams).
fn stream_record(s: &State, stream: *mut c_void) -> Option<&Stream> {
    index_of(Kind::Stream, stream).and_then(|i| s.streams.get(i)?.as_ref())
}

unsafe fn create_stream(stream: *mut *mut c_void, flags: c_uint, priority: c_int) -> CUresult {
    if stream.is_null() {
        return refuse(INVALID_VALUE, "cuStreamCreate: the result pointer is NULL");
    }
    if flags & !1 != 0 {
        return refuse(
            INVALID_VALUE,
            format!("cuStreamCreate: unknown flags {flags:#x}"),
        );
    }
    with_ctx(|s, c| {
        s.streams.push(Some(Stream {
            ctx: c,
            flags,
            // Clamped to the range cuCtxGetStreamPriorityRange reports.
            priority: priority.clamp(-5, 0),
        }));
        put(stream, handle(Kind::Stream, s.streams.len() - 1));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamCreate(stream: *mut *mut c_void, flags: c_uint) -> CUresult {
    create_stream(stream, flags, 0)
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamCreateWithPriority(
    stream: *mut *mut c_void,
    flags: c_uint,
    priority: c_int,
) -> CUresult {
    create_stream(stream, flags, priority)
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamDestroy_v2(stream: *mut c_void) -> CUresult {
    with_state(|s| {
        match index_of(Kind::Stream, stream)
            .filter(|&i| s.streams.get(i).is_some_and(Option::is_some))
        {
            Some(i) => {
                s.streams[i] = None;
                SUCCESS
            }
            None => refuse(
                INVALID_HANDLE,
                format!("cuStreamDestroy: {stream:p} is not a live stream"),
            ),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamSynchronize(stream: *mut c_void) -> CUresult {
    with_state(|s| {
        // A created stream names its context; a default stream needs a
        // current one.
        let c = match stream_record(s, stream) {
            Some(st) if s.ctxs.get(st.ctx).is_some_and(|c| c.alive) => st.ctx,
            _ => match live_current(s) {
                Ok(c) => c,
                Err(e) => return e,
            },
        };
        if let Err(e) = check_stream(s, c, "cuStreamSynchronize", stream) {
            return e;
        }
        flush_printf(s);
        s.sticky.unwrap_or(SUCCESS)
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamQuery(stream: *mut c_void) -> CUresult {
    with_stream("cuStreamQuery", stream, |_, _| SUCCESS)
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamGetFlags(stream: *mut c_void, flags: *mut c_uint) -> CUresult {
    if flags.is_null() {
        return INVALID_VALUE;
    }
    with_stream("cuStreamGetFlags", stream, |s, _| {
        put(flags, stream_record(s, stream).map_or(0, |st| st.flags));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamGetPriority(
    stream: *mut c_void,
    priority: *mut c_int,
) -> CUresult {
    if priority.is_null() {
        return INVALID_VALUE;
    }
    with_stream("cuStreamGetPriority", stream, |s, _| {
        put(
            priority,
            stream_record(s, stream).map_or(0, |st| st.priority),
        );
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamGetCtx(stream: *mut c_void, ctx: *mut *mut c_void) -> CUresult {
    if ctx.is_null() {
        return INVALID_VALUE;
    }
    with_stream("cuStreamGetCtx", stream, |_, c| {
        put(ctx, handle(Kind::Context, c));
        SUCCESS
    })
}

fn event_mut<'a>(s: &'a mut State, call: &str, e: *mut c_void) -> Result<&'a mut Event, CUresult> {
    match index_of(Kind::Event, e).and_then(|i| s.events.get_mut(i)?.as_mut()) {
        Some(ev) => Ok(ev),
        None => Err(refuse(
            INVALID_HANDLE,
            format!("{call}: {e:p} is not a live event"),
        )),
    }
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamWaitEvent(
    stream: *mut c_void,
    event: *mut c_void,
    flags: c_uint,
) -> CUresult {
    with_stream("cuStreamWaitEvent", stream, |s, _| {
        if flags & !1 != 0 {
            return refuse(
                INVALID_VALUE,
                format!("cuStreamWaitEvent: unknown flags {flags:#x}"),
            );
        }
        match event_mut(s, "cuStreamWaitEvent", event) {
            Ok(_) => SUCCESS,
            Err(e) => e,
        }
    })
}

/// Calls a host function after the stream's work, which is already done.
/// The state's lock is not held, so the callback may call the API.
unsafe fn host_call(call: &str, stream: *mut c_void, f: impl FnOnce()) -> CUresult {
    let r = with_stream(call, stream, |_, _| SUCCESS);
    if r == SUCCESS {
        f();
    }
    r
}

#[no_mangle]
pub unsafe extern "C" fn cuLaunchHostFunc(
    stream: *mut c_void,
    f: Option<unsafe extern "C" fn(*mut c_void)>,
    data: *mut c_void,
) -> CUresult {
    let Some(f) = f else {
        return refuse(INVALID_VALUE, "cuLaunchHostFunc: the function is NULL");
    };
    host_call("cuLaunchHostFunc", stream, || f(data))
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamAddCallback(
    stream: *mut c_void,
    f: Option<unsafe extern "C" fn(*mut c_void, c_int, *mut c_void)>,
    data: *mut c_void,
    flags: c_uint,
) -> CUresult {
    let Some(f) = f else {
        return refuse(INVALID_VALUE, "cuStreamAddCallback: the callback is NULL");
    };
    if flags != 0 {
        return refuse(INVALID_VALUE, "cuStreamAddCallback: flags must be 0");
    }
    let status = with_state(|s| s.sticky.unwrap_or(SUCCESS));
    host_call("cuStreamAddCallback", stream, || f(stream, status, data))
}

#[no_mangle]
pub unsafe extern "C" fn cuEventCreate(event: *mut *mut c_void, flags: c_uint) -> CUresult {
    if event.is_null() {
        return refuse(INVALID_VALUE, "cuEventCreate: the result pointer is NULL");
    }
    if flags & !0xf != 0 {
        return refuse(
            INVALID_VALUE,
            format!("cuEventCreate: unknown flags {flags:#x}"),
        );
    }
    with_ctx(|s, c| {
        s.events.push(Some(Event {
            ctx: c,
            flags,
            recorded: None,
        }));
        put(event, handle(Kind::Event, s.events.len() - 1));
        SUCCESS
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuEventDestroy_v2(event: *mut c_void) -> CUresult {
    with_state(|s| {
        match index_of(Kind::Event, event).filter(|&i| s.events.get(i).is_some_and(Option::is_some))
        {
            Some(i) => {
                s.events[i] = None;
                SUCCESS
            }
            None => refuse(
                INVALID_HANDLE,
                format!("cuEventDestroy: {event:p} is not a live event"),
            ),
        }
    })
}

unsafe fn record(call: &str, event: *mut c_void, stream: *mut c_void) -> CUresult {
    with_stream(call, stream, |s, c| match event_mut(s, call, event) {
        Ok(ev) if ev.ctx != c => refuse(
            INVALID_HANDLE,
            format!("{call}: the event belongs to another context"),
        ),
        Ok(ev) => {
            ev.recorded = Some(Instant::now());
            SUCCESS
        }
        Err(e) => e,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuEventRecord(event: *mut c_void, stream: *mut c_void) -> CUresult {
    record("cuEventRecord", event, stream)
}

#[no_mangle]
pub unsafe extern "C" fn cuEventRecordWithFlags(
    event: *mut c_void,
    stream: *mut c_void,
    _flags: c_uint,
) -> CUresult {
    record("cuEventRecordWithFlags", event, stream)
}

#[no_mangle]
pub unsafe extern "C" fn cuEventQuery(event: *mut c_void) -> CUresult {
    with_live(|s| match event_mut(s, "cuEventQuery", event) {
        Ok(_) => SUCCESS,
        Err(e) => e,
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuEventSynchronize(event: *mut c_void) -> CUresult {
    with_live(|s| match event_mut(s, "cuEventSynchronize", event) {
        Ok(_) => {
            flush_printf(s);
            SUCCESS
        }
        Err(e) => e,
    })
}

unsafe fn elapsed(ms: *mut c_float, start: *mut c_void, end: *mut c_void) -> CUresult {
    if ms.is_null() {
        return INVALID_VALUE;
    }
    with_live(|s| {
        let a = match event_mut(s, "cuEventElapsedTime", start) {
            Ok(e) => (e.flags, e.recorded),
            Err(e) => return e,
        };
        let b = match event_mut(s, "cuEventElapsedTime", end) {
            Ok(e) => (e.flags, e.recorded),
            Err(e) => return e,
        };
        // CU_EVENT_DISABLE_TIMING (2).
        if a.0 & 2 != 0 || b.0 & 2 != 0 {
            return refuse(
                INVALID_HANDLE,
                "cuEventElapsedTime: an event was created with CU_EVENT_DISABLE_TIMING",
            );
        }
        match (a.1, b.1) {
            (Some(x), Some(y)) => {
                let d = if y >= x {
                    (y - x).as_secs_f32()
                } else {
                    -(x - y).as_secs_f32()
                };
                put(ms, d * 1000.0);
                SUCCESS
            }
            _ => refuse(
                INVALID_HANDLE,
                "cuEventElapsedTime: an event was never recorded",
            ),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn cuEventElapsedTime(
    ms: *mut c_float,
    start: *mut c_void,
    end: *mut c_void,
) -> CUresult {
    elapsed(ms, start, end)
}

#[no_mangle]
pub unsafe extern "C" fn cuEventElapsedTime_v2(
    ms: *mut c_float,
    start: *mut c_void,
    end: *mut c_void,
) -> CUresult {
    elapsed(ms, start, end)
}

#[no_mangle]
pub unsafe extern "C" fn cuStreamIsCapturing(stream: *mut c_void, status: *mut c_int) -> CUresult {
    if status.is_null() {
        return INVALID_VALUE;
    }
    with_stream("cuStreamIsCapturing", stream, |_, _| {
        put(status, 0); // CU_STREAM_CAPTURE_STATUS_NONE: graphs are not emulated
        SUCCESS
    })
}
