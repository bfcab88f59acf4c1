//! The `sass` stage in batches: the run's compiles that ask for it go first,
//! and wait for each other at the disassembly, so that one nvdisasm run per
//! target disassembles every cubin they wrote.
//!
//! nvdisasm's cost is nearly all start-up for the cubin's target (see
//! `ptx_backend::cubin`); one run per cubin, as a compile on its own does,
//! pays it every time. [`prepare`] compiles the given jobs through the cache
//! (so every trial then finds its entry, sealed like any other) on one
//! thread per job, `jobs` of them at work at a time: a compile that reaches
//! its disassembly hands the cubin to the [`Batcher`] and waits, giving its
//! place to the next. Once every compile is waiting or done, the waiting
//! cubins are merged per target (at most [`MAX_BATCH_CODE`] bytes of code
//! and no shared symbol name per merge), each merge is disassembled once
//! (`jobs` at a time), and each compile goes on with its own part of the
//! listing. A cubin a merge can't take, or a merge whose run fails, is
//! disassembled on its own by its compile, as without batches.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use ptx_backend::cubin::{self, Cubin};
use ptx_backend::process::{run_with_timeout_capped, OutputCap};
use ptx_backend::sass::{BatchedListing, ListingSource};
use ptx_backend::Backend;

use super::compile::{CompileCache, CompileJob};

/// The most code (bytes of `.text` sections) one merge holds, so that its
/// listing stays well inside the captured-output limit of 2 MiB + 256 KiB
/// (a listing is about 4.3 bytes per byte of code: 256 KiB of code is some
/// 1.1 MB). A listing cut anyway is noticed, and its cubins disassembled
/// alone.
pub const MAX_BATCH_CODE: u64 = 256 * 1024;

/// The most compiles [`prepare`] runs as one batch (one thread each).
const MAX_THREADS: usize = 512;

/// How long one merged disassembly may take.
const BATCH_TIMEOUT: Duration = Duration::from_secs(300);

struct Waiting {
    id: usize,
    nvdisasm: PathBuf,
    cubin: Cubin,
}

#[derive(Default)]
struct State {
    /// Threads that may compile now (the rest wait for one).
    permits: usize,
    /// Compiles of this batch not yet finished or waiting.
    active: usize,
    /// Cubins handed in, not yet disassembled.
    waiting: Vec<Waiting>,
    /// Finished listings by request id (`None`: disassemble it alone).
    done: HashMap<usize, Option<BatchedListing>>,
    next_id: usize,
    flushing: bool,
}

/// Collects the cubins of concurrent compiles and disassembles them in
/// merges; see the module documentation.
pub struct Batcher {
    state: Mutex<State>,
    wake: Condvar,
    jobs: usize,
    /// Where merged files are written (the cache folder).
    scratch: PathBuf,
}

impl Batcher {
    /// A batcher for `compiles` compiles, `jobs` at work at a time, writing
    /// its merged files under `scratch`.
    pub fn new(compiles: usize, jobs: usize, scratch: PathBuf) -> Batcher {
        Batcher {
            state: Mutex::new(State {
                permits: jobs.max(1),
                active: compiles,
                ..State::default()
            }),
            wake: Condvar::new(),
            jobs: jobs.max(1),
            scratch,
        }
    }

    fn acquire(&self) {
        let mut st = self.state.lock().unwrap();
        while st.permits == 0 {
            st = self.wake.wait(st).unwrap();
        }
        st.permits -= 1;
    }

    /// A compile is finished: its place goes to the next.
    fn finish(&self) {
        let mut st = self.state.lock().unwrap();
        st.permits += 1;
        st.active -= 1;
        self.wake.notify_all();
    }

    /// Disassembles the waiting cubins: per target, in merges, `jobs` at a time.
    fn flush(&self, waiting: Vec<Waiting>) -> HashMap<usize, Option<BatchedListing>> {
        let mut results: HashMap<usize, Option<BatchedListing>> = HashMap::new();
        // Group by target and disassembler, then fill merges in order.
        let mut groups: Vec<Vec<Waiting>> = Vec::new();
        for w in waiting {
            match groups
                .iter_mut()
                .find(|g| g[0].cubin.target() == w.cubin.target() && g[0].nvdisasm == w.nvdisasm)
            {
                Some(g) => g.push(w),
                None => groups.push(vec![w]),
            }
        }
        let mut merges: Vec<Vec<Waiting>> = Vec::new();
        for group in groups {
            let mut open: Vec<(Vec<Waiting>, BTreeSet<Vec<u8>>, u64)> = Vec::new();
            for w in group {
                let (names, code) = (w.cubin.names(), w.cubin.code_bytes());
                let fits = open.iter_mut().find(|(_, taken, size)| {
                    size + code <= MAX_BATCH_CODE && taken.is_disjoint(&names)
                });
                match fits {
                    Some((members, taken, size)) => {
                        taken.extend(names);
                        *size += code;
                        members.push(w);
                    }
                    None => open.push((vec![w], names, code)),
                }
            }
            merges.extend(open.into_iter().map(|(members, _, _)| members));
        }
        // A merge of one is no cheaper than the compile's own run.
        merges.retain(|m| {
            if m.len() == 1 {
                results.insert(m[0].id, None);
            }
            m.len() > 1
        });
        let queue = Mutex::new(merges);
        let out = Mutex::new(results);
        std::thread::scope(|s| {
            for _ in 0..self.jobs {
                s.spawn(|| loop {
                    let Some(merge) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let listings = disassemble(&merge, &self.scratch);
                    let mut out = out.lock().unwrap();
                    for (w, listing) in merge.iter().zip(listings) {
                        out.insert(w.id, listing);
                    }
                });
            }
        });
        out.into_inner().unwrap()
    }
}

