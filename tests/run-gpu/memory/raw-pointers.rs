//! Raw pointer operations on device memory: add/sub/offset with negative
//! offsets, `ptr::swap`, `ptr::read`/`write`, `offset_from`, byte offsets,
//! wrapping arithmetic, reborrowing as `&mut`, null checks, per-thread
//! local arrays indexed at run time, and a linked list whose `next`
//! pointers are device addresses written by the host.
//@ run-pass
// buf starts as 0..16. p = buf+10: p.offset(-3) -> 7, p.sub(2) -> 8;
// offset_from(buf+12, buf+4) = 8; buf.wrapping_add(100).wrapping_sub(97) -> buf[3] = 3.
// local[j] = i where 7i = j (mod 32); 7^-1 = 23 (mod 32) -> local[5] = 23*5 mod 32 = 19.
// A null parameter is_null -> 1; cuMemAlloc memory is 256-byte aligned -> 1.
//@ stdout: Output: reads 7 8 8 3 19 1 1
// swap(buf[0], buf[15]); buf[1] = buf[2] * 100 = 200; buf[5] = -5 via a byte offset of 20;
// buf[7] += 1000 through &mut.
//@ stdout: Output: buf [15, 200, 2, 3, 4, -5, 6, 1007, 8, 9, 10, 11, 12, 13, 14, 0]
// The list is stored as nodes 0..5 with values 10, 20, 30, 40, 50, linked 0 -> 3 -> 1 -> 4 -> 2.
//@ stdout: Output: list 10 40 20 50 30 sum 150
#![cfg_attr(gpu_device, no_std)]

#[cfg(gpu_device)]
pub mod device {
    use core::ptr;

    #[repr(C)]
    pub struct Node {
        pub value: u64,
        pub next: *const Node,
    }

    gpu::kernel! {
        pub unsafe fn pointers(buf: *mut i32, idx: u32, null: *const u8, out: *mut i64) {
            let p = buf.add(10);
            *out = *p.offset(-3) as i64;
            *out.add(1) = *p.sub(2) as i64;
            ptr::swap(buf, buf.add(15));
            ptr::write(buf.add(1), ptr::read(buf.add(2)) * 100);
            *out.add(2) = buf.add(12).offset_from(buf.add(4)) as i64;
            let q = (buf as *mut u8).add(20) as *mut i32;
            *q = -5;
            *out.add(3) = *buf.wrapping_add(100).wrapping_sub(97) as i64;
            let r: &mut i32 = &mut *buf.add(7);
            *r += 1000;
            let mut local = [0u32; 32];
            for i in 0..32u32 {
                local[((i * 7) % 32) as usize] = i;
            }
            *out.add(4) = local[idx as usize] as i64;
            *out.add(5) = null.is_null() as i64;
            *out.add(6) = (buf as usize % 256 == 0) as i64;
        }
    }

    gpu::kernel! {
        pub unsafe fn walk(head: *const Node, out: *mut u64) {
            let mut n = head;
            let mut k = 0;
            let mut sum = 0;
            while !n.is_null() {
                *out.add(k) = (*n).value;
                sum += (*n).value;
                k += 1;
                n = (*n).next;
            }
            *out.add(k) = sum;
        }
    }
}

#[cfg(not(gpu_device))]
#[repr(C)]
#[derive(Clone, Copy)]
struct Node {
    value: u64,
    next: host_runtime::DevicePtr<Node>,
}
// SAFETY: repr(C) like the device Node; a u64 and a device address.
#[cfg(not(gpu_device))]
unsafe impl host_runtime::DeviceCopy for Node {}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        let buf = gpu.upload(&(0..16).collect::<Vec<i32>>())?;
        let out = gpu.zeros::<i64>(7)?;
        module.kernel("pointers")?.launch(
            LaunchConfig::single_thread(),
            &[&buf, &5u32, &DevicePtr::<u8>::null(), &out],
        )?;
        let v = out.to_vec()?;
        println!("Output: reads {} {} {} {} {} {} {}", v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        println!("Output: buf {:?}", buf.to_vec()?);

        // Allocate first, then fill in next pointers from the buffer's address.
        let mut nodes = gpu.zeros::<Node>(5)?;
        let base = nodes.ptr();
        let order = [0usize, 3, 1, 4, 2];
        let mut host_nodes: Vec<Node> = (0..5)
            .map(|i| Node { value: 10 * (i as u64 + 1), next: DevicePtr::null() })
            .collect();
        for w in order.windows(2) {
            host_nodes[w[0]].next = base.offset(w[1]);
        }
        nodes.copy_from_host(&host_nodes)?;
        let out = gpu.zeros::<u64>(6)?;
        module
            .kernel("walk")?
            .launch(LaunchConfig::single_thread(), &[&base.offset(order[0]), &out])?;
        let v = out.to_vec()?;
        println!("Output: list {} {} {} {} {} sum {}", v[0], v[1], v[2], v[3], v[4], v[5]);
        Ok(())
    });
}
