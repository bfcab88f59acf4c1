//! Finds every tool the pipeline runs (rustc and its sysroot, `ptx-rustc`,
//! `llvm-link`/`opt`/`llc`, `ptxas`, `nvdisasm`), each in one documented
//! precedence order, and says exactly which command installs whatever is missing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned nightly, from `rust-toolchain.toml`.
pub const PINNED_TOOLCHAIN: &str = "nightly-2026-05-20";

/// The PyPI package (and version) whose wheel carries ptxas 13.0.
pub const PTXAS_WHEEL: &str = "nvidia-cuda-nvcc==13.0.88";

/// The PyPI package (and version) whose wheel carries nvdisasm, the SASS
/// disassembler. PyPI has no nvdisasm wheel for CUDA 13.0 (the first is
/// 13.2.51), so this is the oldest CUDA 13 disassembler there is; it reads
/// the cubins ptxas 13.0 writes for every target of the matrix.
pub const NVDISASM_WHEEL: &str = "nvidia-cuda-nvdisasm==13.2.51";

/// The host triple the toolchain runs on.
pub const HOST_TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// A piece of setup that is missing or broken, with the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError {
    /// What is missing.
    pub what: String,
    /// Where it was looked for, in order.
    pub searched: Vec<String>,
    /// The command (or action) that installs it.
    pub fix: String,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} not found", self.what)?;
        for s in &self.searched {
            writeln!(f, "  looked in: {s}")?;
        }
        write!(f, "  fix: {}", self.fix)
    }
}

impl std::error::Error for SetupError {}

/// Every external tool the built-in pipeline needs, resolved to absolute paths.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The rustc sysroot of the pinned toolchain.
    pub sysroot: PathBuf,
    /// `rustc` in that sysroot.
    pub rustc: PathBuf,
    /// `cargo` beside it (used to build the device sysroot).
    pub cargo: PathBuf,
    /// The `ptx-rustc` driver.
    pub ptx_rustc: PathBuf,
    /// `llvm-link` from llvm-tools.
    pub llvm_link: PathBuf,
    /// `opt` from llvm-tools.
    pub opt: PathBuf,
    /// `llc` from llvm-tools.
    pub llc: PathBuf,
    /// `ptxas`, when found (validation is impossible without it).
    pub ptxas: Result<PathBuf, SetupError>,
    /// `nvdisasm`, when found (only the `sass` stage needs it).
    pub nvdisasm: Result<PathBuf, SetupError>,
    /// `rustc -vV`, the toolchain's identity for caches.
    pub rustc_version: String,
}

/// The environment variable that names the repository root.
pub const ROOT_ENV: &str = "PTX_HARNESS_ROOT";

/// Whether `dir` is this project's repository root: a `Cargo.toml` whose
/// `[workspace]` lists `harness` and `backend` as members, beside a `tests/`
/// folder. A crate folder (`harness/`) or another project never qualifies.
pub fn is_project_root(dir: &Path) -> bool {
    if !dir.join("tests").is_dir() {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        return false;
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return false;
    };
    let members = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array());
    let has = |name: &str| {
        members.is_some_and(|m| {
            m.iter()
                .any(|v| v.as_str().map(|s| s.trim_end_matches('/')) == Some(name))
        })
    };
    has("harness") && has("backend")
}

/// The nearest folder at or above `start` that [`is_project_root`].
pub fn find_root_above(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| is_project_root(d))
        .map(Path::to_path_buf)
}

/// Finds the repository root at run time, in this order:
///
/// 1. `explicit` (a `--root` option), which must hold a `tests/` folder;
/// 2. `PTX_HARNESS_ROOT`, likewise;
/// 3. upward from the current directory, the first folder that is this
///    project's root (see [`is_project_root`]);
/// 4. upward from the running executable (`target/debug/…` lives inside the
///    checkout it was built in, wherever that checkout is now).
///
/// No path compiled into the binary is used, so a copied or moved checkout
/// works on itself, never on the checkout it was built from.
pub fn discover_root(explicit: Option<&Path>) -> Result<PathBuf, SetupError> {
    discover_root_with(
        explicit,
        env_path(ROOT_ENV).as_deref(),
        std::env::current_dir().ok().as_deref(),
        std::env::current_exe().ok().as_deref(),
    )
}

