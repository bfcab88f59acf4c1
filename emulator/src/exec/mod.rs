//! Executes decoded PTX with CUDA's execution model.
//!
//! [`Machine`] is one device context: global memory, loaded modules, the
//! device printf buffer. [`Machine::launch`] runs a kernel to completion
//! (see [`interp`]) and returns a [`Fault`] naming the kernel, PTX line,
//! block and thread when it fails.

pub mod decode;
pub mod hmm;
pub mod interp;
pub mod memory;
pub mod ops;
pub mod printf;
pub mod program;
mod shared_layout;
pub mod types;

use std::collections::HashMap;

use crate::ptx::ast::{self, Init, Space};
use decode::{var_layout, Symbols};
use memory::{AllocKind, GlobalMemory, CODE_BASE};
use program::Func;

/// The emulator's version, part of its device name and of cache keys.
pub const VERSION: &str = "0.1";

/// What went wrong, as the CUDA error a GPU would report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// CUDA_ERROR_ILLEGAL_ADDRESS (700).
    IllegalAddress,
    /// CUDA_ERROR_MISALIGNED_ADDRESS (716).
    Misaligned,
    /// CUDA_ERROR_ILLEGAL_INSTRUCTION (715): `trap`, `brkpt`.
    IllegalInstruction,
    /// CUDA_ERROR_ASSERT (710): device `__assertfail`.
    Assert,
    /// CUDA_ERROR_LAUNCH_FAILED (719): a deadlock, a broken collective.
    LaunchFailed,
    /// CUDA_ERROR_NOT_SUPPORTED (801): an instruction the emulator does not implement.
    Unsupported,
    /// CUDA_ERROR_INVALID_VALUE (1): a bad launch configuration or arguments.
    InvalidValue,
    /// CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701).
    OutOfResources,
    /// CUDA_ERROR_INVALID_PC (718): a call through a pointer that is no function.
    InvalidPc,
}

impl FaultKind {
    /// The CUDA driver error code.
    pub fn code(self) -> u32 {
        match self {
            FaultKind::IllegalAddress => 700,
            FaultKind::Misaligned => 716,
            FaultKind::IllegalInstruction => 715,
            FaultKind::Assert => 710,
            FaultKind::LaunchFailed => 719,
            FaultKind::Unsupported => 801,
            FaultKind::InvalidValue => 1,
            FaultKind::OutOfResources => 701,
            FaultKind::InvalidPc => 718,
        }
    }

    /// The CUDA enumerator name (from the `cuda-errors` crate's one list).
    pub fn name(self) -> &'static str {
        cuda_errors::name(self.code()).unwrap_or("CUDA_ERROR_UNKNOWN")
    }

    /// Whether the error corrupts the context (every later call fails), as on a GPU.
    pub fn is_sticky(self) -> bool {
        !matches!(
            self,
            FaultKind::InvalidValue | FaultKind::OutOfResources | FaultKind::Unsupported
        )
    }
}

/// A failed launch: the CUDA error and a message naming kernel, line, block, thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub message: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.name(), self.message)
    }
}

/// The architecture the emulator presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arch {
    /// `sm_90a`.
    pub name: String,
    pub major: u32,
    pub minor: u32,
    /// Shared memory per block with the opt-in attribute.
    pub max_shared_optin: u32,
    pub multiprocessors: u32,
}

impl Arch {
    /// Parses `sm_90a`, `sm_100f`, `sm_80`, … (default: sm_80).
    pub fn parse(name: &str) -> Option<Arch> {
        let digits: String = name
            .strip_prefix("sm_")?
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let n: u32 = digits.parse().ok()?;
        let (major, minor) = (n / 10, n % 10);
        let max_shared_optin = match n {
            75 => 64 * 1024,
            80 | 87 => 163 * 1024,
            86 | 89 => 99 * 1024,
            90 | 100 | 101 | 103 | 110 => 227 * 1024,
            120 | 121 => 99 * 1024,
            _ => 48 * 1024,
        };
        Some(Arch {
            name: name.to_string(),
            major,
            minor,
            max_shared_optin,
            multiprocessors: 132,
        })
    }
}

