//! Heterogeneous memory management (HMM), on request: device code reading
//! and writing the host program's ordinary memory (its stack, its heap),
//! as a GPU with HMM does (Linux, open kernel modules, sm_75 and newer).
//! The emulator runs in the host program's process, so the bytes are right
//! there; they are copied with `process_vm_readv`/`process_vm_writev` on
//! the process itself, which answer an error for an unmapped address
//! instead of crashing, so a wild pointer is still an illegal address.
//!
//! Off by default: a GPU without HMM faults on a host pointer, and so does
//! the emulator. `PTX_EMU_HMM=1` (or `ptx-emu run --hmm`) turns it on; the
//! device then reports `CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS`.
//! Addresses the emulator handed out as device memory never go to the host.

/// Reads `out.len()` bytes of this process's memory at `addr`: false if
/// any of them is not mapped readable.
pub fn read(addr: u64, out: &mut [u8]) -> bool {
    let local = libc::iovec {
        iov_base: out.as_mut_ptr().cast(),
        iov_len: out.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: out.len(),
    };
    // SAFETY: both vectors describe buffers of `len` bytes: ours is `out`,
    // the remote one is checked by the kernel, which fails on unmapped
    // memory rather than faulting.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    n == out.len() as isize
}

/// Writes `data` to this process's memory at `addr`: false if any byte is
/// not mapped writable.
pub fn write(addr: u64, data: &[u8]) -> bool {
    let local = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: as in `read`; the kernel only reads `local`.
    let n = unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, &remote, 1, 0) };
    n == data.len() as isize
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_memory_round_trips_and_unmapped_memory_is_refused() {
        let mut x = [1u8, 2, 3, 4];
        let at = x.as_mut_ptr() as u64;
        let mut got = [0u8; 4];
        assert!(super::read(at, &mut got));
        assert_eq!(got, [1, 2, 3, 4]);
        assert!(super::write(at + 1, &[9, 9]));
        assert_eq!(std::hint::black_box(x), [1, 9, 9, 4]);
        // The first page is never mapped.
        assert!(!super::read(16, &mut got));
        assert!(!super::write(16, &got));
    }
}