/// [`discover_root`] with its inputs passed in, so the order can be tested.
pub fn discover_root_with(
    explicit: Option<&Path>,
    from_env: Option<&Path>,
    cwd: Option<&Path>,
    exe: Option<&Path>,
) -> Result<PathBuf, SetupError> {
    let fix = format!("run from inside the checkout, or pass --root DIR, or set {ROOT_ENV}=DIR");
    for (origin, dir) in [("--root", explicit), (ROOT_ENV, from_env)] {
        if let Some(dir) = dir {
            let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            if dir.join("tests").is_dir() {
                return Ok(dir);
            }
            return Err(SetupError {
                what: format!("the repository root given by {origin}"),
                searched: vec![format!("{} (has no tests/ folder)", dir.display())],
                fix: format!("point {origin} at the folder that holds tests/"),
            });
        }
    }
    let mut searched = vec![format!("--root and {ROOT_ENV} (unset)")];
    for (what, start) in [
        ("the current directory", cwd),
        ("the running executable", exe.and_then(Path::parent)),
    ] {
        if let Some(start) = start {
            if let Some(root) = find_root_above(start) {
                return Ok(root);
            }
            searched.push(format!("{what} and its parents: {}", start.display()));
        }
    }
    Err(SetupError {
        what: "the repository root (a Cargo.toml whose [workspace] has harness and backend, beside tests/)".into(),
        searched,
        fix,
    })
}

