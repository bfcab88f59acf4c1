//! Kernels written in PTX by hand, executed on the emulator. Every expected
//! value is worked out by hand from the PTX ISA manual (or IEEE 754) in the
//! comment beside it, never taken from a run.

use ptx_emu::exec::{Arch, FaultKind, LaunchConfig, Machine, Schedule};

const HEADER: &str = ".version 8.0\n.target sm_80\n.address_size 64\n";

fn machine() -> Machine {
    Machine::new(Arch::parse("sm_80").unwrap(), Schedule::InOrder)
}

fn cfg(grid: u32, block: u32) -> LaunchConfig {
    LaunchConfig {
        grid: [grid, 1, 1],
        block: [block, 1, 1],
        shared: 0,
        cluster: [1, 1, 1],
    }
}

/// Loads `body` (after the header), runs `kernel` with one `u64` output
/// buffer of `n` u32s as its only parameter, and returns the buffer.
fn run_u32(
    body: &str,
    kernel: &str,
    c: LaunchConfig,
    n: usize,
) -> Result<Vec<u32>, ptx_emu::exec::Fault> {
    let mut m = machine();
    let module = m
        .load_module(&format!("{HEADER}{body}"))
        .expect("the test PTX loads");
    let out = m
        .mem
        .alloc(4 * n as u64, ptx_emu::exec::memory::AllocKind::Host);
    m.launch(module, kernel, &c, &out.to_le_bytes())?;
    let bytes = m.mem.host_slice_mut(out, 4 * n as u64).unwrap();
    Ok(bytes
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect())
}

/// A kernel `k(out)` that computes `%r1` with `code` and stores it at out[tid].
fn store_per_thread(code: &str) -> String {
    format!(
        ".visible .entry k(.param .u64 out) {{
  .reg .b32 %r<10>; .reg .b64 %rd<5>; .reg .pred %p<4>; .reg .f32 %f<5>;
  ld.param.u64 %rd1, [out];
  mov.u32 %r0, %tid.x;
{code}
  mul.wide.u32 %rd2, %r0, 4;
  add.s64 %rd3, %rd1, %rd2;
  st.global.u32 [%rd3], %r1;
  ret;
}}"
    )
}

mod collectives_faults_and_scheduling;
mod instruction_forms;
mod mbarriers_stack_and_clusters;