/// One nvdisasm run over the merge of `members`: each one's listing, or
/// `None` for all when the merge or the run failed (each is then
/// disassembled alone; the reason goes to stderr).
fn disassemble(members: &[Waiting], scratch: &Path) -> Vec<Option<BatchedListing>> {
    let none = || vec![None; members.len()];
    let cubins: Vec<Cubin> = members.iter().map(|w| w.cubin.clone()).collect();
    let merged = match cubin::merge(&cubins) {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "note: sass: cannot merge {} cubins ({e}); disassembling each alone",
                members.len()
            );
            return none();
        }
    };
    // A folder of its own in the cache, named as staging folders are, so
    // that a killed run's is removed by the next (`remove_stale_staging`).
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = scratch.join(format!("sass-batch.tmp-{}-{n}", std::process::id()));
    let file = dir.join("merged.cubin");
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, merged));
    struct Remove(PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _remove = Remove(dir);
    if let Err(e) = written {
        eprintln!("note: sass: cannot write a merge ({e}); disassembling each alone");
        return none();
    }
    let mut cmd = Command::new(&members[0].nvdisasm);
    cmd.arg("--print-code").arg(&file);
    let start = Instant::now();
    let out = match run_with_timeout_capped(cmd, BATCH_TIMEOUT, OutputCap::COMPILE_STEP) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("note: sass: cannot run nvdisasm on a merge ({e}); disassembling each alone");
            return none();
        }
    };
    let elapsed = start.elapsed();
    if !out.success() || out.stdout.contains(" bytes omitted …]") {
        eprintln!(
            "note: sass: nvdisasm failed on a merge of {} cubins; disassembling each alone: {}",
            members.len(),
            out.stderr.trim()
        );
        return none();
    }
    let parts: Vec<Vec<String>> = cubins.iter().map(Cubin::code_sections).collect();
    match cubin::split_listing(&out.stdout, &parts) {
        Ok(texts) => {
            let share = elapsed / members.len() as u32;
            texts
                .into_iter()
                .map(|text| Some(BatchedListing { text, share }))
                .collect()
        }
        Err(e) => {
            eprintln!("note: sass: {e}; disassembling each alone");
            none()
        }
    }
}

impl ListingSource for Batcher {
    fn listing(&self, nvdisasm: &Path, cubin: &Path) -> Option<BatchedListing> {
        let parsed = std::fs::read(cubin)
            .ok()
            .and_then(|b| Cubin::parse(&b).ok());
        let mut st = self.state.lock().unwrap();
        // This compile waits: its place goes to the next.
        st.permits += 1;
        st.active -= 1;
        let id = st.next_id;
        st.next_id += 1;
        match parsed {
            Some(cubin) => st.waiting.push(Waiting {
                id,
                nvdisasm: nvdisasm.to_path_buf(),
                cubin,
            }),
            None => {
                st.done.insert(id, None);
            }
        }
        self.wake.notify_all();
        let listing = loop {
            if let Some(result) = st.done.remove(&id) {
                break result;
            }
            if !st.flushing && st.active == 0 && !st.waiting.is_empty() {
                // Every compile is waiting or done: this thread disassembles.
                st.flushing = true;
                let waiting = std::mem::take(&mut st.waiting);
                drop(st);
                // Whatever happens, every waiting compile gets an answer.
                let ids: Vec<usize> = waiting.iter().map(|w| w.id).collect();
                let results =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.flush(waiting)))
                        .unwrap_or_else(|_| ids.into_iter().map(|id| (id, None)).collect());
                st = self.state.lock().unwrap();
                st.done.extend(results);
                st.flushing = false;
                self.wake.notify_all();
                continue;
            }
            st = self.wake.wait(st).unwrap();
        };
        // Back to work, when a place is free.
        while st.permits == 0 {
            st = self.wake.wait(st).unwrap();
        }
        st.permits -= 1;
        st.active += 1;
        listing
    }
}

/// Compiles `jobs` (those that ask for the `sass` stage) through `cache`
/// with their disassemblies batched, `parallel` at a time; each trial then
/// finds its compile done. Jobs with the same key are compiled once, and a
/// job already in the cache costs a lookup.
pub fn prepare(cache: &CompileCache, backend: &dyn Backend, jobs: &[CompileJob], parallel: usize) {
    let mut seen = HashSet::new();
    let unique: Vec<&CompileJob> = jobs
        .iter()
        .filter(|j| j.sass)
        .filter(|j| {
            let text = std::fs::read_to_string(&j.source).unwrap_or_default();
            seen.insert(CompileCache::key(backend, j, &text))
        })
        .collect();
    for chunk in unique.chunks(MAX_THREADS) {
        let batcher = Arc::new(Batcher::new(
            chunk.len(),
            parallel,
            cache.dir().to_path_buf(),
        ));
        std::thread::scope(|s| {
            for job in chunk {
                let batcher = batcher.clone();
                s.spawn(move || {
                    // However the compile ends, its place is given back.
                    struct Finish(Arc<Batcher>);
                    impl Drop for Finish {
                        fn drop(&mut self) {
                            self.0.finish();
                        }
                    }
                    batcher.acquire();
                    let _finish = Finish(batcher.clone());
                    let source: Arc<dyn ListingSource> = batcher.clone();
                    // An error is the trial's to report, when it asks again.
                    let _ = ptx_backend::sass::with_listing_source(source, || {
                        cache.compile(backend, job)
                    });
                });
            }
        });
    }
}