/// A module loaded into a [`Machine`].
#[derive(Debug)]
pub struct Module {
    pub funcs: Vec<Func>,
    pub by_name: HashMap<String, u32>,
    /// `.global`/`.const` variables: (address, size).
    pub globals: HashMap<String, (u64, u64)>,
    /// The module's debug lines, for fault reports.
    pub debug: crate::ptx::ast::DebugLines,
    /// The most static `.shared` bytes of any kernel (each kernel's own are
    /// its `Func::static_shared`).
    pub static_shared: u64,
    /// `.target` of the module.
    pub target: Vec<String>,
    /// Global allocations owned by the module (freed on unload).
    allocations: Vec<u64>,
    /// Every function index, by its code address.
    pub first_code_address: u64,
    /// For every function index, the index calls resolve to (the
    /// definition when a declaration comes first): indirect calls use it
    /// instead of a lookup by name.
    pub call_index: Vec<u32>,
    /// Every function whose address the module takes (in code or in an
    /// initializer), sorted: what its indirect calls may reach.
    pub address_taken: Vec<u32>,
}

/// Why a module failed to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PTX line {}: {}", self.line, self.message)
    }
}

/// A launch's shape.
#[derive(Clone, Debug)]
pub struct LaunchConfig {
    pub grid: [u32; 3],
    pub block: [u32; 3],
    /// Dynamic shared memory bytes.
    pub shared: u32,
    /// Blocks per cluster (`CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION`); `[1, 1,
    /// 1]` for none, and then the kernel's `.reqnctapercluster` applies.
    pub cluster: [u32; 3],
}

/// How threads are interleaved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Threads in order, a fixed slice each: the same run every time.
    InOrder,
    /// Orders and slice lengths from a seeded generator.
    Shuffle(u64),
}

impl Schedule {
    /// Parses `PTX_EMU_SCHEDULE`: `in-order` (default) or `shuffle:<seed>`.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        match s.trim() {
            "" | "in-order" | "default" => Ok(Schedule::InOrder),
            other => match other.strip_prefix("shuffle:") {
                Some(seed) => seed.trim().parse().map(Schedule::Shuffle).map_err(|_| {
                    format!("PTX_EMU_SCHEDULE={other}: the seed must be an unsigned integer, e.g. shuffle:42")
                }),
                None => Err(format!(
                    "PTX_EMU_SCHEDULE={other}: expected `in-order` or `shuffle:<seed>`"
                )),
            },
        }
    }
}

/// CUDA's default `CU_LIMIT_STACK_SIZE`: bytes of stack per thread.
pub const DEFAULT_STACK_LIMIT: u32 = 1024;

/// One emulated device context.
#[derive(Debug)]
pub struct Machine {
    pub arch: Arch,
    pub mem: GlobalMemory,
    pub modules: Vec<Option<Module>>,
    /// Device printf output not yet flushed (flushed at synchronization).
    pub printf: Vec<u8>,
    pub schedule: Schedule,
    /// Emulated thread-instructions executed, across launches.
    pub instructions: u64,
    /// Launches so far (seeds the shuffle of each launch differently).
    pub launches: u64,
    /// What `%envreg0`…`%envreg31` read in the next launches: the driver
    /// sets them (a cooperative launch puts its grid-sync workspace's
    /// address in `%envreg1:%envreg2`, as CUDA's driver does); 0 otherwise.
    pub envregs: [u32; 32],
    /// Bytes of stack per thread for kernels whose call graph is recursive
    /// or indirect (`CU_LIMIT_STACK_SIZE`, 1 KiB by default as in CUDA);
    /// other kernels get what their deepest call path needs.
    pub stack_limit: u32,
    /// The racecheck and synccheck tools (initcheck is `mem.initcheck`):
    /// see `interp/sanitize.rs`.
    pub racecheck: bool,
    pub synccheck: bool,
    /// Device code may reach the host program's memory (see `hmm.rs`).
    pub hmm: bool,
    next_function_index: u64,
}

/// The sanitizer tools `Machine::set_tools` knows.
pub const TOOLS: [&str; 5] = ["memcheck", "racecheck", "initcheck", "synccheck", "all"];

