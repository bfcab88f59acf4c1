//! Compiles trials through the backend, through a content-addressed cache.
//!
//! The key hashes the source text, its path, the crate name, the sm target,
//! the cfgs and flags, and the backend's identity (toolchain, driver, options),
//! and for the jobs that ask for them the disassembler, a stop after rustc and
//! JSON diagnostics.
//! An entry is a folder holding the dumps and a manifest with each file's
//! SHA-256, sealed by a SHA-256 of the manifest itself (status, diagnostics,
//! kernels, commands, checksums): an entry whose manifest or files don't
//! match is discarded with a note and compiled again, never trusted. The
//! same key requested twice at once is compiled once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use ptx_backend::{Backend, CompileOutput, CompileRequest, CompileStatus, SmTarget, Stage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What to compile (the backend picks the output folder).
#[derive(Clone, Debug)]
pub struct CompileJob {
    /// The crate root.
    pub source: PathBuf,
    /// The crate name.
    pub crate_name: String,
    /// The target.
    pub sm: SmTarget,
    /// `--cfg` values.
    pub cfgs: Vec<String>,
    /// Extra flags.
    pub flags: Vec<String>,
    /// The hard limit per compile step (not part of the cache key: a result
    /// that hit it is never cached).
    pub timeout: std::time::Duration,
    /// Also produce the `sass` stage (disassemble ptxas's cubin).
    pub sass: bool,
    /// Stop after rustc (a `check-pass` ui test); part of the cache key.
    pub front_end_only: bool,
    /// rustc writes its diagnostics as JSON (the ui suite); part of the
    /// cache key, since the stored diagnostics are then JSON lines.
    pub json_diagnostics: bool,
    /// The asked-for stages among those the backend switches on only when
    /// asked ([`Backend::gated_stages`]); part of the cache key when any.
    pub stages: Vec<String>,
}

/// A finished compile.
#[derive(Debug)]
pub struct Compiled {
    /// The backend's result; stage paths point into the cache entry.
    pub output: CompileOutput,
    /// Whether it came from the cache.
    pub cached: bool,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    output: CompileOutput,
    /// File name → SHA-256 of every stage dump.
    checksums: BTreeMap<String, String>,
}

/// What `manifest.json` holds: the manifest, and the SHA-256 of its JSON
/// (compact, as serde_json writes the value), so that an edit anywhere in it
/// (the diagnostics, the status) is detected.
#[derive(Serialize, Deserialize)]
struct SealedManifest {
    manifest_sha256: String,
    manifest: serde_json::Value,
}

impl SealedManifest {
    fn seal(manifest: &Manifest) -> Result<SealedManifest> {
        let value = serde_json::to_value(manifest)?;
        Ok(SealedManifest {
            manifest_sha256: sha256_hex(&serde_json::to_vec(&value)?),
            manifest: value,
        })
    }

    /// The manifest, if its seal matches.
    fn open(bytes: &[u8]) -> Result<Manifest, String> {
        let sealed: SealedManifest =
            serde_json::from_slice(bytes).map_err(|e| format!("its manifest is not valid: {e}"))?;
        let text = serde_json::to_vec(&sealed.manifest).map_err(|e| e.to_string())?;
        if sha256_hex(&text) != sealed.manifest_sha256 {
            return Err("its manifest does not match its checksum (edited or torn)".into());
        }
        serde_json::from_value(sealed.manifest)
            .map_err(|e| format!("its manifest is not valid: {e}"))
    }
}

/// Why an entry was not used.
enum Unusable {
    /// No entry, or one that is never replayed (a kill, a timeout).
    Absent,
    /// An entry that fails verification: discarded with a note.
    Corrupt(String),
}

type Slot = Arc<OnceLock<Result<Arc<Compiled>, String>>>;

/// Stands for the entry folder in the commands a manifest stores, so that
/// "reproduce with" names the folder the files are in now (not the staging
/// folder they were compiled in, nor where the cache was before a move).
const ENTRY_PLACEHOLDER: &str = "{cache-entry}";

/// Staging folders older than this are removed even if their process id is
/// in use (it may have been reused).
const STALE_STAGING_AGE: Duration = Duration::from_secs(6 * 3600);