/// The repository root when there is one, else the current directory (a
/// `ptxc` or `cargo-ptx` installed outside any checkout).
fn root_or_cwd() -> PathBuf {
    discover_root(None)
        .or_else(|_| std::env::current_dir())
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// The checkout whose crates (`host-runtime`, the emulator, `ptx-rustc`),
/// `target/` and `tools/` serve a run: the repository root when it is a
/// whole checkout, else the checkout the running executable was built in.
/// `--root` may name a bare folder that only holds `tests/`; its trials are
/// then built with the harness's own checkout.
pub fn workspace_root() -> PathBuf {
    let root = root_or_cwd();
    if is_project_root(&root) {
        return root;
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(find_root_above))
        .unwrap_or(root)
}

/// The cargo target directory: `CARGO_TARGET_DIR`, else `target/` of the
/// [`workspace_root`] (found at run time).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

impl Toolchain {
    /// Resolves every tool. Precedence for each:
    ///
    /// - sysroot: `PTX_TOOLCHAIN_SYSROOT`, then the toolchain that built this
    ///   crate (recorded by build.rs), then `rustc --print sysroot` from PATH;
    /// - `llvm-link`, `opt`, `llc`: `PTX_LLVM_BIN` (a folder), then the sysroot's
    ///   `lib/rustlib/<host>/bin` (the `llvm-tools` component);
    /// - `ptx-rustc`: `PTX_RUSTC`, then beside the running executable (and its
    ///   parent, for test binaries in `deps/`), then `<target>/{debug,release}`;
    /// - `ptxas`: `PTXAS`, then `<repo>/tools/ptxas/nvidia/cu13/bin/ptxas`,
    ///   then PATH, then `$CUDA_HOME/bin/ptxas`;
    /// - `nvdisasm`: `NVDISASM`, then
    ///   `<repo>/tools/nvdisasm/nvidia/cu13/bin/nvdisasm`, then PATH, then
    ///   `$CUDA_HOME/bin/nvdisasm`. A missing one is an error only for a
    ///   compile that asks for the `sass` stage.
    pub fn discover() -> Result<Toolchain, SetupError> {
        let sysroot = find_sysroot()?;
        let rustc = sysroot.join("bin/rustc");
        let cargo = sysroot.join("bin/cargo");
        let rustc_version = run_capture(&rustc, &["-vV"]).map_err(|e| SetupError {
            what: format!("a working rustc ({e})"),
            searched: vec![rustc.display().to_string()],
            fix: "rustup toolchain install   (run in the repository root)".into(),
        })?;
        let rust_src = sysroot.join("lib/rustlib/src/rust/library/core");
        if !rust_src.is_dir() {
            return Err(SetupError {
                what: "the rust-src component (core's source, for the device sysroot)".into(),
                searched: vec![rust_src.display().to_string()],
                fix: format!("rustup component add rust-src --toolchain {PINNED_TOOLCHAIN}"),
            });
        }
        let llvm_bin = env_path("PTX_LLVM_BIN")
            .unwrap_or_else(|| sysroot.join(format!("lib/rustlib/{HOST_TRIPLE}/bin")));
        let llvm_tool = |name: &str| {
            let p = llvm_bin.join(name);
            if p.is_file() {
                Ok(p)
            } else {
                Err(SetupError {
                    what: format!("`{name}` (from the llvm-tools component)"),
                    searched: vec![format!("PTX_LLVM_BIN or {}", p.display())],
                    fix: format!("rustup component add llvm-tools --toolchain {PINNED_TOOLCHAIN}"),
                })
            }
        };
        Ok(Toolchain {
            llvm_link: llvm_tool("llvm-link")?,
            opt: llvm_tool("opt")?,
            llc: llvm_tool("llc")?,
            ptx_rustc: find_ptx_rustc()?,
            ptxas: find_ptxas(),
            nvdisasm: find_nvdisasm(),
            rustc,
            cargo,
            sysroot,
            rustc_version,
        })
    }

    /// `ptxas`, or the setup error explaining how to install it.
    pub fn ptxas(&self) -> Result<&Path, &SetupError> {
        self.ptxas.as_deref()
    }

    /// `nvdisasm`, or the setup error explaining how to install it.
    pub fn nvdisasm(&self) -> Result<&Path, &SetupError> {
        self.nvdisasm.as_deref()
    }

    /// The `release:` and `LLVM version:` lines of `rustc -vV`.
    pub fn short_version(&self) -> String {
        let field = |k: &str| {
            self.rustc_version
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .unwrap_or("?")
                .trim()
                .to_string()
        };
        format!(
            "rustc {} ({}), LLVM {}",
            field("release:"),
            field("commit-date:"),
            field("LLVM version:")
        )
    }

    /// The LLVM version reported by rustc.
    pub fn llvm_version(&self) -> String {
        self.rustc_version
            .lines()
            .find_map(|l| l.strip_prefix("LLVM version:"))
            .unwrap_or("unknown")
            .trim()
            .to_string()
    }

    /// `ptxas --version`'s last line, e.g. `Cuda compilation tools, release 13.0, V13.0.88`.
    pub fn ptxas_version(&self) -> Option<String> {
        ptxas_version_of(self.ptxas.as_ref().ok()?)
    }
}

/// The release line of `ptxas --version` ("Cuda compilation tools, release 13.0, V13.0.88").
pub fn ptxas_version_of(ptxas: &Path) -> Option<String> {
    let out = run_capture(ptxas, &["--version"]).ok()?;
    out.lines()
        .rev()
        .find(|l| l.contains("release"))
        .map(|l| l.trim().to_string())
}

fn find_sysroot() -> Result<PathBuf, SetupError> {
    let mut searched = Vec::new();
    if let Some(p) = env_path("PTX_TOOLCHAIN_SYSROOT") {
        if p.join("bin/rustc").is_file() {
            return Ok(p);
        }
        searched.push(format!("PTX_TOOLCHAIN_SYSROOT={}", p.display()));
    }
    let built_with = PathBuf::from(env!("PTX_BUILD_SYSROOT"));
    if built_with.join("bin/rustc").is_file() {
        return Ok(built_with);
    }
    searched.push(format!(
        "the toolchain that built the backend: {}",
        built_with.display()
    ));
    if let Ok(out) = run_capture(Path::new("rustc"), &["--print", "sysroot"]) {
        let p = PathBuf::from(out.trim());
        if p.join("bin/rustc").is_file() {
            return Ok(p);
        }
    }
    searched.push("`rustc --print sysroot` from PATH".into());
    Err(SetupError {
        what: format!("the Rust toolchain {PINNED_TOOLCHAIN}"),
        searched,
        fix:
            "rustup toolchain install   (run in the repository root; it reads rust-toolchain.toml)"
                .into(),
    })
}

fn find_ptx_rustc() -> Result<PathBuf, SetupError> {
    let mut searched = Vec::new();
    if let Some(p) = env_path("PTX_RUSTC") {
        if p.is_file() {
            return Ok(p);
        }
        searched.push(format!("PTX_RUSTC={}", p.display()));
    } else {
        searched.push("PTX_RUSTC (unset)".into());
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            candidates.push(dir.join("ptx-rustc"));
            if let Some(up) = dir.parent() {
                candidates.push(up.join("ptx-rustc"));
            }
        }
    }
    let target = target_dir();
    candidates.push(target.join("release/ptx-rustc"));
    candidates.push(target.join("debug/ptx-rustc"));
    for c in candidates {
        if c.is_file() {
            return Ok(c);
        }
        searched.push(c.display().to_string());
    }
    Err(SetupError {
        what: "the `ptx-rustc` driver".into(),
        searched,
        fix: "cargo build -p ptx-rustc   (or set PTX_RUSTC to its path)".into(),
    })
}

