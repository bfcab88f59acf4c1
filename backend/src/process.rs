//! Runs one program (a compile step, a host program) in its own process group
//! with a hard timeout, capturing stdout and stderr on threads; on timeout the
//! whole group is SIGKILLed.

use std::fmt;
use std::io::{self, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// At most this many bytes of each stream of a host program are kept; the rest is read and dropped.
pub const MAX_CAPTURED_BYTES: usize = 16 * 1024 * 1024;

/// How much of one output stream is kept: the first `head` and the last
/// `tail` bytes, with a `[… N bytes omitted …]` line between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputCap {
    /// Bytes kept from the start.
    pub head: usize,
    /// Bytes kept from the end.
    pub tail: usize,
}

impl OutputCap {
    /// Host programs: their whole output up to [`MAX_CAPTURED_BYTES`].
    pub const HOST: OutputCap = OutputCap {
        head: MAX_CAPTURED_BYTES,
        tail: 0,
    };
    /// Compile steps: diagnostics are read by people and stored in the cache
    /// and reports, so a runaway compiler (64 MiB of warnings) keeps 2 MiB
    /// from the start, where the first error is, and 256 KiB from the end.
    pub const COMPILE_STEP: OutputCap = OutputCap {
        head: 2 * 1024 * 1024,
        tail: 256 * 1024,
    };
}

/// The omission marker placed where bytes were dropped.
pub fn omitted_marker(bytes: usize) -> String {
    format!("\n[… {bytes} bytes omitted …]\n")
}

/// The default limit for one compile step (rustc, llvm-link, opt, llc, ptxas,
/// an external backend, a host-program build).
pub const DEFAULT_COMPILE_TIMEOUT: Duration = Duration::from_secs(300);

/// The environment variable that sets the compile-step limit (`120s`, `2m`, `90`).
pub const COMPILE_TIMEOUT_ENV: &str = "PTX_COMPILE_TIMEOUT";

/// Parses a duration: a number with a unit `ms`, `s`, `m` or `h`, or a plain
/// number of seconds. Zero is rejected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration `{text}`; use e.g. 300s, 5m or 500ms"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        u => return Err(format!("unknown unit `{u}` in `{text}`; use ms, s, m or h")),
    };
    if secs.is_nan() || secs <= 0.0 || !secs.is_finite() || secs > 1e9 {
        return Err(format!(
            "duration `{text}` must be greater than zero and finite"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `PTX_COMPILE_TIMEOUT`, if set (an invalid value is an error naming the variable).
pub fn compile_timeout_from_env() -> Result<Option<Duration>, String> {
    match std::env::var(COMPILE_TIMEOUT_ENV) {
        Ok(v) if !v.trim().is_empty() => parse_duration(&v)
            .map(Some)
            .map_err(|e| format!("in the environment variable {COMPILE_TIMEOUT_ENV}={v}: {e}")),
        _ => Ok(None),
    }
}

/// A limit for messages: `300 s`, `1.5 s`, `250 ms`.
pub fn format_limit(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Whether a process with this id exists (it may belong to another user).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// How long to wait for the output readers after the process group is gone
/// (a process that left the group may still hold the pipes).
const READER_GRACE: Duration = Duration::from_secs(2);

/// How a process ended: an exit code or the signal that killed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessStatus {
    /// The exit code, when the process exited normally.
    pub code: Option<i32>,
    /// The signal number, when a signal killed the process.
    pub signal: Option<i32>,
}

impl ProcessStatus {
    /// Whether the process exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl From<ExitStatus> for ProcessStatus {
    fn from(status: ExitStatus) -> Self {
        ProcessStatus {
            code: status.code(),
            signal: status.signal(),
        }
    }
}

/// The conventional name of a signal number, e.g. `SIGSEGV`.
pub fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        _ => return None,
    })
}

impl fmt::Display for ProcessStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(sig)) => match signal_name(sig) {
                Some(name) => write!(f, "killed by signal {sig} ({name})"),
                None => write!(f, "killed by signal {sig}"),
            },
            (None, None) => f.write_str("unknown status"),
        }
    }
}

