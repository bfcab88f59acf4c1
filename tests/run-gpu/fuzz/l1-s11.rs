//! Differential lane finding: level 1, seed 11, [o0]@sm_80: mismatch.
//! trace mismatch: seed 11, thread 0 value #9 (site 40, f64): host 0x4002000000000000, device 0x408c000000000000
//! - [opt]@sm_80: mismatch
//! - emulator schedule shuffle:1: mismatch
//! Reduced from 196 to 4 program lines; regenerate with
//! `ptx-harness fuzz --level 1 --promote 11 --with-known-bugs`. The expected trace is
//! the host's: the module `prog` compiled for x86-64 by rustc.
//@ known-bug: LLVM NVPTX expands frem as a - trunc(a/b)*b, not exact fmod for large quotients (see ptx-snapshots/floats/float-rem)
//@ sm: 80
//@ compile-flags: -Copt-level=0
//@ run-pass
//@ stdout: Output: device trace differs from host trace
#![cfg_attr(gpu_device, no_std)]
#![feature(core_float_math)]
#![allow(warnings)]

pub mod rt {
    /// A thread's trace: entries of three words (site << 8 | type tag, low
    /// and high 64 bits of the value), counted past the capacity.
    pub struct Trace {
        buf: *mut u64,
        cap: usize,
        pub len: usize,
    }

    impl Trace {
        pub fn new(buf: *mut u64, cap: usize) -> Trace {
            Trace { buf, cap, len: 0 }
        }

        #[inline(always)]
        pub fn dump<T: Dump>(&mut self, site: u32, v: T) {
            let (tag, bits) = v.bits();
            self.push(site, tag, bits);
        }

        #[inline(never)]
        fn push(&mut self, site: u32, tag: u8, bits: u128) {
            if self.len < self.cap {
                unsafe {
                    let p = self.buf.add(self.len * 3);
                    p.write(((site as u64) << 8) | tag as u64);
                    p.add(1).write(bits as u64);
                    p.add(2).write((bits >> 64) as u64);
                }
            }
            self.len += 1;
        }
    }

    /// A value's type tag and bits (integers zero-extended from their width).
    pub trait Dump {
        fn bits(self) -> (u8, u128);
    }

    macro_rules! dump_int {
        ($($t:ty => $u:ty, $tag:expr;)*) => {$(
            impl Dump for $t {
                fn bits(self) -> (u8, u128) { ($tag, self as $u as u128) }
            }
        )*};
    }
    dump_int! {
        i8 => u8, 0; i16 => u16, 1; i32 => u32, 2; i64 => u64, 3; i128 => u128, 4; isize => usize, 5;
        u8 => u8, 6; u16 => u16, 7; u32 => u32, 8; u64 => u64, 9; u128 => u128, 10; usize => usize, 11;
    }
    impl Dump for f32 {
        fn bits(self) -> (u8, u128) { (12, self.to_bits() as u128) }
    }
    impl Dump for f64 {
        fn bits(self) -> (u8, u128) { (13, self.to_bits() as u128) }
    }
    impl Dump for bool {
        fn bits(self) -> (u8, u128) { (14, self as u128) }
    }
    impl Dump for char {
        fn bits(self) -> (u8, u128) { (15, self as u32 as u128) }
    }

    /// A float's bits with every NaN made one NaN: Rust leaves a NaN's sign
    /// and payload unspecified, so only canonical bits are observed.
    #[inline(never)]
    pub fn bits32(x: f32) -> u32 {
        if x.is_nan() { 0x7fc0_0000 } else { x.to_bits() }
    }

    #[inline(never)]
    pub fn bits64(x: f64) -> u64 {
        if x.is_nan() { 0x7ff8_0000_0000_0000 } else { x.to_bits() }
    }

    #[inline(never)]
    pub fn larger<T: PartialOrd + Copy>(a: T, b: T) -> T {
        if a > b { a } else { b }
    }

    pub trait Shape {
        fn eval(&self, x: u64) -> u64;
    }

    #[inline(never)]
    pub fn pick_shape<'a>(a: &'a dyn Shape, b: &'a dyn Shape, first: bool) -> &'a dyn Shape {
        if first { a } else { b }
    }
}

pub mod prog {
    use super::rt::*;

    pub fn run(inp: &[u64; 16], t: &mut Trace) {
        {
            let i47 = 0u32;
            t.dump(40, (((inp[14] as u128) as f64) % (-3.4375f64)));
        }
    }
}