/// Finds ptxas: `PTXAS`, then `<tools>/ptxas/nvidia/cu13/bin/ptxas`, then PATH,
/// then `$CUDA_HOME/bin/ptxas`.
pub fn find_ptxas() -> Result<PathBuf, SetupError> {
    let (search, install) = tool_dirs();
    find_tool_with(&PTXAS_TOOL, &env_path, &search, &install, &|| {
        on_path("ptxas")
    })
}

/// Finds nvdisasm: `NVDISASM`, then `<tools>/nvdisasm/nvidia/cu13/bin/nvdisasm`,
/// then PATH, then `$CUDA_HOME/bin/nvdisasm`.
pub fn find_nvdisasm() -> Result<PathBuf, SetupError> {
    let (search, install) = tool_dirs();
    find_tool_with(&NVDISASM_TOOL, &env_path, &search, &install, &|| {
        on_path("nvdisasm")
    })
}

/// `nvdisasm --version`'s last line with `release` in it, or why there is none.
pub fn nvdisasm_version(nvdisasm: &Path) -> Result<String, String> {
    let out = run_capture(nvdisasm, &["--version"])?;
    Ok(out
        .lines()
        .rev()
        .find(|l| l.contains("release"))
        .unwrap_or("unknown version")
        .trim()
        .to_string())
}

/// A CUDA tool installed from a PyPI wheel into `<tools>/<folder>`.
struct CudaTool {
    /// The executable's name, also its name on PATH and in `$CUDA_HOME/bin`.
    name: &'static str,
    /// The environment variable that names it first.
    env_var: &'static str,
    /// The folder under `tools/` that `pip install --target` fills.
    folder: &'static str,
    /// The pinned wheel, `package==version`.
    wheel: &'static str,
    /// What needs it, for the error message.
    needed_for: &'static str,
}

const PTXAS_TOOL: CudaTool = CudaTool {
    name: "ptxas",
    env_var: "PTXAS",
    folder: "ptxas",
    wheel: PTXAS_WHEEL,
    needed_for: "",
};

const NVDISASM_TOOL: CudaTool = CudaTool {
    name: "nvdisasm",
    env_var: "NVDISASM",
    folder: "nvdisasm",
    wheel: NVDISASM_WHEEL,
    needed_for: " (the SASS disassembler, needed by the `sass` stage)",
};

/// Tool discovery with its inputs passed in, so the precedence can be tested.
fn find_tool_with(
    tool: &CudaTool,
    env: &dyn Fn(&str) -> Option<PathBuf>,
    tools: &[PathBuf],
    install: &Path,
    path_lookup: &dyn Fn() -> Option<PathBuf>,
) -> Result<PathBuf, SetupError> {
    let mut searched = Vec::new();
    if let Some(p) = env(tool.env_var) {
        if p.is_file() {
            return Ok(p);
        }
        searched.push(format!("{}={} (not a file)", tool.env_var, p.display()));
    } else {
        searched.push(format!("{} (unset)", tool.env_var));
    }
    for dir in tools {
        let in_tools = dir
            .join(tool.folder)
            .join("nvidia/cu13/bin")
            .join(tool.name);
        if in_tools.is_file() {
            return Ok(in_tools);
        }
        searched.push(in_tools.display().to_string());
    }
    if let Some(p) = path_lookup() {
        return Ok(p);
    }
    searched.push("PATH".into());
    if let Some(cuda) = env("CUDA_HOME") {
        let p = cuda.join("bin").join(tool.name);
        if p.is_file() {
            return Ok(p);
        }
        searched.push(p.display().to_string());
    } else {
        searched.push("CUDA_HOME (unset)".into());
    }
    Err(SetupError {
        what: format!("{}{}", tool.name, tool.needed_for),
        searched,
        fix: format!(
            "python3 -m pip install --target {} {}   (or run ./setup.sh in the checkout, or set {} or PTX_TOOLS_DIR)",
            install.join(tool.folder).display(),
            tool.wheel,
            tool.env_var
        ),
    })
}

