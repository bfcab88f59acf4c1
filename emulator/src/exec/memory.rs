//! Device memory: global allocations (host `cuMemAlloc`, module variables,
//! device `malloc`), and the address windows of the other state spaces.
//!
//! Every access is checked: an address outside every live allocation is an
//! illegal address, an address not aligned to the access size is misaligned.

use std::collections::BTreeMap;

/// Global allocations start here (device pointers look like a GPU's).
pub const GLOBAL_BASE: u64 = 0x7f00_0000_0000;
/// Generic addresses of the block's shared memory: `SHARED_WINDOW + offset`.
pub const SHARED_WINDOW: u64 = 0x7d00_0000_0000;
/// Generic addresses of the thread's local memory: `LOCAL_WINDOW + offset`.
pub const LOCAL_WINDOW: u64 = 0x7c00_0000_0000;
/// Generic addresses of the kernel's parameters: `PARAM_WINDOW + offset`.
pub const PARAM_WINDOW: u64 = 0x7b00_0000_0000;
/// Function "addresses" (for function pointers): `CODE_BASE + 16 * index`.
pub const CODE_BASE: u64 = 0x7a00_0000_0000;
/// The size of each window.
pub const WINDOW_SIZE: u64 = 1 << 32;

/// Which window a generic address falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Global(u64),
    Shared(u64),
    Local(u64),
    Param(u64),
}

/// Classifies a generic address.
pub fn window(addr: u64) -> Window {
    if (SHARED_WINDOW..SHARED_WINDOW + WINDOW_SIZE).contains(&addr) {
        Window::Shared(addr - SHARED_WINDOW)
    } else if (LOCAL_WINDOW..LOCAL_WINDOW + WINDOW_SIZE).contains(&addr) {
        Window::Local(addr - LOCAL_WINDOW)
    } else if (PARAM_WINDOW..PARAM_WINDOW + WINDOW_SIZE).contains(&addr) {
        Window::Param(addr - PARAM_WINDOW)
    } else {
        Window::Global(addr)
    }
}

/// What an allocation holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocKind {
    /// `cuMemAlloc`.
    Host,
    /// A module's `.global`/`.const` variable.
    Variable,
    /// Device `malloc`.
    Heap,
    /// Host memory the device can address too (`cuMemAllocHost`,
    /// `cuMemHostAlloc`): mapped at its device address, so the host pointer
    /// and the device pointer are the same, as with unified addressing.
    Pinned,
    /// `cuMemAllocManaged`: like `Pinned`, readable and writable from both sides.
    Managed,
}

/// Device `malloc`'s default heap (CUDA's `cudaLimitMallocHeapSize`).
pub const DEFAULT_HEAP_LIMIT: u64 = 8 * 1024 * 1024;
/// What each device `malloc` costs the heap beyond its size: CUDA's
/// allocator keeps a header and 16-byte alignment, so an 8 MiB heap holds
/// 7 allocations of 1 MiB, not 8.
pub const HEAP_OVERHEAD: u64 = 16;

/// What a device `malloc` of `size` bytes takes from the heap: 16-byte
/// aligned, plus [`HEAP_OVERHEAD`].
fn heap_cost(size: u64) -> u64 {
    size.div_ceil(16) * 16 + HEAP_OVERHEAD
}

/// An allocation's bytes: owned by the emulator, or a host mapping placed at
/// the allocation's device address (for host-visible memory).
pub enum Storage {
    Owned(Vec<u8>),
    Mapped(Mapping),
}

/// Anonymous memory mapped at a fixed address, unmapped on drop.
pub struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    /// The mapped length (whole pages).
    len: usize,
    /// The bytes the allocation exposes (its size rounded to the granule).
    used: usize,
}

// SAFETY: the mapping is owned by exactly one allocation, like a Vec's buffer.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` zeroed bytes exactly at `addr`, exposing the first `used`;
    /// None if that range is taken.
    fn at(addr: u64, len: usize, used: usize) -> Option<Mapping> {
        // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping; the
        // result is checked against the requested address.
        let p = unsafe {
            libc::mmap(
                addr as *mut libc::c_void,
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        if p as u64 != addr {
            // An old kernel without MAP_FIXED_NOREPLACE treats it as a hint.
            unsafe { libc::munmap(p, len) };
            return None;
        }
        Some(Mapping {
            ptr: std::ptr::NonNull::new(p as *mut u8)?,
            len,
            used,
        })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/len are exactly what mmap returned.
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Owned(v) => write!(f, "Owned({} bytes)", v.len()),
            Storage::Mapped(m) => write!(f, "Mapped({} bytes at {:p})", m.len, m.ptr),
        }
    }
}