/// The compile cache of one run.
pub struct CompileCache {
    dir: PathBuf,
    enabled: bool,
    inflight: Mutex<HashMap<String, Slot>>,
    /// Compiles actually run (not served from the cache), for reports and tests.
    pub fresh_compiles: AtomicUsize,
    /// Distinct compiles requested in this run.
    pub distinct_requests: AtomicUsize,
}

/// A cache key: the first 16 bytes of SHA-256 over the parts, each ended by a
/// NUL so that no two different part lists hash the same text.
pub fn content_key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `sass <nvdisasm path> <version> <listing mode>`, computed once per
/// process: what a `sass` compile's output depends on beyond the backend's
/// identity (the mode is how the backend runs nvdisasm,
/// [`ptx_backend::sass::LISTING_MODE`]).
fn nvdisasm_identity() -> String {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let mode = ptx_backend::sass::LISTING_MODE;
        match ptx_backend::toolchain::find_nvdisasm() {
            Ok(p) => format!(
                "sass {} {} {mode}",
                p.display(),
                ptx_backend::toolchain::nvdisasm_version(&p).unwrap_or_else(|e| e)
            ),
            Err(_) => format!("sass (no nvdisasm) {mode}"),
        }
    })
    .clone()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl CompileCache {
    /// A cache under `dir`; with `enabled = false` every compile is fresh
    /// (into `dir` too, so dumps still exist for reports).
    pub fn new(dir: PathBuf, enabled: bool) -> Self {
        remove_stale_staging(&dir);
        CompileCache {
            dir,
            enabled,
            inflight: Mutex::new(HashMap::new()),
            fresh_compiles: AtomicUsize::new(0),
            distinct_requests: AtomicUsize::new(0),
        }
    }

    /// The folder the entries are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache key of a job under a backend.
    pub fn key(backend: &dyn Backend, job: &CompileJob, source_text: &str) -> String {
        // Only a front-end-only job adds a part, so full compiles keep
        // their keys (and their cache entries).
        let front_end_only: &[&str] = if job.front_end_only {
            &["front-end-only"]
        } else {
            &[]
        };
        let source = job.source.to_string_lossy();
        let (sm, cfgs, flags) = (job.sm.name(), job.cfgs.join("\x1f"), job.flags.join("\x1f"));
        let identity = backend.identity();
        let mut parts = vec![
            "ptx-harness-cache/v3",
            &identity,
            &source,
            source_text,
            &job.crate_name,
            &sm,
            &cfgs,
            &flags,
        ];
        // Only a compile with the `sass` stage depends on the disassembler, so
        // only its key names it (other keys stay as they were).
        let disassembler;
        if job.sass {
            disassembler = nvdisasm_identity();
            parts.push(&disassembler);
        }
        parts.extend_from_slice(front_end_only);
        // The stored diagnostics are JSON for such a job: a part of its own
        // keeps it from ever reading an entry that holds human text (and
        // the other suites' entries keep their keys).
        if job.json_diagnostics {
            parts.push("json-diagnostics");
        }
        // Only a job that switches a gated stage on adds a part, so other
        // keys stay as they were.
        let stages;
        if !job.stages.is_empty() {
            stages = format!("stages {}", job.stages.join(" "));
            parts.push(&stages);
        }
        content_key(&parts)
    }

    /// Compiles `job`, or returns the cached result.
    pub fn compile(&self, backend: &dyn Backend, job: &CompileJob) -> Result<Arc<Compiled>> {
        let text = std::fs::read_to_string(&job.source)
            .with_context(|| format!("cannot read {}", job.source.display()))?;
        let key = Self::key(backend, job, &text);
        let slot = self
            .inflight
            .lock()
            .unwrap()
            .entry(key.clone())
            .or_default()
            .clone();
        let result = slot.get_or_init(|| {
            self.load_or_build(backend, job, &key)
                .map(Arc::new)
                .map_err(|e| format!("{e:#}"))
        });
        result.clone().map_err(|e| anyhow::anyhow!(e))
    }

    fn load_or_build(
        &self,
        backend: &dyn Backend,
        job: &CompileJob,
        key: &str,
    ) -> Result<Compiled> {
        self.distinct_requests.fetch_add(1, Ordering::Relaxed);
        let entry = self.dir.join(key);
        if self.enabled {
            match load_entry(&entry) {
                Ok(output) => {
                    return Ok(Compiled {
                        output,
                        cached: true,
                    })
                }
                Err(Unusable::Corrupt(why)) => {
                    eprintln!(
                        "note: discarding the cache entry {}: {why}; compiling {} again",
                        entry.display(),
                        job.source.display()
                    );
                    let _ = std::fs::remove_dir_all(&entry);
                }
                Err(Unusable::Absent) => {}
            }
        }
        // One counter for the process, not per cache: two runs in one
        // process (the lane's, tests') must not share a staging folder.
        static STAGING: AtomicUsize = AtomicUsize::new(0);
        let n = STAGING.fetch_add(1, Ordering::Relaxed);
        let staging = self
            .dir
            .join(format!("{key}.tmp-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        let req = CompileRequest {
            source: job.source.clone(),
            crate_name: job.crate_name.clone(),
            sm: job.sm,
            cfgs: job.cfgs.clone(),
            flags: job.flags.clone(),
            out_dir: staging.clone(),
            timeout: job.timeout,
            sass: job.sass,
            front_end_only: job.front_end_only,
            json_diagnostics: job.json_diagnostics,
            stages: job.stages.clone(),
        };
        self.fresh_compiles.fetch_add(1, Ordering::Relaxed);
        let output = match backend.compile(&req) {
            Ok(o) => o,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        if !output.status.is_cacheable() {
            // A kill or a timeout says nothing about the input: never cache
            // it. Its files stay for inspection in `<key>.uncached`, which no
            // lookup reads and the next such result replaces.
            let kept = self.dir.join(format!("{key}.uncached"));
            let _ = std::fs::remove_dir_all(&kept);
            let output = match std::fs::rename(&staging, &kept) {
                Ok(()) => rebase(&output, &staging, &kept),
                Err(_) => output,
            };
            return Ok(Compiled {
                output,
                cached: false,
            });
        }
        let mut checksums = BTreeMap::new();
        for path in output.stages.values().chain(output.custom_stages.values()) {
            let bytes = std::fs::read(path)?;
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            checksums.insert(name, sha256_hex(&bytes));
        }
        let mut stored = relativize(&output, &staging);
        let staging_text = staging.to_string_lossy();
        for c in &mut stored.commands {
            *c = c.replace(staging_text.as_ref(), ENTRY_PLACEHOLDER);
        }
        let manifest = Manifest {
            output: stored,
            checksums,
        };
        std::fs::write(
            staging.join("manifest.json"),
            serde_json::to_vec_pretty(&SealedManifest::seal(&manifest)?)?,
        )?;
        // Publish by rename. If another process published the same key first,
        // its entry is as good as ours, unless it is corrupt: then replace it.
        if std::fs::rename(&staging, &entry).is_err() {
            if load_entry(&entry).is_err() {
                let _ = std::fs::remove_dir_all(&entry);
                let _ = std::fs::rename(&staging, &entry);
            }
            let _ = std::fs::remove_dir_all(&staging);
        }
        match load_entry(&entry) {
            Ok(output) => Ok(Compiled {
                output,
                cached: false,
            }),
            Err(Unusable::Corrupt(why)) => {
                anyhow::bail!(
                    "the cache entry {} could not be read back: {why}",
                    entry.display()
                )
            }
            Err(Unusable::Absent) => {
                anyhow::bail!("the cache entry {} could not be read back", entry.display())
            }
        }
    }
}

/// Moves every path of `out` from `from` to `to` (stage files and commands).
fn rebase(out: &CompileOutput, from: &Path, to: &Path) -> CompileOutput {
    let mut o = relativize(out, from);
    o.stages = o.stages.into_iter().map(|(s, p)| (s, to.join(p))).collect();
    o.custom_stages = o
        .custom_stages
        .into_iter()
        .map(|(s, p)| (s, to.join(p)))
        .collect();
    let (from, to) = (from.to_string_lossy(), to.to_string_lossy());
    for c in &mut o.commands {
        *c = c.replace(from.as_ref(), to.as_ref());
    }
    o
}

/// Removes staging folders (`<key>.tmp-<pid>-<n>`) that a killed run left
/// behind: those whose process is gone, and any older than
/// [`STALE_STAGING_AGE`]. Also the host builder's `<key>.tmp-<pid>`.
pub fn remove_stale_staging(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((_, rest)) = name.split_once(".tmp-") else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_STAGING_AGE);
        let ours = pid == std::process::id();
        if !ours && (old || !ptx_backend::process::pid_alive(pid)) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn relativize(out: &CompileOutput, base: &Path) -> CompileOutput {
    let mut o = out.clone();
    let rel = |p: &PathBuf| {
        p.strip_prefix(base)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.clone())
    };
    o.stages = out.stages.iter().map(|(s, p)| (*s, rel(p))).collect();
    o.custom_stages = out
        .custom_stages
        .iter()
        .map(|(s, p)| (s.clone(), rel(p)))
        .collect();
    o
}

/// The compile a cache entry folder holds, verified as a lookup verifies
/// it (for reports that show a trial's stage dumps); why not, otherwise.
pub fn read_entry(entry: &Path) -> Result<CompileOutput, String> {
    load_entry(entry).map_err(|e| match e {
        Unusable::Absent => {
            "it holds no stored compile (a compile killed or timed out is never stored)".into()
        }
        Unusable::Corrupt(why) => why,
    })
}

/// Reads an entry, verifying the manifest against its seal and every file
/// against the manifest.
fn load_entry(entry: &Path) -> Result<CompileOutput, Unusable> {
    let bytes = match std::fs::read(entry.join("manifest.json")) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !entry.exists() => {
            return Err(Unusable::Absent)
        }
        Err(e) => return Err(Unusable::Corrupt(format!("cannot read its manifest: {e}"))),
    };
    let manifest = SealedManifest::open(&bytes).map_err(Unusable::Corrupt)?;
    let mut out = manifest.output;
    // A kill, a timeout or a signal death (`exit_code: None`, as older
    // versions stored it) is never replayed.
    if !out.status.is_cacheable() || out.status == (CompileStatus::RustcFailed { exit_code: None })
    {
        return Err(Unusable::Absent);
    }
    let verified = |rel: &PathBuf| -> Result<PathBuf, Unusable> {
        let path = entry.join(rel);
        let data = std::fs::read(&path)
            .map_err(|e| Unusable::Corrupt(format!("cannot read {}: {e}", rel.display())))?;
        let name = rel
            .file_name()
            .ok_or_else(|| Unusable::Corrupt(format!("bad stage path {}", rel.display())))?
            .to_string_lossy()
            .to_string();
        if manifest.checksums.get(&name) != Some(&sha256_hex(&data)) {
            return Err(Unusable::Corrupt(format!(
                "{name} does not match its checksum"
            )));
        }
        Ok(path)
    };
    let mut stages: BTreeMap<Stage, PathBuf> = BTreeMap::new();
    for (stage, rel) in &out.stages {
        stages.insert(*stage, verified(rel)?);
    }
    let mut custom: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (stage, rel) in &out.custom_stages {
        custom.insert(stage.clone(), verified(rel)?);
    }
    // Files in the folder that the manifest does not list are not part of
    // the entry; only what it lists is read.
    out.stages = stages;
    out.custom_stages = custom;
    let here = entry.to_string_lossy();
    for c in &mut out.commands {
        *c = c.replace(ENTRY_PLACEHOLDER, &here);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A backend that writes one PTX file whose text depends on the request.
    struct Fake {
        calls: AtomicUsize,
    }

    impl Backend for Fake {
        fn name(&self) -> &str {
            "fake"
        }
        fn identity(&self) -> String {
            "fake/1".into()
        }
        fn versions(&self) -> BTreeMap<String, String> {
            BTreeMap::new()
        }
        fn compile(&self, req: &CompileRequest) -> Result<CompileOutput> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(50));
            let p = req.out_dir.join("k.ptx");
            std::fs::write(&p, format!("{} {:?}", req.sm, req.cfgs))?;
            Ok(CompileOutput {
                status: CompileStatus::Succeeded,
                diagnostics: String::new(),
                stages: [(Stage::Ptx, p)].into_iter().collect(),
                custom_stages: BTreeMap::new(),
                kernels: vec![],
                timings: vec![],
                commands: vec![],
            })
        }
    }

    /// A backend whose compile is killed by SIGKILL the first `crashes` times.
    struct Crashy {
        calls: AtomicUsize,
        crashes: usize,
    }

    /// A backend whose compile always crashes on its own (llc's `LLVM
    /// ERROR` aborts), counting its calls.
    struct Aborts {
        calls: AtomicUsize,
    }

    impl Backend for Aborts {
        fn name(&self) -> &str {
            "aborts"
        }
        fn identity(&self) -> String {
            "aborts/1".into()
        }
        fn versions(&self) -> BTreeMap<String, String> {
            BTreeMap::new()
        }
        fn compile(&self, req: &CompileRequest) -> Result<CompileOutput> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let p = req.out_dir.join("k.ll");
            std::fs::write(&p, "ir")?;
            Ok(CompileOutput {
                status: CompileStatus::Killed {
                    step: "llc".into(),
                    signal: "SIGABRT".into(),
                    message: "LLVM ERROR: Unsupported scope".into(),
                },
                diagnostics: String::new(),
                stages: [(Stage::LlvmIr, p)].into_iter().collect(),
                custom_stages: BTreeMap::new(),
                kernels: vec![],
                timings: vec![],
                commands: vec![format!("cd {} && llc k.ll", req.out_dir.display())],
            })
        }
    }

    /// A crash the tool raised itself is the input's result: the second run
    /// replays it from the cache (the build-fail tests that pin llc's
    /// aborts compiled again on every warm run).
    #[test]
    fn a_tool_crashing_on_its_own_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        let be = Aborts {
            calls: AtomicUsize::new(0),
        };
        let j = job(dir.path(), "sm_80");
        let a = compile_anew(dir.path(), &be, &j);
        assert!(!a.cached);
        let b = compile_anew(dir.path(), &be, &j);
        assert!(b.cached, "the abort is replayed");
        assert_eq!(b.output.status, a.output.status);
        assert_eq!(be.calls.load(Ordering::SeqCst), 1);
    }

    impl Backend for Crashy {
        fn name(&self) -> &str {
            "crashy"
        }
        fn identity(&self) -> String {
            "crashy/1".into()
        }
        fn versions(&self) -> BTreeMap<String, String> {
            BTreeMap::new()
        }
        fn compile(&self, req: &CompileRequest) -> Result<CompileOutput> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let p = req.out_dir.join("k.ptx");
            std::fs::write(&p, "ptx")?;
            let status = if n < self.crashes {
                CompileStatus::Killed {
                    step: "rustc".into(),
                    signal: "SIGKILL".into(),
                    message: String::new(),
                }
            } else {
                CompileStatus::Succeeded
            };
            Ok(CompileOutput {
                status,
                diagnostics: String::new(),
                stages: [(Stage::Ptx, p)].into_iter().collect(),
                custom_stages: BTreeMap::new(),
                kernels: vec![],
                timings: vec![],
                commands: vec![format!("cd {} && rustc k.rs", req.out_dir.display())],
            })
        }
    }

    #[test]
    fn kills_and_timeouts_are_never_cached() {
        let dir = tempfile::tempdir().unwrap();
        let be = Crashy {
            calls: AtomicUsize::new(0),
            crashes: 1,
        };
        let j = job(dir.path(), "sm_80");
        let a = compile_anew(dir.path(), &be, &j);
        assert!(matches!(a.output.status, CompileStatus::Killed { .. }));
        // Its files are kept where "reproduce with" points, outside the cache.
        let cmd = &a.output.commands[0];
        let folder = cmd.strip_prefix("cd ").unwrap().split(' ').next().unwrap();
        assert!(Path::new(folder).is_dir(), "{cmd}");
        assert!(!folder.contains(".tmp-"), "{cmd}");
        assert!(a.output.stages[&Stage::Ptx].is_file());
        // The next run compiles again, and the success is cached.
        let b = compile_anew(dir.path(), &be, &j);
        assert_eq!(b.output.status, CompileStatus::Succeeded);
        assert!(!b.cached);
        let c = compile_anew(dir.path(), &be, &j);
        assert!(c.cached);
        assert_eq!(be.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn reproduce_commands_name_the_entry_not_the_staging_folder() {
        let dir = tempfile::tempdir().unwrap();
        let be = Crashy {
            calls: AtomicUsize::new(0),
            crashes: 0,
        };
        let j = job(dir.path(), "sm_80");
        for _ in 0..2 {
            let a = compile_anew(dir.path(), &be, &j);
            let entry = a.output.stages[&Stage::Ptx].parent().unwrap().to_path_buf();
            assert_eq!(
                a.output.commands[0],
                format!("cd {} && rustc k.rs", entry.display())
            );
        }
    }

    #[test]
    fn stored_crashes_from_older_versions_are_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let be = Crashy {
            calls: AtomicUsize::new(0),
            crashes: 0,
        };
        let j = job(dir.path(), "sm_80");
        let a = compile_anew(dir.path(), &be, &j);
        let entry = a.output.stages[&Stage::Ptx].parent().unwrap().to_path_buf();
        let m = entry.join("manifest.json");
        let text = std::fs::read_to_string(&m).unwrap().replace(
            "\"status\": \"succeeded\"",
            "\"status\": \"rustc-failed\",\n      \"exit_code\": null",
        );
        assert!(text.contains("rustc-failed"), "{text}");
        std::fs::write(&m, text).unwrap();
        let b = compile_anew(dir.path(), &be, &j);
        assert!(!b.cached);
    }

    #[test]
    fn staging_left_by_dead_runs_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        // A pid that cannot exist (above the kernel's pid_max limit).
        let dead = cache.join("abc.tmp-2147483600-0");
        let host_dead = cache.join("abd.tmp-2147483600");
        let live = cache.join(format!("abe.tmp-{}-0", std::os::unix::process::parent_id()));
        let entry = cache.join("abf");
        for d in [&dead, &host_dead, &live, &entry] {
            std::fs::create_dir_all(d).unwrap();
        }
        let _ = CompileCache::new(cache.clone(), true);
        assert!(!dead.exists() && !host_dead.exists());
        assert!(live.exists() && entry.exists());
    }

    /// Compiles `j` through a new cache over `<dir>/cache`, as the next run
    /// of the harness would (nothing in memory from an earlier one).
    fn compile_anew(dir: &Path, be: &dyn Backend, j: &CompileJob) -> Arc<Compiled> {
        CompileCache::new(dir.join("cache"), true)
            .compile(be, j)
            .unwrap()
    }

    fn job(dir: &Path, sm: &str) -> CompileJob {
        let source = dir.join("k.rs");
        if !source.exists() {
            std::fs::write(&source, "fn a() {}").unwrap();
        }
        CompileJob {
            source,
            crate_name: "k".into(),
            sm: sm.parse().unwrap(),
            cfgs: vec![],
            flags: vec![],
            timeout: ptx_backend::process::DEFAULT_COMPILE_TIMEOUT,
            sass: false,
            front_end_only: false,
            json_diagnostics: false,
            stages: vec![],
        }
    }

    #[test]
    fn a_sass_compile_has_its_own_key_and_others_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let be = Fake {
            calls: AtomicUsize::new(0),
        };
        let plain = job(dir.path(), "sm_80");
        let sass = CompileJob {
            sass: true,
            ..plain.clone()
        };
        let k = |j: &CompileJob| CompileCache::key(&be, j, "fn a() {}");
        assert_ne!(k(&plain), k(&sass));
        assert_eq!(k(&sass), k(&sass.clone()));
        // The sass key names how the listing is printed, so an entry printed
        // another way (another nvdisasm command line) is never served.
        assert!(nvdisasm_identity().ends_with(ptx_backend::sass::LISTING_MODE));
        // JSON diagnostics (the ui suite) are stored as JSON: their own key.
        let json = CompileJob {
            json_diagnostics: true,
            ..plain.clone()
        };
        assert_ne!(k(&plain), k(&json));
        // A job without the sass stage hashes exactly the parts it always did.
        let before = content_key(&[
            "ptx-harness-cache/v3",
            &be.identity(),
            &plain.source.to_string_lossy(),
            "fn a() {}",
            "k",
            "sm_80",
            "",
            "",
        ]);
        assert_eq!(k(&plain), before);
    }

    #[test]
    fn second_compile_is_served_from_cache_and_edits_miss() {
        let dir = tempfile::tempdir().unwrap();
        let be = Fake {
            calls: AtomicUsize::new(0),
        };
        let cache = CompileCache::new(dir.path().join("cache"), true);
        let j = job(dir.path(), "sm_80");
        let a = cache.compile(&be, &j).unwrap();
        assert!(!a.cached);
        // A new cache object (a new run) finds the entry on disk.
        let cache2 = CompileCache::new(dir.path().join("cache"), true);
        let b = cache2.compile(&be, &j).unwrap();
        assert!(b.cached);
        assert_eq!(be.calls.load(Ordering::SeqCst), 1);
        assert_eq!(
            std::fs::read_to_string(&b.output.stages[&Stage::Ptx]).unwrap(),
            "sm_80 []"
        );
        // Editing the source, or another sm, misses.
        std::fs::write(&j.source, "fn b() {}").unwrap();
        assert!(!cache2.compile(&be, &j).unwrap().cached);
        assert!(
            !cache2
                .compile(&be, &job(dir.path(), "sm_90"))
                .unwrap()
                .cached
        );
        assert_eq!(be.calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn edited_manifests_are_discarded_and_recompiled() {
        let dir = tempfile::tempdir().unwrap();
        let be = Fake {
            calls: AtomicUsize::new(0),
        };
        let j = job(dir.path(), "sm_80");
        let a = compile_anew(dir.path(), &be, &j);
        let entry = a.output.stages[&Stage::Ptx].parent().unwrap().to_path_buf();
        let manifest = entry.join("manifest.json");
        let text = std::fs::read_to_string(&manifest).unwrap();
        // Forge the diagnostics (as if the compiler had said so) and the status.
        assert!(text.contains("\"diagnostics\": \"\""), "{text}");
        let forged = text
            .replace(
                "\"diagnostics\": \"\"",
                "\"diagnostics\": \"error: forged\"",
            )
            .replace("\"Succeeded\"", "{\"RustcFailed\": {\"exit_code\": 1}}");
        assert_ne!(forged, text);
        std::fs::write(&manifest, forged).unwrap();
        let b = compile_anew(dir.path(), &be, &j);
        assert!(!b.cached, "an edited manifest was trusted");
        assert_eq!(b.output.diagnostics, "");
        assert_eq!(b.output.status, CompileStatus::Succeeded);
        assert_eq!(be.calls.load(Ordering::SeqCst), 2);
        // The rebuilt entry is served again.
        assert!(compile_anew(dir.path(), &be, &j).cached);
        // A manifest without its seal (an older format) is not trusted either.
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
        std::fs::write(&manifest, serde_json::to_vec(&value["manifest"]).unwrap()).unwrap();
        assert!(!compile_anew(dir.path(), &be, &j).cached);
    }

    /// An external backend whose config points at another rustc must not
    /// reuse what the first one compiled; one whose `.so` does not load into
    /// its rustc is a setup error at start-up, not a failing compile. Its
    /// custom stages survive the cache, and a job that switches a gated
    /// stage on has its own key.
    #[test]
    fn external_backends_key_on_their_rustc_and_config() {
        use ptx_backend::external::ExternalBackend;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libfake.so"), "so").unwrap();
        let write_rustc = |name: &str, version: &str| {
            let rustc = dir.path().join(name);
            std::fs::write(
                &rustc,
                format!(
                    "#!/bin/sh\ncase \"$1\" in -V|-vV) echo 'rustc {version}'; exit 0;; esac\n\
                     for a; do [ \"$a\" = --print ] && {{ echo /sysroot; exit 0; }}; done\n\
                     [ \"$SHOW_MIR\" = 1 ] && {{ echo '=== MIR ===' >&2; echo mir >&2; }}\n\
                     echo '=== dialect ===' >&2; echo dialect >&2; echo '=== end ===' >&2\n\
                     printf '.version 7.8\\n' > \"$FAKE_DIR/k.ptx\"\n"
                ),
            )
            .unwrap();
            std::fs::set_permissions(&rustc, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            rustc
        };
        let backend = |rustc: &str| {
            let p = dir.path().join("backend.toml");
            std::fs::write(
                &p,
                format!(
                    "name = 'fake'\nrustc = '{rustc}'\nout_dir_env = 'FAKE_DIR'\nvalidate = false\n\
                     [codegen_backend]\nfile_name = 'libfake.so'\npath = 'libfake.so'\n\
                     [stages.ptx]\nfile = 'k.ptx'\n\
                     [stages.mir]\nstderr_banner = '^=== MIR'\nenv = {{ SHOW_MIR = '1' }}\n\
                     [stages.dialect-mir]\nstderr_banner = '^=== dialect'\n"
                ),
            )
            .unwrap();
            ExternalBackend::from_config_file(&p)
        };
        let j = job(dir.path(), "sm_80");
        let good = backend(&write_rustc("rustc-1", "1.0.0-fake").to_string_lossy()).unwrap();
        let a = compile_anew(dir.path(), &good, &j);
        assert_eq!(a.output.status, CompileStatus::Succeeded);
        assert!(!a.output.stages.contains_key(&Stage::Mir));
        let b = compile_anew(dir.path(), &good, &j);
        assert!(b.cached);
        assert_eq!(
            std::fs::read_to_string(b.output.stage_path("dialect-mir").unwrap()).unwrap(),
            "dialect\n"
        );
        // Asking for the gated stage is another compile, with the stage.
        let with_mir = CompileJob {
            stages: vec!["mir".into()],
            ..j.clone()
        };
        let c = compile_anew(dir.path(), &good, &with_mir);
        assert!(!c.cached);
        assert_eq!(
            std::fs::read_to_string(&c.output.stages[&Stage::Mir]).unwrap(),
            "mir\n"
        );
        // Another rustc (`rustc -vV`) is another identity.
        let other = backend(&write_rustc("rustc-2", "2.0.0-fake").to_string_lossy()).unwrap();
        assert!(!compile_anew(dir.path(), &other, &j).cached);
        let e = format!("{:#}", backend("/nonexistent/rustc").unwrap_err());
        assert!(
            e.contains("does not load into rustc /nonexistent/rustc"),
            "{e}"
        );
    }

    #[test]
    fn corrupt_entries_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let be = Fake {
            calls: AtomicUsize::new(0),
        };
        let j = job(dir.path(), "sm_80");
        let a = compile_anew(dir.path(), &be, &j);
        std::fs::write(&a.output.stages[&Stage::Ptx], "tampered").unwrap();
        let b = compile_anew(dir.path(), &be, &j);
        assert!(!b.cached);
        assert_eq!(
            std::fs::read_to_string(&b.output.stages[&Stage::Ptx]).unwrap(),
            "sm_80 []"
        );
        // A truncated manifest too.
        let entry = b.output.stages[&Stage::Ptx].parent().unwrap().to_path_buf();
        std::fs::write(entry.join("manifest.json"), "{").unwrap();
        assert!(!compile_anew(dir.path(), &be, &j).cached);
    }

    #[test]
    fn concurrent_duplicates_compile_once() {
        let dir = tempfile::tempdir().unwrap();
        let be = Fake {
            calls: AtomicUsize::new(0),
        };
        let cache = CompileCache::new(dir.path().join("cache"), true);
        let j = job(dir.path(), "sm_80");
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| cache.compile(&be, &j).unwrap());
            }
        });
        assert_eq!(be.calls.load(Ordering::SeqCst), 1);
    }
}