/// The folder for downloaded tools: `PTX_TOOLS_DIR`, else `tools/` of the
/// [`workspace_root`].
pub fn tools_dir() -> PathBuf {
    env_path("PTX_TOOLS_DIR").unwrap_or_else(|| workspace_root().join("tools"))
}

/// The user-level tools folder that serves every crate and checkout:
/// `$XDG_DATA_HOME/ptx-conformance/tools`, else
/// `~/.local/share/ptx-conformance/tools`.
pub fn user_tools_dir() -> Option<PathBuf> {
    env_path("XDG_DATA_HOME")
        .or_else(|| env_path("HOME").map(|h| h.join(".local/share")))
        .map(|d| d.join("ptx-conformance/tools"))
}

/// Where pip-installed tools are looked for, in order, and where the error
/// message advises installing them. `PTX_TOOLS_DIR` alone when set; else
/// the run's checkout's `tools/`, the checkout this binary was built from
/// (a `cargo install`ed binary, or one built into a shared
/// `CARGO_TARGET_DIR`, is not inside it), and the user-level folder. The
/// advice is the checkout's folder when the run has one, else the
/// user-level folder, which serves every crate.
fn tool_dirs() -> (Vec<PathBuf>, PathBuf) {
    if let Some(p) = env_path("PTX_TOOLS_DIR") {
        return (vec![p.clone()], p);
    }
    let root = workspace_root();
    let mut dirs = vec![root.join("tools")];
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if is_project_root(&built) {
        dirs.push(built.join("tools"));
    }
    let user = user_tools_dir();
    dirs.extend(user.clone());
    let install = if is_project_root(&root) {
        root.join("tools")
    } else {
        user.unwrap_or_else(|| root.join("tools"))
    };
    dirs.dedup();
    (dirs, install)
}