impl std::ops::Deref for Storage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Storage::Owned(v) => v,
            // SAFETY: the mapping is live and `len` bytes long while self lives.
            Storage::Mapped(m) => unsafe { std::slice::from_raw_parts(m.ptr.as_ptr(), m.used) },
        }
    }
}

impl std::ops::DerefMut for Storage {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Storage::Owned(v) => v,
            // SAFETY: as above, and &mut self makes the access exclusive on
            // the emulator's side (the host program may write concurrently,
            // as it may race with a GPU).
            Storage::Mapped(m) => unsafe { std::slice::from_raw_parts_mut(m.ptr.as_ptr(), m.used) },
        }
    }
}

/// One live allocation.
#[derive(Debug)]
pub struct Allocation {
    pub kind: AllocKind,
    pub read_only: bool,
    /// The requested size.
    pub size: u64,
    /// `size` rounded up to the 4-byte granule a GPU's memory system works in.
    pub data: Storage,
    /// Whether a tail-granule warning was printed for it already.
    warned: bool,
    /// initcheck: one byte per data byte, nonzero once written (None: not
    /// tracked, every byte counts as initialized).
    init: Option<Vec<u8>>,
}

/// Device code may touch the bytes between the end of an allocation and
/// the end of its 4-byte word: LLVM lowers 8- and 16-bit atomics to a
/// 32-bit compare-and-swap loop on the containing aligned word, and a GPU
/// does not fault there. Such accesses are allowed and reported as
/// warnings (compute-sanitizer's memcheck reports them too).
pub const GRANULE: u64 = 4;

/// Why an access failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessError {
    /// No live allocation holds `[addr, addr + size)`.
    Illegal {
        addr: u64,
        size: u64,
        detail: String,
    },
    /// `addr` is not a multiple of the access size.
    Misaligned { addr: u64, size: u64 },
    /// initcheck: a device read of bytes nothing has written yet.
    Uninitialized {
        addr: u64,
        size: u64,
        /// How many of the bytes read are uninitialized.
        bytes: u64,
        base: u64,
        alloc_size: u64,
        kind: AllocKind,
    },
}

/// All global memory of one context.
#[derive(Debug, Default)]
pub struct GlobalMemory {
    allocs: BTreeMap<u64, Allocation>,
    next: u64,
    /// Memcheck warnings not yet shown.
    pub warnings: Vec<String>,
    /// The device heap's size: a device `malloc` beyond it returns null.
    pub heap_limit: u64,
    /// Bytes of the heap in use (with [`HEAP_OVERHEAD`] per allocation).
    pub heap_used: u64,
    /// initcheck: track which bytes of `cuMemAlloc` and device-`malloc`
    /// allocations were written; a device read of one that was not is an
    /// [`AccessError::Uninitialized`]. Off by default (`ptx-emu run --tool
    /// initcheck`); allocations made while it is off are not tracked.
    pub initcheck: bool,
}

impl GlobalMemory {
    /// The range the emulator hands device memory out of (live or freed):
    /// an address in it never reaches the host's memory through HMM.
    pub fn device_range(&self) -> std::ops::Range<u64> {
        GLOBAL_BASE..self.next
    }

    pub fn new() -> Self {
        GlobalMemory {
            allocs: BTreeMap::new(),
            next: GLOBAL_BASE,
            warnings: Vec::new(),
            heap_limit: DEFAULT_HEAP_LIMIT,
            heap_used: 0,
            initcheck: false,
        }
    }

    /// Allocates `size` zeroed bytes aligned to 256, with a gap after each
    /// allocation so that running off its end is caught. A device-heap
    /// (`Heap`) allocation that would exceed `heap_limit` returns 0 (null),
    /// as device `malloc` does on a GPU.
    pub fn alloc(&mut self, size: u64, kind: AllocKind) -> u64 {
        if kind == AllocKind::Heap {
            let cost = heap_cost(size);
            if self.heap_used + cost > self.heap_limit {
                return 0;
            }
            self.heap_used += cost;
        }
        let base = self.next;
        self.next = (base + size.max(1) + 256 + 255) & !255;
        let data = Storage::Owned(vec![0; size.div_ceil(GRANULE) as usize * GRANULE as usize]);
        self.insert(base, size, kind, data);
        base
    }

