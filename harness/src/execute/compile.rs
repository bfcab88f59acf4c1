//! Compiles trials through the backend, through a content-addressed cache.
//!
//! The key hashes the source text, its path, the crate name, the sm target,
//! the cfgs and flags, and the backend's identity (toolchain, driver, options).
//! An entry is a folder holding the dumps and a manifest with each file's
//! SHA-256; an entry whose files don't match the manifest is rebuilt, never
//! trusted. The same key requested twice at once is compiled once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, Result};
use ptx_backend::{Backend, CompileOutput, CompileRequest, SmTarget, Stage};
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
    /// Also produce the `sass` stage (disassemble ptxas's cubin).
    pub sass: bool,
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

type Slot = Arc<OnceLock<Result<Arc<Compiled>, String>>>;

/// The compile cache of one run.
pub struct CompileCache {
    dir: PathBuf,
    enabled: bool,
    inflight: Mutex<HashMap<String, Slot>>,
    counter: AtomicUsize,
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

/// `sass <nvdisasm path> <version>`, computed once per process: what a
/// `sass` compile's output depends on beyond the backend's identity.
fn nvdisasm_identity() -> String {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| match ptx_backend::toolchain::find_nvdisasm() {
        Ok(p) => format!(
            "sass {} {}",
            p.display(),
            ptx_backend::toolchain::nvdisasm_version(&p).unwrap_or_else(|e| e)
        ),
        Err(_) => "sass (no nvdisasm)".into(),
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
        CompileCache {
            dir,
            enabled,
            inflight: Mutex::new(HashMap::new()),
            counter: AtomicUsize::new(0),
            fresh_compiles: AtomicUsize::new(0),
            distinct_requests: AtomicUsize::new(0),
        }
    }

    /// The cache key of a job under a backend.
    pub fn key(backend: &dyn Backend, job: &CompileJob, source_text: &str) -> String {
        let identity = backend.identity();
        let source = job.source.to_string_lossy();
        let sm = job.sm.name();
        let cfgs = job.cfgs.join("\x1f");
        let flags = job.flags.join("\x1f");
        let mut parts = vec![
            "ptx-harness-cache/v1",
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
            if let Some(output) = load_entry(&entry) {
                return Ok(Compiled {
                    output,
                    cached: true,
                });
            }
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
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
            sass: job.sass,
        };
        self.fresh_compiles.fetch_add(1, Ordering::Relaxed);
        let output = backend.compile(&req)?;
        let mut checksums = BTreeMap::new();
        for path in output.stages.values() {
            let bytes = std::fs::read(path)?;
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            checksums.insert(name, sha256_hex(&bytes));
        }
        let manifest = Manifest {
            output: relativize(&output, &staging),
            checksums,
        };
        std::fs::write(
            staging.join("manifest.json"),
            serde_json::to_vec_pretty(&manifest)?,
        )?;
        // Publish by rename. If another process published the same key first,
        // its entry is as good as ours, unless it is corrupt: then replace it.
        if std::fs::rename(&staging, &entry).is_err() {
            if load_entry(&entry).is_none() {
                let _ = std::fs::remove_dir_all(&entry);
                let _ = std::fs::rename(&staging, &entry);
            }
            let _ = std::fs::remove_dir_all(&staging);
        }
        match load_entry(&entry) {
            Some(output) => Ok(Compiled {
                output,
                cached: false,
            }),
            None => anyhow::bail!("the cache entry {} could not be read back", entry.display()),
        }
    }
}

fn relativize(out: &CompileOutput, base: &Path) -> CompileOutput {
    let mut o = out.clone();
    o.stages = out
        .stages
        .iter()
        .map(|(s, p)| {
            (
                *s,
                p.strip_prefix(base)
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|_| p.clone()),
            )
        })
        .collect();
    o
}

/// Reads an entry, verifying every file against the manifest.
fn load_entry(entry: &Path) -> Option<CompileOutput> {
    let bytes = std::fs::read(entry.join("manifest.json")).ok()?;
    let manifest: Manifest = serde_json::from_slice(&bytes).ok()?;
    let mut out = manifest.output;
    let mut stages: BTreeMap<Stage, PathBuf> = BTreeMap::new();
    for (stage, rel) in &out.stages {
        let path = entry.join(rel);
        let data = std::fs::read(&path).ok()?;
        let name = rel.file_name()?.to_string_lossy().to_string();
        if manifest.checksums.get(&name)? != &sha256_hex(&data) {
            return None;
        }
        stages.insert(*stage, path);
    }
    out.stages = stages;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ptx_backend::CompileStatus;
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
                kernels: vec![],
                timings: vec![],
                commands: vec![],
            })
        }
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
            sass: false,
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
        // A job without the sass stage hashes exactly the parts it always did.
        let before = content_key(&[
            "ptx-harness-cache/v1",
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
    fn corrupt_entries_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let be = Fake {
            calls: AtomicUsize::new(0),
        };
        let j = job(dir.path(), "sm_80");
        let a = CompileCache::new(dir.path().join("cache"), true)
            .compile(&be, &j)
            .unwrap();
        std::fs::write(&a.output.stages[&Stage::Ptx], "tampered").unwrap();
        let b = CompileCache::new(dir.path().join("cache"), true)
            .compile(&be, &j)
            .unwrap();
        assert!(!b.cached);
        assert_eq!(
            std::fs::read_to_string(&b.output.stages[&Stage::Ptx]).unwrap(),
            "sm_80 []"
        );
        // A truncated manifest too.
        let entry = b.output.stages[&Stage::Ptx].parent().unwrap().to_path_buf();
        std::fs::write(entry.join("manifest.json"), "{").unwrap();
        assert!(
            !CompileCache::new(dir.path().join("cache"), true)
                .compile(&be, &j)
                .unwrap()
                .cached
        );
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