impl Machine {
    /// Turns on the sanitizer tools of a comma-separated list (`memcheck`,
    /// always on, `racecheck`, `initcheck`, `synccheck`, or `all`), as
    /// `PTX_EMU_TOOLS` and `ptx-emu run --tool` name them.
    pub fn set_tools(&mut self, spec: &str) -> Result<(), String> {
        for tool in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            match tool {
                "memcheck" => {}
                "racecheck" => self.racecheck = true,
                "initcheck" => self.mem.initcheck = true,
                "synccheck" => self.synccheck = true,
                "all" => {
                    self.racecheck = true;
                    self.mem.initcheck = true;
                    self.synccheck = true;
                }
                other => {
                    return Err(format!(
                        "`{other}` is not a tool (one of {})",
                        TOOLS.join(", ")
                    ))
                }
            }
        }
        Ok(())
    }

    pub fn new(arch: Arch, schedule: Schedule) -> Self {
        Machine {
            arch,
            mem: GlobalMemory::new(),
            modules: Vec::new(),
            printf: Vec::new(),
            schedule,
            instructions: 0,
            launches: 0,
            envregs: [0; 32],
            stack_limit: DEFAULT_STACK_LIMIT,
            racecheck: false,
            synccheck: false,
            hmm: false,
            next_function_index: 0,
        }
    }

    /// Parses, decodes and places a module; returns its index.
    pub fn load_module(&mut self, text: &str) -> Result<usize, LoadError> {
        let ast = crate::ptx::parse(text).map_err(|e| LoadError {
            line: e.line,
            message: e.message,
        })?;
        self.load_parsed(&ast)
    }

    /// Decodes and places an already parsed module; returns its index.
    pub fn load_parsed(&mut self, ast: &ast::Module) -> Result<usize, LoadError> {
        let module = self.place(ast)?;
        self.modules.push(Some(module));
        Ok(self.modules.len() - 1)
    }

    /// Frees a module's variables.
    pub fn unload_module(&mut self, index: usize) -> bool {
        match self.modules.get_mut(index).and_then(|m| m.take()) {
            Some(m) => {
                for a in m.allocations {
                    self.mem.free(a, Some(AllocKind::Variable));
                }
                true
            }
            None => false,
        }
    }

    fn place(&mut self, m: &ast::Module) -> Result<Module, LoadError> {
        let err = |line: u32, message: String| LoadError { line, message };
        let mut syms = Symbols::default();
        // Functions get indices (and code addresses) unique in this machine,
        // so a function pointer of one module is never another's.
        let first = self.next_function_index;
        for (i, f) in m.functions.iter().enumerate() {
            syms.functions.entry(f.name.clone()).or_insert(i as u32);
        }
        self.next_function_index += m.functions.len() as u64;
        let mut globals = HashMap::new();
        let mut allocations = Vec::new();
        let shared = shared_layout::layout(m)?;
        syms.shared = shared.offsets;
        syms.fn_shared = shared.body_offsets;
        for v in &m.variables {
            match v.space {
                Space::Global | Space::Const => {
                    let (size, _) = var_layout(v).map_err(|e| err(v.line, e))?;
                    if v.linkage == ast::Linkage::Extern {
                        return Err(err(
                            v.line,
                            format!(
                                "extern variable {} has no definition in this module",
                                v.name
                            ),
                        ));
                    }
                    let addr = self.mem.alloc(size, AllocKind::Variable);
                    allocations.push(addr);
                    syms.globals.insert(v.name.clone(), addr);
                    globals.insert(v.name.clone(), (addr, size));
                }
                Space::Shared => {}
                other => {
                    return Err(err(
                        v.line,
                        format!("a module-scope {other:?} variable is not supported"),
                    ))
                }
            }
        }
        // Initializers (after every address is known). A function named in
        // one (a vtable) has its address taken.
        let mut init_address_taken: Vec<u32> = Vec::new();
        for v in &m.variables {
            let Some(init) = &v.init else { continue };
            let Some(&addr) = syms.globals.get(&v.name) else {
                return Err(err(
                    v.line,
                    "only .global and .const variables can be initialized".into(),
                ));
            };
            let ty = types::Ty::parse(&v.ty)
                .ok_or_else(|| err(v.line, format!("unknown type .{}", v.ty)))?;
            let elem = ty.size() as u64;
            let (size, _) = var_layout(v).map_err(|e| err(v.line, e))?;
            let mut bytes = Vec::with_capacity(size as usize);
            for item in init {
                let value = match item {
                    Init::Int(x) => *x,
                    Init::F32(b) if ty == types::Ty::F64 => (f32::from_bits(*b) as f64).to_bits(),
                    Init::F32(b) => *b as u64,
                    Init::F64(b) if ty == types::Ty::F32 => {
                        (f64::from_bits(*b) as f32).to_bits() as u64
                    }
                    Init::F64(b) => *b,
                    Init::Symbol { name, offset, .. } => {
                        let base = if let Some(a) = syms.globals.get(name) {
                            *a
                        } else if let Some(f) = syms.functions.get(name) {
                            init_address_taken.push(*f);
                            CODE_BASE + 16 * (first + *f as u64)
                        } else {
                            return Err(err(
                                v.line,
                                format!("unknown symbol {name} in an initializer"),
                            ));
                        };
                        base.wrapping_add(*offset as u64)
                    }
                };
                bytes.extend_from_slice(&value.to_le_bytes()[..elem.min(8) as usize]);
            }
            if bytes.len() as u64 > size {
                return Err(err(
                    v.line,
                    format!(
                        "{} initializer bytes for a {size}-byte variable",
                        bytes.len()
                    ),
                ));
            }
            self.mem
                .slice_mut(addr, bytes.len() as u64, false)
                .map_err(|e| err(v.line, format!("{e:?}")))?
                .copy_from_slice(&bytes);
        }
        for v in &m.variables {
            if v.space == Space::Const {
                if let Some(&a) = syms.globals.get(&v.name) {
                    self.mem.set_read_only(a);
                }
            }
        }
        // Function addresses are machine-wide: rebase the decoder's view.
        let mut decode_syms = syms.clone();
        for idx in decode_syms.functions.values_mut() {
            *idx = (*idx as u64 + first) as u32;
        }
        let mut funcs = Vec::with_capacity(m.functions.len());
        for f in &m.functions {
            let mut d =
                decode::decode_function(f, &decode_syms).map_err(|e| err(e.line, e.message))?;
            // Direct callees and taken addresses back to module-local indices.
            for c in d.callees.iter_mut().chain(&mut d.address_taken) {
                *c -= first as u32;
            }
            for inst in &mut d.code {
                if let program::Op::Call {
                    target: program::CallTarget::Direct(t),
                    ..
                } = &mut inst.op
                {
                    *t -= first as u32;
                }
            }
            funcs.push(d);
        }
        // A declared function may be defined later in the same module.
        let mut by_name = HashMap::new();
        for (i, f) in funcs.iter().enumerate() {
            if f.has_body || !by_name.contains_key(&f.name) {
                by_name.insert(f.name.clone(), i as u32);
            }
        }
        for f in &mut funcs {
            for inst in &mut f.code {
                if let program::Op::Call {
                    target: program::CallTarget::Direct(t),
                    ..
                } = &mut inst.op
                {
                    *t = by_name[&m.functions[*t as usize].name];
                }
            }
            for c in f.callees.iter_mut().chain(&mut f.address_taken) {
                *c = by_name[&m.functions[*c as usize].name];
            }
        }
        let mut address_taken: Vec<u32> = funcs
            .iter()
            .flat_map(|f| f.address_taken.iter().copied())
            .chain(
                init_address_taken
                    .iter()
                    .map(|&c| by_name[&m.functions[c as usize].name]),
            )
            .collect();
        address_taken.sort_unstable();
        address_taken.dedup();
        let call_index = funcs.iter().map(|f| by_name[&f.name]).collect();
        for f in &mut funcs {
            f.static_shared = shared.kernel_static.get(&f.name).copied().unwrap_or(0);
        }
        let static_shared = funcs.iter().map(|f| f.static_shared).max().unwrap_or(0);
        Ok(Module {
            call_index,
            address_taken,
            funcs,
            by_name,
            globals,
            static_shared,
            debug: m.debug.clone(),
            target: m.target.clone(),
            allocations,
            first_code_address: CODE_BASE + 16 * first,
        })
    }

    /// Runs `kernel` of module `module` with the packed parameter buffer `params`.
    pub fn launch(
        &mut self,
        module: usize,
        kernel: &str,
        cfg: &LaunchConfig,
        params: &[u8],
    ) -> Result<(), Fault> {
        interp::launch(self, module, kernel, cfg, params)
    }

    /// Takes the device printf output produced so far.
    pub fn take_printf(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.printf)
    }
}