    /// Allocates `size` zeroed bytes that the host can address at the same
    /// address as the device (pinned and managed memory): the bytes are a
    /// host mapping placed at the device address. None when no address
    /// range could be mapped.
    pub fn alloc_mapped(&mut self, size: u64, kind: AllocKind) -> Option<u64> {
        const PAGE: u64 = 4096;
        let len = size.max(1).div_ceil(PAGE) * PAGE;
        for _ in 0..64 {
            let base = self.next.div_ceil(PAGE) * PAGE;
            self.next = base + len + PAGE;
            let used = size.div_ceil(GRANULE) * GRANULE;
            if let Some(m) = Mapping::at(base, len as usize, used as usize) {
                self.insert(base, size, kind, Storage::Mapped(m));
                return Some(base);
            }
        }
        None
    }

    fn insert(&mut self, base: u64, size: u64, kind: AllocKind, data: Storage) {
        let tracked = self.initcheck && matches!(kind, AllocKind::Host | AllocKind::Heap);
        let init = tracked.then(|| vec![0; data.len()]);
        self.allocs.insert(
            base,
            Allocation {
                kind,
                read_only: false,
                size,
                data,
                warned: false,
                init,
            },
        );
    }

    /// initcheck: the host wrote `[addr, addr + size)` (a copy or memset).
    pub fn mark_initialized(&mut self, addr: u64, size: u64) {
        if let Some((&base, a)) = self.allocs.range_mut(..=addr).next_back() {
            if let Some(init) = &mut a.init {
                let off = addr.saturating_sub(base) as usize;
                let end = (off + size as usize).min(init.len());
                if off < end {
                    init[off..end].fill(1);
                }
            }
        }
    }

    /// initcheck: an error if a device read of `[off, off + size)` of `a`
    /// (at `base`) touches a byte nothing wrote.
    fn check_initialized(
        a: &Allocation,
        base: u64,
        addr: u64,
        size: u64,
    ) -> Result<(), AccessError> {
        let Some(init) = &a.init else { return Ok(()) };
        let off = (addr - base) as usize;
        // The tail granule past the requested size is no one's data (a
        // 16-bit atomic's CAS loop reads the whole word): not checked.
        let end = (off + size as usize).min(a.size as usize);
        if off >= end {
            return Ok(());
        }
        let missing = init[off..end].iter().filter(|&&b| b == 0).count() as u64;
        if missing == 0 {
            Ok(())
        } else {
            Err(AccessError::Uninitialized {
                addr,
                size,
                bytes: missing,
                base,
                alloc_size: a.size,
                kind: a.kind,
            })
        }
    }

    /// Frees the allocation that starts at `base`.
    pub fn free(&mut self, base: u64, kind: Option<AllocKind>) -> bool {
        match self.allocs.get(&base) {
            Some(a) if kind.is_none_or(|k| k == a.kind) => {
                if a.kind == AllocKind::Heap {
                    let cost = heap_cost(a.size);
                    self.heap_used = self.heap_used.saturating_sub(cost);
                }
                self.allocs.remove(&base);
                true
            }
            _ => false,
        }
    }

    /// The kind of the allocation that starts exactly at `base`.
    pub fn kind_at(&self, base: u64) -> Option<AllocKind> {
        self.allocs.get(&base).map(|a| a.kind)
    }

    /// Marks a variable read-only (`.const`).
    pub fn set_read_only(&mut self, base: u64) {
        if let Some(a) = self.allocs.get_mut(&base) {
            a.read_only = true;
        }
    }

    fn find(&self, addr: u64, size: u64) -> Option<(u64, &Allocation)> {
        let (&base, a) = self.allocs.range(..=addr).next_back()?;
        let end = base + a.data.len() as u64;
        if addr >= base && addr.checked_add(size)? <= end {
            Some((base, a))
        } else {
            None
        }
    }

    fn illegal(&self, addr: u64, size: u64) -> AccessError {
        let prev = self
            .allocs
            .range(..=addr)
            .next_back()
            .map(|(&b, a)| (b, a.size));
        AccessError::Illegal {
            addr,
            size,
            detail: illegal_detail(prev, addr, size),
        }
    }