/// Runs a tool and returns its stdout, or a one-line reason it failed.
pub fn run_capture(program: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {} exited with {}: {}",
            program.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_the_pinned_toolchain() {
        let tc = Toolchain::discover().expect("toolchain");
        assert!(tc.rustc.is_file());
        assert!(tc.llc.is_file() && tc.opt.is_file() && tc.llvm_link.is_file());
        assert!(tc.rustc_version.contains("nightly"), "{}", tc.rustc_version);
        assert!(tc.short_version().starts_with("rustc 1."));
    }

    /// A checkout-like folder: a workspace Cargo.toml with harness and
    /// backend, a `tests/` folder, and a `harness/` crate with its own `tests/`.
    fn fake_checkout(dir: &Path) {
        std::fs::create_dir_all(dir.join("tests/ui")).unwrap();
        std::fs::create_dir_all(dir.join("harness/tests")).unwrap();
        std::fs::create_dir_all(dir.join("target/debug/deps")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nmembers = [\"backend\", \"harness\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("harness/Cargo.toml"),
            "[package]\nname = \"ptx-harness\"\n",
        )
        .unwrap();
    }

    #[test]
    fn root_is_found_at_run_time_from_cwd_then_exe() {
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("copy");
        fake_checkout(&copy);
        // From a crate folder (cargo test's cwd) or deeper: the workspace root,
        // never `harness/` although it has a `tests/` folder.
        for cwd in ["harness", "harness/tests", "tests/ui", ""] {
            let start = copy.join(cwd);
            assert_eq!(
                discover_root_with(None, None, Some(&start), None).unwrap(),
                copy,
                "from {cwd}"
            );
        }
        // Outside any checkout: upward from the executable.
        let elsewhere = tmp.path().join("elsewhere/tests");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let exe = copy.join("target/debug/deps/conformance-1234");
        assert_eq!(
            discover_root_with(
                None,
                None,
                Some(tmp.path().join("elsewhere").as_path()),
                Some(&exe)
            )
            .unwrap(),
            copy
        );
        // A folder with only `tests/` (or another workspace) is not the root.
        std::fs::write(
            tmp.path().join("elsewhere/Cargo.toml"),
            "[workspace]\nmembers = [\"foo\"]\n",
        )
        .unwrap();
        let e = discover_root_with(None, None, Some(&elsewhere), Some(Path::new("/usr/bin/x")))
            .unwrap_err();
        assert!(e.to_string().contains("--root"), "{e}");
        assert!(e.to_string().contains("PTX_HARNESS_ROOT"), "{e}");
    }

    #[test]
    fn explicit_root_and_env_win_and_are_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        fake_checkout(&a);
        std::fs::create_dir_all(b.join("tests")).unwrap();
        let cwd = Some(a.as_path());
        assert_eq!(
            discover_root_with(Some(&b), Some(&a), cwd, None).unwrap(),
            b
        );
        assert_eq!(discover_root_with(None, Some(&b), cwd, None).unwrap(), b);
        // A --root without tests/ is an error, not a silent fallback.
        let e = discover_root_with(Some(&tmp.path().join("nowhere")), None, cwd, None).unwrap_err();
        assert!(e.to_string().contains("--root"), "{e}");
        assert!(e.to_string().contains("has no tests/"), "{e}");
    }

    /// The root of this very checkout, found from the test's cwd (the crate
    /// folder `backend/`), is the folder above it, and a copy of the manifest
    /// elsewhere is found as itself: nothing is fixed at build time.
    #[test]
    fn this_checkout_is_found_from_its_crate_folder() {
        let here = std::env::current_dir().unwrap();
        let root = discover_root(None).unwrap();
        assert!(
            here.starts_with(&root),
            "{} vs {}",
            here.display(),
            root.display()
        );
        assert!(is_project_root(&root));
        assert!(!is_project_root(&root.join("harness")));
        assert!(!is_project_root(&root.join("backend")));
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(root.join("Cargo.toml"), tmp.path().join("Cargo.toml")).unwrap();
        std::fs::create_dir_all(tmp.path().join("tests")).unwrap();
        assert_eq!(
            discover_root_with(
                None,
                None,
                Some(tmp.path()),
                std::env::current_exe().ok().as_deref()
            )
            .unwrap(),
            tmp.path()
        );
    }

    #[test]
    fn setup_error_names_the_fix() {
        let e = SetupError {
            what: "ptxas".into(),
            searched: vec!["PATH".into()],
            fix: "pip install".into(),
        };
        let s = e.to_string();
        assert!(s.contains("ptxas not found") && s.contains("looked in: PATH"));
        assert!(s.contains("fix: pip install"));
    }

    #[test]
    fn ptxas_precedence_env_then_tools_then_path_then_cuda_home() {
        let dir = tempfile::tempdir().unwrap();
        let make = |rel: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
            p
        };
        let env_ptxas = make("env/ptxas");
        let tools = dir.path().join("tools");
        let cuda = dir.path().join("cuda");
        let cuda_ptxas = make("cuda/bin/ptxas");
        let none = || None;
        let env_all = |k: &str| match k {
            "PTXAS" => Some(env_ptxas.clone()),
            "CUDA_HOME" => Some(cuda.clone()),
            _ => None,
        };
        assert_eq!(
            find_tool_with(
                &PTXAS_TOOL,
                &env_all,
                std::slice::from_ref(&tools),
                &tools,
                &none
            )
            .unwrap(),
            env_ptxas
        );
        // A PTXAS that points nowhere falls through, and CUDA_HOME is last.
        let env_bad = |k: &str| match k {
            "PTXAS" => Some(dir.path().join("missing")),
            "CUDA_HOME" => Some(cuda.clone()),
            _ => None,
        };
        assert_eq!(
            find_tool_with(
                &PTXAS_TOOL,
                &env_bad,
                std::slice::from_ref(&tools),
                &tools,
                &none
            )
            .unwrap(),
            cuda_ptxas
        );
        let on_path = || Some(PathBuf::from("/from/path/ptxas"));
        assert_eq!(
            find_tool_with(
                &PTXAS_TOOL,
                &env_bad,
                std::slice::from_ref(&tools),
                &tools,
                &on_path
            )
            .unwrap(),
            PathBuf::from("/from/path/ptxas")
        );
        let in_tools = make("tools/ptxas/nvidia/cu13/bin/ptxas");
        assert_eq!(
            find_tool_with(
                &PTXAS_TOOL,
                &env_bad,
                std::slice::from_ref(&tools),
                &tools,
                &on_path
            )
            .unwrap(),
            in_tools
        );
        // Nothing anywhere: every place is listed, and the fix is the pip command.
        let e = find_tool_with(
            &PTXAS_TOOL,
            &|_| None,
            &[dir.path().join("empty")],
            &dir.path().join("empty"),
            &none,
        )
        .unwrap_err();
        assert_eq!(e.searched.len(), 4, "{e}");
        assert!(e.fix.contains(PTXAS_WHEEL), "{e}");
        assert!(e.to_string().contains("PTXAS (unset)"), "{e}");
    }

    /// A binary outside its checkout (cargo install, a shared
    /// CARGO_TARGET_DIR) still finds the tools of a later folder in the
    /// search (its build checkout, the user-level folder), and the advice
    /// names the install folder it is given, with the variables.
    #[test]
    fn tools_are_found_in_every_searched_folder_and_the_advice_names_one() {
        let dir = tempfile::tempdir().unwrap();
        let crate_tools = dir.path().join("my-crate/tools");
        let user_tools = dir.path().join("user/tools");
        let p = user_tools.join("ptxas/nvidia/cu13/bin/ptxas");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "").unwrap();
        let none = || None;
        let dirs = [crate_tools.clone(), user_tools.clone()];
        assert_eq!(
            find_tool_with(&PTXAS_TOOL, &|_| None, &dirs, &user_tools, &none).unwrap(),
            p
        );
        std::fs::remove_file(&p).unwrap();
        let e = find_tool_with(&PTXAS_TOOL, &|_| None, &dirs, &user_tools, &none).unwrap_err();
        assert!(
            e.fix
                .contains(&user_tools.join("ptxas").display().to_string()),
            "{e}"
        );
        assert!(e.fix.contains("PTXAS or PTX_TOOLS_DIR"), "{e}");
        assert_eq!(e.searched.len(), 5, "both folders are listed: {e}");
        // This checkout is one of the folders even when the run's root is not a checkout.
        let (search, _) = tool_dirs();
        assert!(search.iter().any(|d| d.ends_with("tools")));
    }

    #[test]
    fn setup_sh_installs_the_pinned_wheels() {
        let setup = include_str!("../../setup.sh");
        assert!(
            setup.contains(PTXAS_WHEEL),
            "setup.sh and PTXAS_WHEEL disagree"
        );
        assert!(
            setup.contains(NVDISASM_WHEEL),
            "setup.sh and NVDISASM_WHEEL disagree"
        );
        assert!(setup.contains("--target tools/nvdisasm"));
    }

    #[test]
    fn nvdisasm_has_its_own_order_and_names_its_install_command() {
        let dir = tempfile::tempdir().unwrap();
        let make = |rel: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
            p
        };
        let tools = dir.path().join("tools");
        let none = || None;
        // Nothing anywhere: the error names every place and the pip command.
        let e = find_tool_with(
            &NVDISASM_TOOL,
            &|_| None,
            std::slice::from_ref(&tools),
            &tools,
            &none,
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("nvdisasm (the SASS disassembler"),
            "{text}"
        );
        assert!(text.contains("NVDISASM (unset)"), "{text}");
        assert!(
            text.contains(&format!(
                "python3 -m pip install --target {} {NVDISASM_WHEEL}",
                tools.join("nvdisasm").display()
            )),
            "{text}"
        );
        assert!(text.contains("CUDA_HOME (unset)"), "{text}");
        // ptxas's folder is not nvdisasm's.
        make("tools/ptxas/nvidia/cu13/bin/nvdisasm");
        assert!(find_tool_with(
            &NVDISASM_TOOL,
            &|_| None,
            std::slice::from_ref(&tools),
            &tools,
            &none
        )
        .is_err());
        let in_tools = make("tools/nvdisasm/nvidia/cu13/bin/nvdisasm");
        assert_eq!(
            find_tool_with(
                &NVDISASM_TOOL,
                &|_| None,
                std::slice::from_ref(&tools),
                &tools,
                &none
            )
            .unwrap(),
            in_tools
        );
        let from_env = make("env/nvdisasm");
        let env = |k: &str| (k == "NVDISASM").then(|| from_env.clone());
        assert_eq!(
            find_tool_with(
                &NVDISASM_TOOL,
                &env,
                std::slice::from_ref(&tools),
                &tools,
                &none
            )
            .unwrap(),
            from_env
        );
    }
}