/// Everything known about one finished (or killed) run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessOutcome {
    /// Exit code or signal. After a timeout this is the SIGKILL we sent.
    pub status: ProcessStatus,
    /// Captured standard output (lossy UTF-8, at most [`MAX_CAPTURED_BYTES`] bytes, then a marker).
    pub stdout: String,
    /// Captured standard error, like `stdout`.
    pub stderr: String,
    /// Whether the timeout expired and the process group was killed.
    pub timed_out: bool,
    /// Wall time from spawn until the process ended (or was killed).
    pub duration: Duration,
}

impl ProcessOutcome {
    /// Exited with code 0 within the time limit.
    pub fn success(&self) -> bool {
        !self.timed_out && self.status.success()
    }

    /// One line for reports: `exit code 1`, `killed by signal 11 (SIGSEGV)` or `timed out after 10.0s`.
    pub fn describe(&self) -> String {
        if self.timed_out {
            format!("timed out after {:.1}s", self.duration.as_secs_f64())
        } else {
            self.status.to_string()
        }
    }
}

/// What one pipe gave so far: the kept head, the kept tail, the bytes dropped between.
#[derive(Default)]
struct Captured {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    omitted: usize,
}

impl Captured {
    fn push(&mut self, mut data: &[u8], cap: OutputCap) {
        let room = cap.head.saturating_sub(self.head.len());
        let keep = data.len().min(room);
        self.head.extend_from_slice(&data[..keep]);
        data = &data[keep..];
        if data.is_empty() {
            return;
        }
        if data.len() >= cap.tail {
            self.omitted += self.tail.len() + data.len() - cap.tail;
            self.tail.clear();
            self.tail.extend(&data[data.len() - cap.tail..]);
        } else {
            let over = (self.tail.len() + data.len()).saturating_sub(cap.tail);
            self.tail.drain(..over);
            self.omitted += over;
            self.tail.extend(data);
        }
    }

    fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.omitted > 0 {
            text.push_str(&omitted_marker(self.omitted));
        }
        let (a, b) = self.tail.as_slices();
        let mut tail = a.to_vec();
        tail.extend_from_slice(b);
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

/// A thread that drains one pipe into a shared, bounded buffer.
struct Capture {
    data: Arc<Mutex<Captured>>,
    done: mpsc::Receiver<()>,
}

impl Capture {
    /// Starts draining `pipe` (if any).
    fn start<R: Read + Send + 'static>(pipe: Option<R>, cap: OutputCap) -> Capture {
        let data = Arc::new(Mutex::new(Captured::default()));
        let (tx, done) = mpsc::channel();
        if let Some(mut pipe) = pipe {
            let shared = Arc::clone(&data);
            thread::spawn(move || {
                let mut chunk = vec![0u8; 64 * 1024];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => {
                            let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
                            guard.push(&chunk[..n], cap);
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => break,
                    }
                }
                let _ = tx.send(());
            });
        } else {
            let _ = tx.send(());
        }
        Capture { data, done }
    }

    /// Waits up to `grace` for end of file, then returns what was read.
    fn finish(self, grace: Duration) -> String {
        let _ = self.done.recv_timeout(grace);
        let guard = self.data.lock().unwrap_or_else(|e| e.into_inner());
        guard.text()
    }
}