    /// A checked slice for reading.
    pub fn slice(&self, addr: u64, size: u64) -> Result<&[u8], AccessError> {
        match self.find(addr, size) {
            Some((base, a)) => {
                Self::check_initialized(a, base, addr, size)?;
                let off = (addr - base) as usize;
                Ok(&a.data[off..off + size as usize])
            }
            None => Err(self.illegal(addr, size)),
        }
    }

    /// A checked mutable slice for a device access; with `write`, `.const`
    /// variables refuse (and initcheck marks the bytes written, else checks
    /// they were).
    pub fn slice_mut(
        &mut self,
        addr: u64,
        size: u64,
        write: bool,
    ) -> Result<&mut [u8], AccessError> {
        self.access_mut(addr, size, write, true)
    }

    fn access_mut(
        &mut self,
        addr: u64,
        size: u64,
        write: bool,
        device: bool,
    ) -> Result<&mut [u8], AccessError> {
        // The error message is built only on the failing path: this runs
        // for every global load and store.
        let base = match self.allocs.range(..=addr).next_back() {
            Some((&base, a))
                if addr
                    .checked_add(size)
                    .is_some_and(|e| e <= base + a.data.len() as u64) =>
            {
                base
            }
            _ => return Err(self.illegal(addr, size)),
        };
        // Found just above.
        let Some(a) = self.allocs.get_mut(&base) else {
            return Err(AccessError::Illegal {
                addr,
                size,
                detail: "outside every live allocation".into(),
            });
        };
        if write && a.read_only {
            return Err(AccessError::Illegal {
                addr,
                size,
                detail: "a write to read-only .const memory".into(),
            });
        }
        if addr + size > base + a.size && !a.warned {
            a.warned = true;
            self.warnings.push(tail_warning(addr, size, base, a.size));
        }
        let off = (addr - base) as usize;
        if let Some(init) = a.init.as_mut().filter(|_| device) {
            if write {
                init[off..off + size as usize].fill(1);
            } else {
                Self::check_initialized(a, base, addr, size)?;
            }
        }
        Ok(&mut a.data[off..off + size as usize])
    }

    /// A host-side copy's range: it must lie inside the requested size.
    pub fn host_slice_mut(&mut self, addr: u64, size: u64) -> Result<&mut [u8], AccessError> {
        let exact = self
            .find(addr, size)
            .is_some_and(|(base, a)| addr + size <= base + a.size);
        if !exact {
            return Err(self.illegal(addr, size));
        }
        self.access_mut(addr, size, false, false)
    }

    /// The live allocation containing `addr`: (base, size).
    pub fn containing(&self, addr: u64) -> Option<(u64, u64)> {
        self.find(addr, 1).map(|(b, a)| (b, a.size))
    }
}

impl GlobalMemory {
    /// A view of every live allocation through which several OS threads
    /// can load and store at once (see [`SharedGlobal`]).
    pub fn shared_view(&mut self) -> SharedGlobal<'_> {
        let allocs = self
            .allocs
            .iter_mut()
            .map(|(&base, a)| SharedAlloc {
                base,
                size: a.size,
                read_only: a.read_only,
                warned: a.warned,
                // SAFETY: `AtomicU8` has the size and alignment of `u8`, and
                // the view holds the memory's only borrow for its lifetime,
                // so every access to these bytes while it lives is atomic.
                data: unsafe {
                    std::slice::from_raw_parts(
                        a.data.as_mut_ptr() as *const std::sync::atomic::AtomicU8,
                        a.data.len(),
                    )
                },
            })
            .collect();
        SharedGlobal { allocs }
    }

    /// Records a tail-granule warning found through a [`SharedGlobal`],
    /// once per allocation, as [`GlobalMemory::slice_mut`] does.
    pub fn warn_once(&mut self, base: u64, message: String) {
        if let Some(a) = self.allocs.get_mut(&base) {
            if !a.warned {
                a.warned = true;
                self.warnings.push(message);
            }
        }
    }
}

/// Global memory shared by the OS threads that run the blocks of one
/// launch: byte-wise relaxed atomic loads and stores (plain moves on x86),
/// so blocks that race on an address (undefined in PTX) tear values but
/// never make the emulator's behaviour undefined. Allocations cannot be
/// made or freed through it.
pub struct SharedGlobal<'a> {
    allocs: Vec<SharedAlloc<'a>>,
}