#[cfg(gpu_device)]
pub mod device {
    gpu::kernel! {
        pub unsafe fn fuzz(inp: *const u64, out: *mut u64, cap: u32) {
            let inp = &*(inp as *const [u64; 16]);
            let mut t = super::rt::Trace::new(out.add(1), cap as usize);
            super::prog::run(inp, &mut t);
            *out = t.len as u64;
        }
    }
}

#[cfg(not(gpu_device))]
const TRACE_CAP: usize = 2048;
#[cfg(not(gpu_device))]
mod check {
    use super::TRACE_CAP;

    const TYPE_NAMES: [&str; 16] = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "f32", "f64", "bool", "char",
    ];

    /// The value with every NaN of its type made one NaN.
    fn canonical(tag: u64, bits: u128) -> u128 {
        match tag {
            12 if f32::from_bits(bits as u32).is_nan() => 0x7fc0_0000,
            13 if f64::from_bits(bits as u64).is_nan() => 0x7ff8_0000_0000_0000,
            _ => bits,
        }
    }

    /// Compares one thread's traces; `None` when they are equal.
    fn first_difference(thread: usize, want: &[u64], got: &[u64]) -> Option<String> {
        let (n_want, n_got) = (want[0] as usize, got[0] as usize);
        let stored = n_want.min(n_got).min(TRACE_CAP);
        for k in 0..stored {
            let (w, g) = (&want[1 + 3 * k..4 + 3 * k], &got[1 + 3 * k..4 + 3 * k]);
            let (tag, site) = (w[0] & 0xff, w[0] >> 8);
            let wb = w[1] as u128 | (w[2] as u128) << 64;
            let gb = g[1] as u128 | (g[2] as u128) << 64;
            if w[0] != g[0] {
                return Some(format!(
                    "thread {thread} value #{k}: the host traced site {site} ({}), the device site {} ({})",
                    TYPE_NAMES[tag as usize % 16],
                    g[0] >> 8,
                    TYPE_NAMES[(g[0] & 0xff) as usize % 16]
                ));
            }
            if canonical(tag, wb) != canonical(tag, gb) {
                return Some(format!(
                    "thread {thread} value #{k} (site {site}, {}): host {wb:#x}, device {gb:#x}",
                    TYPE_NAMES[tag as usize % 16]
                ));
            }
        }
        if n_want != n_got {
            return Some(format!(
                "thread {thread}: the host traced {n_want} values, the device {n_got}"
            ));
        }
        None
    }

    fn report(seed: u64, want: &[u64], got: &[u64]) {
        let per_thread = 1 + 3 * TRACE_CAP;
        for (thread, (w, g)) in want.chunks(per_thread).zip(got.chunks(per_thread)).enumerate() {
            if let Some(diff) = first_difference(thread, w, g) {
                println!("Output: device trace differs from host trace");
                eprintln!("trace mismatch: seed {seed}, {diff}");
                return;
            }
        }
        println!("Output: device trace equals host trace");
    }
    pub fn compare(seed: u64, want: &[u64], got: &[u64]) { report(seed, want, got) }
}

#[cfg(not(gpu_device))]
fn main() {
    use host_runtime::prelude::*;
    host_runtime::run(|gpu| {
        let module = gpu.load_module_from_env()?;
        {
        // seed 11
        let inp: [u64; 16] = [0x130f66dc256bdb83, 0x33, 0x7fffffff, 0xffffffffffffff68, 0xba7c62acf70d8e42, 0xd1, 0x7fffffff, 0xfffffffffffffce8, 0x9f99abb764b20771, 0x65, 0x7fffffff, 0x208, 0x8944e18a5aa57f4d, 0xb3, 0xffffffffffffffff, 0xe8];
        let per_thread = 1 + 3 * TRACE_CAP;
        let mut want = vec![0u64; 1 * per_thread];
        // The oracle: the same module, compiled for the host.
        let mut t = rt::Trace::new(want[1..].as_mut_ptr(), TRACE_CAP);
        prog::run(&inp, &mut t);
        want[0] = t.len as u64;
        let d_inp = gpu.upload(&inp)?;
        let d_out = gpu.zeros::<u64>(want.len())?;
        module
            .kernel("fuzz")?
            .launch(LaunchConfig::single_thread(), &[&d_inp, &d_out, &(TRACE_CAP as u32)])?;
        check::compare(11, &want, &d_out.to_vec()?);
        }
        Ok(())
    });
}
