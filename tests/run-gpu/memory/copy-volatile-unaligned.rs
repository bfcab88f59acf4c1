//! Byte-level memory operations: `copy_nonoverlapping` (memcpy), `ptr::copy`
//! with overlap in both directions (memmove), `write_bytes` (memset),
//! unaligned little-endian reads and writes at odd offsets, a
//! `#[repr(C, packed)]` header read from an odd address, and volatile
//! accesses that must all reach memory. src[i] = 3i for i in 0..32.
//@ run-pass
// read_unaligned::<u32>(src+1): bytes 3 6 9 12 -> 0x0C090603 = 201917955;
// read_unaligned::<u64>(src+3): bytes 9 12 15 18 21 24 27 30 -> 0x1e1b1815120f0c09;
// read_unaligned::<u16>(src+7): bytes 21 24 -> 0x1815 = 6165.
//@ stdout: Output: unaligned 201917955 0x1e1b1815120f0c09 6165
// Packed header at src+1: tag = 3, len = bytes 6 9 12 15 = 0x0F0C0906 = 252446982,
// crc = bytes 18 21 = 0x1512 = 5394; size_of = 1 + 4 + 2 = 7.
//@ stdout: Output: packed 3 252446982 5394 size 7
// Volatile: slot += i for i in 0..10 -> 45, with 10 volatile reads and writes.
//@ stdout: Output: volatile 45
// dst (32 zero bytes): [0..4] = 0xAB (171) by write_bytes; [10..18] = src[4..12] =
// 12 15 18 21 24 27 30 33; [21..25] = 0xDEADBEEF little-endian = EF BE AD DE = 239 190 173 222.
//@ stdout: Output: dst [171, 171, 171, 171, 0, 0, 0, 0, 0, 0, 12, 15, 18, 21, 24, 27, 30, 33, 0, 0, 0, 239, 190, 173, 222, 0, 0, 0, 0, 0, 0, 0]
// mv = 0..16; copy(mv, mv+2, 10) (forward overlap) -> [0,1,0,1,2,3,4,5,6,7,8,9,12,13,14,15];
// then copy(mv+5, mv+3, 4) (backward overlap) -> mv[3..7] = 3 4 5 6.
//@ stdout: Output: memmove [0, 1, 0, 3, 4, 5, 6, 5, 6, 7, 8, 9, 12, 13, 14, 15]
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ptr;

    #[repr(C, packed)]
    #[derive(Clone, Copy)]
    struct Header {
        tag: u8,
        len: u32,
        crc: u16,
    }

    gpu::kernel! {
        pub unsafe fn bytes(src: *const u8, dst: *mut u8, mv: *mut u8, out: *mut u64) {
            ptr::copy_nonoverlapping(src.add(4), dst.add(10), 8);
            ptr::write_bytes(dst, 0xAB, 4);
            ptr::write_unaligned(dst.add(21) as *mut u32, 0xDEAD_BEEF);
            *out = ptr::read_unaligned(src.add(1) as *const u32) as u64;
            *out.add(1) = ptr::read_unaligned(src.add(3) as *const u64);
            *out.add(2) = ptr::read_unaligned(src.add(7) as *const u16) as u64;

            let h = ptr::read_unaligned(src.add(1) as *const Header);
            let (tag, len, crc) = (h.tag, h.len, h.crc);
            *out.add(3) = tag as u64;
            *out.add(4) = len as u64;
            *out.add(5) = crc as u64;
            *out.add(6) = core::mem::size_of::<Header>() as u64;

            let slot = out.add(7);
            ptr::write_volatile(slot, 0);
            for i in 0..10 {
                ptr::write_volatile(slot, ptr::read_volatile(slot) + i);
            }

            ptr::copy(mv, mv.add(2), 10);
            ptr::copy(mv.add(5), mv.add(3), 4);
        }
    }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let src = gpu.upload(&(0..32u8).map(|i| 3 * i).collect::<Vec<u8>>())?;
        let dst = gpu.zeros::<u8>(32)?;
        let mv = gpu.upload(&(0..16u8).collect::<Vec<u8>>())?;
        let out = gpu.zeros::<u64>(8)?;
        module
            .kernel("bytes")?
            .launch(LaunchConfig::single_thread(), &[&src, &dst, &mv, &out])?;
        let v = out.to_vec()?;
        println!("Output: unaligned {} {:#x} {}", v[0], v[1], v[2]);
        println!("Output: packed {} {} {} size {}", v[3], v[4], v[5], v[6]);
        println!("Output: volatile {}", v[7]);
        println!("Output: dst {:?}", dst.to_vec()?);
        println!("Output: memmove {:?}", mv.to_vec()?);
        Ok(())
    });
}