struct SharedAlloc<'a> {
    base: u64,
    size: u64,
    read_only: bool,
    warned: bool,
    data: &'a [std::sync::atomic::AtomicU8],
}

/// A tail-granule access found through a [`SharedGlobal`]: the allocation
/// and the warning [`GlobalMemory::slice_mut`] would have printed.
pub type TailWarning = Option<(u64, String)>;

impl SharedGlobal<'_> {
    fn find(&self, addr: u64, size: u64) -> Result<&SharedAlloc<'_>, AccessError> {
        let k = self.allocs.partition_point(|a| a.base <= addr);
        let prev = k.checked_sub(1).map(|k| &self.allocs[k]);
        match prev {
            Some(a)
                if addr
                    .checked_add(size)
                    .is_some_and(|e| e <= a.base + a.data.len() as u64) =>
            {
                Ok(a)
            }
            _ => Err(AccessError::Illegal {
                addr,
                size,
                detail: illegal_detail(prev.map(|a| (a.base, a.size)), addr, size),
            }),
        }
    }

    fn tail(a: &SharedAlloc, addr: u64, size: u64) -> TailWarning {
        (addr + size > a.base + a.size && !a.warned)
            .then(|| (a.base, tail_warning(addr, size, a.base, a.size)))
    }

    /// Loads `out.len()` bytes at `addr`.
    pub fn read(&self, addr: u64, out: &mut [u8]) -> Result<TailWarning, AccessError> {
        let size = out.len() as u64;
        let a = self.find(addr, size)?;
        let off = (addr - a.base) as usize;
        for (o, b) in out.iter_mut().zip(&a.data[off..]) {
            *o = b.load(std::sync::atomic::Ordering::Relaxed);
        }
        Ok(Self::tail(a, addr, size))
    }

    /// Stores `data` at `addr` (`.const` variables refuse).
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<TailWarning, AccessError> {
        let size = data.len() as u64;
        let a = self.find(addr, size)?;
        if a.read_only {
            return Err(AccessError::Illegal {
                addr,
                size,
                detail: "a write to read-only .const memory".into(),
            });
        }
        let off = (addr - a.base) as usize;
        for (x, b) in data.iter().zip(&a.data[off..]) {
            b.store(*x, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(Self::tail(a, addr, size))
    }
}

/// Why `[addr, addr + size)` is illegal, given the allocation below it.
fn illegal_detail(prev: Option<(u64, u64)>, addr: u64, size: u64) -> String {
    match prev {
        Some((base, asize)) if addr < base + asize + 4096 => format!(
            "{} bytes past the end of the {asize}-byte allocation at {base:#x}",
            (addr + size).saturating_sub(base + asize),
        ),
        _ => "outside every live allocation".to_string(),
    }
}

fn tail_warning(addr: u64, size: u64, base: u64, asize: u64) -> String {
    format!(
        "{} bytes at {addr:#x} reach {} bytes past the end of the {}-byte allocation at {base:#x} \
         (inside its {GRANULE}-byte granule: a GPU does not fault, compute-sanitizer reports it)",
        size,
        addr + size - (base + asize),
        asize
    )
}

/// Checks `addr` for an access of `size` bytes.
pub fn check_alignment(addr: u64, size: u64) -> Result<(), AccessError> {
    if size > 1 && !addr.is_multiple_of(size) {
        Err(AccessError::Misaligned { addr, size })
    } else {
        Ok(())
    }
}

/// A checked range of a flat buffer (shared, local or param memory).
pub fn flat_range(
    len: usize,
    offset: u64,
    size: u64,
    what: &str,
) -> Result<std::ops::Range<usize>, AccessError> {
    match offset.checked_add(size) {
        Some(end) if end <= len as u64 => Ok(offset as usize..end as usize),
        _ => Err(AccessError::Illegal {
            addr: offset,
            size,
            detail: format!("offset {offset:#x} is outside the {len}-byte {what}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_checked() {
        let mut m = GlobalMemory::new();
        let a = m.alloc(16, AllocKind::Host);
        assert!(m.slice(a, 16).is_ok());
        assert!(m.slice(a + 12, 4).is_ok());
        assert!(matches!(
            m.slice(a + 13, 4),
            Err(AccessError::Illegal { .. })
        ));
        // A 2-byte allocation: its 4-byte word is reachable (with a warning), not beyond.
        let h = m.alloc(2, AllocKind::Host);
        assert!(m.slice_mut(h, 4, true).is_ok());
        assert_eq!(m.warnings.len(), 1);
        assert!(m.slice_mut(h + 4, 1, false).is_err());
        assert!(
            m.host_slice_mut(h, 4).is_err(),
            "host copies must stay inside the requested size"
        );
        assert!(m.host_slice_mut(h, 2).is_ok());
        assert!(matches!(
            m.slice(a + 16, 1),
            Err(AccessError::Illegal { .. })
        ));
        assert!(matches!(m.slice(0x10, 4), Err(AccessError::Illegal { .. })));
        let b = m.alloc(8, AllocKind::Host);
        assert!(b >= a + 16 + 256, "a gap separates allocations");
        assert!(m.free(a, Some(AllocKind::Host)));
        assert!(
            m.slice(a, 4).is_err(),
            "a freed allocation is no longer live"
        );
        assert!(!m.free(a, None));
    }

    #[test]
    fn the_device_heap_is_limited() {
        let mut m = GlobalMemory::new();
        let mib = 1 << 20;
        let got: Vec<u64> = (0..64).map(|_| m.alloc(mib, AllocKind::Heap)).collect();
        let ok = got.iter().filter(|&&p| p != 0).count();
        assert_eq!(ok, 7, "an 8 MiB heap holds 7 allocations of 1 MiB");
        assert!(m.free(got[0], Some(AllocKind::Heap)));
        assert_ne!(m.alloc(mib, AllocKind::Heap), 0, "freeing makes room");
        // Other kinds are not counted against the heap.
        assert_ne!(m.alloc(64 * mib, AllocKind::Host), 0);
    }

    #[test]
    fn mapped_allocations_are_host_addressable() {
        let mut m = GlobalMemory::new();
        let p = m.alloc_mapped(100, AllocKind::Managed).expect("mapped");
        // The host writes through the pointer; the device-side view sees it.
        unsafe { *(p as *mut u32).add(3) = 0xdead_beef };
        assert_eq!(m.slice(p + 12, 4).unwrap(), 0xdead_beef_u32.to_le_bytes());
        m.slice_mut(p, 4, true)
            .unwrap()
            .copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(unsafe { *(p as *const u32) }, 7);
        assert!(m.slice(p + 100, 1).is_err(), "bounds are still checked");
        assert!(m.free(p, Some(AllocKind::Managed)));
        assert!(m.slice(p, 4).is_err());
    }

    #[test]
    fn initcheck_tracks_device_and_host_writes() {
        let mut m = GlobalMemory::new();
        let untracked = m.alloc(8, AllocKind::Host);
        m.initcheck = true;
        let a = m.alloc(6, AllocKind::Host);
        assert!(matches!(
            m.slice(a, 4),
            Err(AccessError::Uninitialized { bytes: 4, .. })
        ));
        m.slice_mut(a, 2, true).unwrap();
        assert!(matches!(
            m.slice_mut(a, 4, false),
            Err(AccessError::Uninitialized { bytes: 2, .. })
        ));
        m.mark_initialized(a + 2, 4);
        assert!(m.slice(a, 4).is_ok());
        // The tail granule past the 6 requested bytes is not checked.
        assert!(m.slice_mut(a + 4, 4, false).is_ok());
        // Host reads are not checked; allocations from before are not tracked.
        let b = m.alloc(4, AllocKind::Host);
        assert!(m.host_slice_mut(b, 4).is_ok());
        assert!(m.slice(untracked, 8).is_ok());
        // Module variables start zeroed: not tracked.
        let v = m.alloc(4, AllocKind::Variable);
        assert!(m.slice(v, 4).is_ok());
    }

    #[test]
    fn alignment() {
        assert!(check_alignment(0x1004, 4).is_ok());
        assert!(check_alignment(0x1004, 8).is_err());
        assert!(check_alignment(0x1003, 1).is_ok());
    }

    #[test]
    fn windows() {
        assert_eq!(window(SHARED_WINDOW + 8), Window::Shared(8));
        assert_eq!(window(LOCAL_WINDOW), Window::Local(0));
        assert_eq!(window(GLOBAL_BASE), Window::Global(GLOBAL_BASE));
    }
}
