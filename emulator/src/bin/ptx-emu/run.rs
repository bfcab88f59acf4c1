//! `ptx-emu run`: runs a program with the emulator's driver library as its
//! `libcuda`. The library goes into a folder of its own, named by its
//! content, as `libcuda.so` and `libcuda.so.1`; that folder is put first on
//! the loader's path, so the program (and any child it starts, and NVRTC)
//! loads the emulator instead of a GPU driver.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Args;

use ptx_emu::libdir::LIB_FILE;

#[derive(Args)]
pub struct RunArgs {
    /// The architecture the device reports, e.g. sm_90a (default: sm_80, or PTX_EMU_SM).
    #[arg(long)]
    sm: Option<String>,
    /// How threads interleave: `in-order` or `shuffle:<seed>` (default: in-order, or PTX_EMU_SCHEDULE).
    #[arg(long)]
    schedule: Option<String>,
    /// Exit with this code when the emulator detected an error (a kernel fault, a refused call),
    /// whatever the program's own exit status; as compute-sanitizer's --error-exitcode.
    #[arg(long, value_name = "N")]
    error_exitcode: Option<u8>,
    /// Sanitizer tools beyond memcheck, which is always on: `racecheck`
    /// (shared- and global-memory hazards), `initcheck` (a device read of
    /// memory nothing wrote), `synccheck` (barriers reached by part of a
    /// warp, bad barrier counts), or `all`; several with commas.
    #[arg(long, value_name = "TOOL", value_delimiter = ',', value_parser = ptx_emu::exec::TOOLS)]
    tool: Vec<String>,
    /// Let kernels reach the host program's ordinary memory (its stack and
    /// heap), as a GPU with HMM does; off by default, as on a GPU without it.
    #[arg(long)]
    hmm: bool,
    /// Write the emulator's own messages here instead of stderr.
    #[arg(long, value_name = "FILE")]
    log_file: Option<PathBuf>,
    /// The emulator's driver library (default: PTX_EMU_LIB, else libptx_emu_cuda.so beside this executable).
    #[arg(long, value_name = "SO")]
    lib: Option<PathBuf>,
    /// The program and its arguments.
    #[arg(required = true, last = true, value_name = "PROGRAM")]
    program: Vec<String>,
}

/// The driver library to load: `--lib`, `PTX_EMU_LIB`, or beside this executable.
fn find_lib(arg: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = arg.or_else(|| std::env::var_os("PTX_EMU_LIB").map(PathBuf::from)) {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "the emulator library {} does not exist",
                p.display()
            ))
        };
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate ptx-emu itself: {e}"))?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    // `target/debug/ptx-emu` sits beside `target/debug/libptx_emu_cuda.so`.
    let beside = dir.join(LIB_FILE);
    if beside.is_file() {
        Ok(beside)
    } else {
        Err(format!(
            "no emulator library beside {}: build it with `cargo build -p ptx-emu-cuda` (same profile), or name it with --lib or PTX_EMU_LIB",
            exe.display()
        ))
    }
}

/// `<under>/<content hash>/` holding the library as `libcuda.so` and
/// `libcuda.so.1` (see [`ptx_emu::libdir::publish`]).
pub fn library_folder(lib: &Path, under: &Path) -> Result<PathBuf, String> {
    let bytes = std::fs::read(lib).map_err(|e| format!("cannot read {}: {e}", lib.display()))?;
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    ptx_emu::libdir::publish(&bytes, under, &format!("{:016x}", h.finish()))
}

pub fn run(args: RunArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ptx-emu run: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: RunArgs) -> Result<ExitCode, String> {
    if let Some(sm) = &args.sm {
        ptx_emu::exec::Arch::parse(sm)
            .ok_or_else(|| format!("--sm {sm}: expected an sm target like sm_80 or sm_90a"))?;
    }
    if let Some(s) = &args.schedule {
        ptx_emu::exec::Schedule::parse(s).map_err(|e| format!("--schedule: {e}"))?;
    }
    let lib = find_lib(args.lib)?;
    let under = std::env::temp_dir().join("ptx-emu-libcuda");
    let dir = library_folder(&lib, &under)?;
    let errors = tempfile_path("errors");
    let _ = std::fs::remove_file(&errors);
    let mut path = dir.as_os_str().to_owned();
    if let Some(old) = std::env::var_os("LD_LIBRARY_PATH").filter(|v| !v.is_empty()) {
        path.push(":");
        path.push(old);
    }
    let (program, rest) = args.program.split_first().expect("clap requires PROGRAM");
    let mut cmd = Command::new(program);
    cmd.args(rest)
        .env("LD_LIBRARY_PATH", path)
        .env("PTX_EMU_ERROR_FILE", &errors);
    if let Some(sm) = &args.sm {
        cmd.env("PTX_EMU_SM", sm);
    }
    if let Some(s) = &args.schedule {
        cmd.env("PTX_EMU_SCHEDULE", s);
    }
    if let Some(f) = &args.log_file {
        cmd.env("PTX_EMU_LOG_FILE", f);
    }
    if !args.tool.is_empty() {
        cmd.env("PTX_EMU_TOOLS", args.tool.join(","));
    }
    if args.hmm {
        cmd.env("PTX_EMU_HMM", "1");
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let detected = std::fs::read_to_string(&errors)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    let _ = std::fs::remove_file(&errors);
    let summary = format!(
        "ptx-emu: ERROR SUMMARY: {detected} error{}\n",
        if detected == 1 { "" } else { "s" }
    );
    match &args.log_file {
        Some(f) => {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(f)
            {
                let _ = f.write_all(summary.as_bytes());
            }
        }
        None => eprint!("{summary}"),
    }
    if detected > 0 {
        if let Some(n) = args.error_exitcode {
            return Ok(ExitCode::from(n));
        }
    }
    Ok(match status.code() {
        Some(c) => ExitCode::from(c.clamp(0, 255) as u8),
        None => {
            use std::os::unix::process::ExitStatusExt;
            eprintln!(
                "ptx-emu run: {program} was killed by signal {}",
                status.signal().unwrap_or(0)
            );
            ExitCode::from(128 + status.signal().unwrap_or(0).clamp(0, 127) as u8)
        }
    })
}

/// A per-process file in the temp folder.
fn tempfile_path(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ptx-emu-run-{}-{what}", std::process::id()))
}
