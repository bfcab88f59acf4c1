//! Enums with payloads: a tagged union read from memory and matched on,
//! and a `#[repr(C, u8)]` enum whose layout is fixed.
//@ stages: ptx ptxas mir
#![no_std]
#![feature(abi_ptx, stdarch_nvptx)]

use core::arch::nvptx::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { trap() }
}

#[derive(Clone, Copy)]
pub enum Shape {
    Circle { r: f32 },
    Rect { w: f32, h: f32 },
    Tri(f32, f32, f32),
    Empty,
}

impl Shape {
    fn area(self) -> f32 {
        match self {
            Shape::Circle { r } => 3.14159265 * r * r,
            Shape::Rect { w, h } => w * h,
            Shape::Tri(a, b, c) => {
                let s = (a + b + c) * 0.5;
                s * (s - a) * (s - b) * (s - c)
            }
            Shape::Empty => 0.0,
        }
    }
}

#[repr(C, u8)]
#[derive(Clone, Copy)]
pub enum Cmd {
    Add(u32) = 1,
    Mul(u32) = 2,
    Reset = 3,
}

/// Builds shapes from a raw tag stream and sums their areas.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn sum_areas(tags: *const u8, vals: *const f32, n: usize, out: *mut f32) {
    let mut total = 0.0;
    for i in 0..n {
        let v = vals.add(3 * i);
        let shape = match *tags.add(i) {
            0 => Shape::Circle { r: *v },
            1 => Shape::Rect { w: *v, h: *v.add(1) },
            2 => Shape::Tri(*v, *v.add(1), *v.add(2)),
            _ => Shape::Empty,
        };
        total += shape.area();
    }
    *out = total;
}

/// Interprets `#[repr(C, u8)]` commands that the host wrote into memory.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn run_cmds(cmds: *const Cmd, n: usize, out: *mut u32) {
    let mut acc = 0u32;
    for i in 0..n {
        acc = match *cmds.add(i) {
            Cmd::Add(x) => acc.wrapping_add(x),
            Cmd::Mul(x) => acc.wrapping_mul(x),
            Cmd::Reset => 0,
        };
    }
    *out = acc;
}
// Built-in backend only: the .mir snapshot shows the test's own panic handler and .rs line numbers, which the dialect would change.
//@ only-backend: builtin