/// SIGKILLs every process in the group `pgid` (ignores "no such process").
fn kill_group(pgid: libc::pid_t) {
    // SAFETY: plain syscall; a negative pid addresses the process group.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Blocks until process `pid` has exited, without reaping it, so that its pid
/// (and with it the process group id) stays reserved until we reap it.
fn wait_exited_keep_zombie(pid: libc::pid_t) -> io::Result<()> {
    loop {
        // SAFETY: zeroed siginfo_t is a valid out-buffer for waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointer; WNOWAIT leaves the child waitable for `Child::wait`.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Fallback when `waitid` is unavailable: polls until exit or `deadline`; true if it exited.
fn poll_until(child: &mut Child, deadline: Instant) -> io::Result<bool> {
    let mut pause = Duration::from_millis(1);
    loop {
        if child.try_wait()?.is_some() {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Runs `cmd` with stdin from `/dev/null` and stdout/stderr captured, in its own
/// process group, for at most `timeout`.
///
/// On timeout the whole process group (the program and anything it spawned
/// that stayed in the group) gets SIGKILL, and `timed_out` is set. When the
/// program ends on its own, leftover processes in its group are killed too, so
/// nothing outlives the run. Output is read on two threads, so programs that
/// write a lot to both streams never block. Returns an error only when the
/// program cannot be started or waited for.
pub fn run_with_timeout(cmd: Command, timeout: Duration) -> io::Result<ProcessOutcome> {
    run_with_timeout_capped(cmd, timeout, OutputCap::HOST)
}

/// [`run_with_timeout`], keeping only what `cap` allows of each stream.
pub fn run_with_timeout_capped(
    mut cmd: Command,
    timeout: Duration,
    cap: OutputCap,
) -> io::Result<ProcessOutcome> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let deadline = start.checked_add(timeout);
    let mut child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let stdout = Capture::start(child.stdout.take(), cap);
    let stderr = Capture::start(child.stderr.take(), cap);

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(wait_exited_keep_zombie(pid));
    });
    let mut timed_out = match rx.recv_timeout(timeout) {
        Ok(Ok(())) => false,
        Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
            // waitid failed: poll instead (the child may get reaped before the group kill).
            match deadline {
                Some(deadline) => !poll_until(&mut child, deadline)?,
                None => {
                    child.wait()?;
                    false
                }
            }
        }
        Err(RecvTimeoutError::Timeout) => true,
    };
    if timed_out {
        kill_group(pid);
    }
    // The group leader is exited but not reaped here (unless polling), so the
    // group id cannot have been reused: kill whatever is left in the group.
    let status = child.wait()?;
    let duration = start.elapsed();
    kill_group(pid);
    // A program that exited on its own just as the timer fired has not timed out.
    if timed_out && status.signal() != Some(libc::SIGKILL) {
        timed_out = false;
    }
    Ok(ProcessOutcome {
        status: status.into(),
        stdout: stdout.finish(READER_GRACE),
        stderr: stderr.finish(READER_GRACE),
        timed_out,
        duration,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn compile_steps_keep_the_start_and_end_of_a_flood() {
        let mut cmd = Command::new("sh");
        // 8 MiB on stderr, between a first and a last line.
        cmd.args([
            "-c",
            "echo FIRST >&2; head -c 8388608 /dev/zero | tr '\\0' x >&2; echo; echo LAST >&2",
        ]);
        let out =
            run_with_timeout_capped(cmd, Duration::from_secs(60), OutputCap::COMPILE_STEP).unwrap();
        let cap = OutputCap::COMPILE_STEP;
        assert!(
            out.stderr.len() <= cap.head + cap.tail + 100,
            "{}",
            out.stderr.len()
        );
        assert!(out.stderr.starts_with("FIRST\n"));
        assert!(
            out.stderr.ends_with("LAST\n"),
            "{}",
            &out.stderr[out.stderr.len() - 50..]
        );
        let omitted = 6 + 8388608 + 5 - cap.head - cap.tail;
        assert!(
            out.stderr
                .contains(&format!("[… {omitted} bytes omitted …]")),
            "no marker"
        );
    }

    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    /// Whether `pid` is gone (or a zombie waiting for its new parent to reap it).
    fn is_dead(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => {
                // The state follows the parenthesized command name.
                let state = stat.rsplit(')').next().unwrap_or("").trim_start();
                state.starts_with('Z') || state.starts_with('X')
            }
        }
    }

    fn wait_dead(pid: i32) -> bool {
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            if is_dead(pid) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        is_dead(pid)
    }

    #[test]
    fn fast_command() {
        let out =
            run_with_timeout(sh("echo hello; echo oops >&2"), Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout, "hello\n");
        assert_eq!(out.stderr, "oops\n");
        assert_eq!(
            out.status,
            ProcessStatus {
                code: Some(0),
                signal: None
            }
        );
        assert!(!out.timed_out);
        assert!(out.success());
        assert!(out.duration < Duration::from_secs(5));
        assert_eq!(out.describe(), "exit code 0");
    }

    #[test]
    fn exit_codes() {
        let out = run_with_timeout(sh("echo partial; exit 7"), Duration::from_secs(10)).unwrap();
        assert_eq!(out.status.code, Some(7));
        assert_eq!(out.status.signal, None);
        assert_eq!(out.stdout, "partial\n");
        assert!(!out.success());
        assert_eq!(out.describe(), "exit code 7");

        let out = run_with_timeout(sh("kill -SEGV $$"), Duration::from_secs(10)).unwrap();
        assert_eq!(out.status.code, None);
        assert_eq!(out.status.signal, Some(libc::SIGSEGV));
        assert!(!out.timed_out);
        assert_eq!(out.describe(), "killed by signal 11 (SIGSEGV)");
    }

    #[test]
    fn timeout_kills() {
        let start = Instant::now();
        let mut cmd = Command::new("sleep");
        cmd.arg("10");
        let out = run_with_timeout(cmd, Duration::from_millis(300)).unwrap();
        assert!(out.timed_out);
        assert!(!out.success());
        assert_eq!(out.status.signal, Some(libc::SIGKILL));
        assert!(out.duration >= Duration::from_millis(300));
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert!(
            out.describe().starts_with("timed out after 0."),
            "{}",
            out.describe()
        );
    }

    #[test]
    fn output_before_timeout_is_kept() {
        let out =
            run_with_timeout(sh("echo started; sleep 10"), Duration::from_millis(300)).unwrap();
        assert!(out.timed_out);
        assert_eq!(out.stdout, "started\n");
    }

    #[test]
    fn big_output_on_both_streams() {
        let script = "head -c 1048576 /dev/zero | tr '\\0' a; \
                      head -c 1048576 /dev/zero | tr '\\0' b >&2; \
                      head -c 1048576 /dev/zero | tr '\\0' c";
        let out = run_with_timeout(sh(script), Duration::from_secs(30)).unwrap();
        assert!(out.success(), "{}", out.describe());
        assert_eq!(out.stdout.len(), 2 * 1048576);
        assert!(out.stdout[..1048576].bytes().all(|b| b == b'a'));
        assert!(out.stdout[1048576..].bytes().all(|b| b == b'c'));
        assert_eq!(out.stderr.len(), 1048576);
    }

    #[test]
    fn grandchild_is_killed_with_the_group() {
        let start = Instant::now();
        let out =
            run_with_timeout(sh("sleep 10 & echo $!; wait"), Duration::from_millis(300)).unwrap();
        assert!(out.timed_out);
        // The grandchild held the stdout pipe; had it survived, the reader would
        // have waited out the grace period.
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        let grandchild: i32 = out.stdout.trim().parse().unwrap();
        assert!(wait_dead(grandchild), "grandchild {grandchild} survived");
    }

    #[test]
    fn leftovers_are_killed_after_a_normal_exit() {
        let start = Instant::now();
        let out = run_with_timeout(sh("sleep 10 & echo $!"), Duration::from_secs(10)).unwrap();
        assert!(!out.timed_out);
        assert!(out.success());
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        let grandchild: i32 = out.stdout.trim().parse().unwrap();
        assert!(
            wait_dead(grandchild),
            "background process {grandchild} survived"
        );
    }

    #[test]
    fn stdin_is_empty_and_spawn_errors_surface() {
        let out = run_with_timeout(Command::new("cat"), Duration::from_secs(10)).unwrap();
        assert!(out.success());
        assert_eq!(out.stdout, "");
        let err = run_with_timeout(
            Command::new("/nonexistent/definitely-not-a-program"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn durations_and_limits() {
        assert_eq!(parse_duration("120s").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 sec")
            .unwrap_err()
            .contains("unknown unit"));
        assert_eq!(format_limit(Duration::from_secs(300)), "300 s");
        assert_eq!(format_limit(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(format_limit(Duration::from_millis(250)), "250 ms");
        assert!(pid_alive(std::process::id()));
    }

    #[test]
    fn status_display() {
        let s = ProcessStatus {
            code: None,
            signal: Some(9),
        };
        assert_eq!(s.to_string(), "killed by signal 9 (SIGKILL)");
        let s = ProcessStatus {
            code: None,
            signal: Some(60),
        };
        assert_eq!(s.to_string(), "killed by signal 60");
        assert_eq!(signal_name(libc::SIGABRT), Some("SIGABRT"));
    }
}
