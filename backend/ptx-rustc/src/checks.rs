//! GPU kernel checks.
//!
//! Every function of the local crate with the `extern "ptx-kernel"` ABI is a
//! *kernel*. Each check in [`CHECKS`] inspects one kernel and reports errors
//! through `tcx.dcx()`. Every diagnostic is an error whose primary message
//! ends with ` [gpu::<name>]` and which carries a `help:` explaining the fix.
//! The names and message texts are a public interface: tests pin them.

use rustc_abi::ExternAbi;
use rustc_hir::def::DefKind;
use rustc_hir::def_id::LocalDefId;
use rustc_hir::Mutability;
use rustc_middle::middle::codegen_fn_attrs::CodegenFnAttrFlags;
use rustc_middle::ty::{self, GenericParamDefKind, Ty, TyCtxt, TypingEnv, Unnormalized};
use rustc_span::{sym, Span};

/// The limit for the total size of a kernel's parameters, in bytes, from
/// PTX ISA 8.1 on sm_70 and newer (ptxas: "uses too much parameter space").
pub const MAX_PARAM_BYTES: u64 = 32764;
/// The limit below PTX ISA 8.1 (or below sm_70), in bytes.
pub const MAX_PARAM_BYTES_BEFORE_ISA_81: u64 = 4352;

/// The oldest PTX ISA (`major * 10 + minor`) that describes an `sm_XX`
/// target: the ISA the backend's `llc` step emits (`-mattr=+ptxNN`). The
/// same table as `ptx_backend::SmTarget::min_ptx_isa`; a unit test keeps
/// the two equal. `None` for a target this table doesn't know.
pub fn min_ptx_isa(target_cpu: &str) -> Option<u32> {
    let body = target_cpu.strip_prefix("sm_")?;
    let (digits, suffix) = match body.as_bytes().last()? {
        b'a' | b'f' => (&body[..body.len() - 1], body.as_bytes()[body.len() - 1]),
        _ => (body, b' '),
    };
    let number: u32 = digits.parse().ok()?;
    Some(match (number, suffix) {
        (..=74, _) => 60,
        (75, _) => 63,
        (80, _) => 70,
        (86, _) => 71,
        (87, _) => 74,
        (89, _) | (90, b' ') => 78,
        (90, _) => 80,
        (88, _) | (110, _) => 90,
        (100, b'f') | (101, b'f') => 88,
        (100, _) | (101, _) => 86,
        (103, _) => 88,
        (120, b'f') | (121, _) => 88,
        (120, _) => 87,
        _ => 90,
    })
}

/// The PTX ISA a compile targets: the newest of the target's oldest ISA
/// (what the backend's `llc` step uses) and any `-Ctarget-feature=+ptxNN`.
pub fn target_ptx_isa(target_cpu: Option<&str>, target_features: &str) -> Option<u32> {
    let from_cpu = target_cpu.and_then(min_ptx_isa);
    let from_features = target_features
        .split(',')
        .filter_map(|f| f.trim().strip_prefix("+ptx")?.parse::<u32>().ok())
        .max();
    from_cpu.max(from_features)
}

/// The parameter limit for a PTX ISA and sm number, as ptxas enforces it.
pub fn max_param_bytes(isa: u32, sm: u32) -> u64 {
    if isa >= 81 && sm >= 70 {
        MAX_PARAM_BYTES
    } else {
        MAX_PARAM_BYTES_BEFORE_ISA_81
    }
}

/// Name of the `kernel-reference-param` check.
pub const REFERENCE_PARAM: &str = "kernel-reference-param";
/// Name of the `kernel-generic` check.
pub const GENERIC: &str = "kernel-generic";
/// Name of the `kernel-no-mangle` check.
pub const NO_MANGLE: &str = "kernel-no-mangle";
/// Name of the `kernel-ffi-unsafe-param` check.
pub const FFI_UNSAFE_PARAM: &str = "kernel-ffi-unsafe-param";
/// Name of the `kernel-unreachable` check.
pub const UNREACHABLE: &str = "kernel-unreachable";
/// Name of the `kernel-params-too-large` check.
pub const PARAMS_TOO_LARGE: &str = "kernel-params-too-large";

/// One kernel parameter, with its type as seen by codegen.
struct Param<'tcx> {
    /// The parameter's name as written (`_` for patterns).
    name: String,
    /// Normalized type with regions erased.
    ty: Ty<'tcx>,
    /// Span of the type as written in the signature.
    span: Span,
}

/// A kernel: an `extern "ptx-kernel"` fn of the local crate.
pub struct Kernel<'tcx> {
    def_id: LocalDefId,
    name: String,
    /// Span of the fn's identifier.
    span: Span,
    typing_env: TypingEnv<'tcx>,
    params: Vec<Param<'tcx>>,
}

/// A check: inspects one kernel and emits its diagnostics.
pub type CheckFn = for<'tcx> fn(TyCtxt<'tcx>, &Kernel<'tcx>);

/// All checks, by stable name, in the order they run.
pub const CHECKS: &[(&str, CheckFn)] = &[
    (REFERENCE_PARAM, check_reference_param),
    (GENERIC, check_generic),
    (NO_MANGLE, check_no_mangle),
    (FFI_UNSAFE_PARAM, check_ffi_unsafe_param),
    (UNREACHABLE, check_unreachable),
    (PARAMS_TOO_LARGE, check_params_too_large),
];

/// Runs every check over every kernel of the local crate.
pub fn run_all(tcx: TyCtxt<'_>) {
    for kernel in kernels(tcx) {
        for (_, check) in CHECKS {
            check(tcx, &kernel);
        }
    }
}

/// Emits a `[gpu::<name>]` error at `span` with a help message.
fn report(tcx: TyCtxt<'_>, name: &str, span: Span, msg: String, help: String) {
    tcx.dcx()
        .struct_span_err(span, format!("{msg} [gpu::{name}]"))
        .with_help(help)
        .emit();
}

/// Collects the kernels of the local crate in definition order.
fn kernels(tcx: TyCtxt<'_>) -> Vec<Kernel<'_>> {
    tcx.hir_crate_items(())
        .definitions()
        .filter(|&def_id| matches!(tcx.def_kind(def_id), DefKind::Fn | DefKind::AssocFn))
        // Declarations in `extern` blocks are not kernels defined here.
        .filter(|&def_id| !tcx.is_foreign_item(def_id))
        .filter(|&def_id| tcx.fn_sig(def_id).skip_binder().abi() == ExternAbi::PtxKernel)
        .map(|def_id| kernel(tcx, def_id))
        .collect()
}

fn kernel(tcx: TyCtxt<'_>, def_id: LocalDefId) -> Kernel<'_> {
    let typing_env = TypingEnv::post_analysis(tcx, def_id);
    let sig = tcx
        .fn_sig(def_id)
        .instantiate_identity()
        .skip_normalization();
    let sig = tcx.instantiate_bound_regions_with_erased(sig);
    let decl = tcx.hir_node_by_def_id(def_id).fn_decl();
    let idents = tcx.fn_arg_idents(def_id.to_def_id());
    let params = sig
        .inputs()
        .iter()
        .enumerate()
        .map(|(i, &ty)| {
            let ty = tcx
                .try_normalize_erasing_regions(typing_env, Unnormalized::new(ty))
                .unwrap_or(ty);
            let span = decl
                .and_then(|d| d.inputs.get(i))
                .map_or_else(|| tcx.def_span(def_id), |t| t.span);
            let name = idents
                .get(i)
                .copied()
                .flatten()
                .map_or_else(|| "_".to_string(), |id| id.to_string());
            Param { name, ty, span }
        })
        .collect();
    Kernel {
        def_id,
        name: tcx.item_name(def_id.to_def_id()).to_string(),
        span: tcx
            .def_ident_span(def_id)
            .unwrap_or_else(|| tcx.def_span(def_id)),
        typing_env,
        params,
    }
}

// ---------------------------------------------------------------------------
// kernel-reference-param

/// Prints a type for a diagnostic, with paths trimmed (`Option<&u8>` rather
/// than `core::option::Option<&u8>`).
fn ty_str(ty: Ty<'_>) -> String {
    ty::print::with_forced_trimmed_paths!(ty.to_string())
}

/// Suggested raw-pointer replacement for a pointer to `pointee`.
fn raw_ptr_sugg<'tcx>(
    tcx: TyCtxt<'tcx>,
    env: TypingEnv<'tcx>,
    pointee: Ty<'tcx>,
    mutbl: Mutability,
) -> String {
    let ptr = if mutbl.is_mut() { "*mut" } else { "*const" };
    match pointee.kind() {
        ty::Slice(elem) => format!("`{ptr} {}` plus a `len: usize`", ty_str(*elem)),
        ty::Str => format!("`{ptr} u8` plus a `len: usize`"),
        _ if !pointee.is_sized(tcx, env) => format!("`{ptr} T` to a concrete sized type"),
        _ => format!("`{ptr} {}`", ty_str(pointee)),
    }
}

/// If `ty` is a reference, fat pointer or host pointer, returns a short
/// description of it and the suggested raw-pointer replacement.
fn host_or_fat_pointer<'tcx>(
    tcx: TyCtxt<'tcx>,
    env: TypingEnv<'tcx>,
    ty: Ty<'tcx>,
) -> Option<(&'static str, String)> {
    let sugg = |pointee, mutbl| raw_ptr_sugg(tcx, env, pointee, mutbl);
    match ty.kind() {
        ty::Ref(_, pointee, mutbl) => Some(("a reference", sugg(*pointee, *mutbl))),
        ty::RawPtr(pointee, mutbl) if !pointee.is_sized(tcx, env) => {
            Some(("a fat raw pointer", sugg(*pointee, *mutbl)))
        }
        ty::Slice(_) | ty::Str => Some(("an unsized slice", sugg(ty, Mutability::Not))),
        ty::Dynamic(..) => Some(("a trait object", sugg(ty, Mutability::Not))),
        // Each element of an array passed by value is a host pointer too.
        ty::Array(elem, _) => host_or_fat_pointer(tcx, env, *elem)
            .map(|(_, s)| ("an array of references or fat pointers", s)),
        // `NonNull<[T]>` and `NonNull<dyn Trait>` are fat, like `*const [T]`.
        ty::Adt(def, args)
            if tcx.is_diagnostic_item(sym::NonNull, def.did())
                && !args.type_at(0).is_sized(tcx, env) =>
        {
            Some((
                "a fat `NonNull` pointer",
                sugg(args.type_at(0), Mutability::Mut),
            ))
        }
        ty::Adt(def, args) if def.is_box() => Some((
            "a `Box` (a host heap pointer)",
            sugg(args.type_at(0), Mutability::Mut),
        )),
        ty::Adt(def, args) if tcx.is_diagnostic_item(sym::Option, def.did()) => {
            host_or_fat_pointer(tcx, env, args.type_at(0))
                .map(|(_, s)| ("an `Option` of a reference or host pointer", s))
        }
        _ => None,
    }
}

fn check_reference_param<'tcx>(tcx: TyCtxt<'tcx>, k: &Kernel<'tcx>) {
    for p in &k.params {
        if let Some((what, sugg)) = host_or_fat_pointer(tcx, k.typing_env, p.ty) {
            report(
                tcx,
                REFERENCE_PARAM,
                p.span,
                format!(
                    "kernel `{}` parameter `{}` has type `{}`, which is {what}; \
                     references and fat pointers cannot cross the kernel launch ABI",
                    k.name,
                    p.name,
                    ty_str(p.ty)
                ),
                format!("pass a raw pointer instead: {sugg}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// kernel-generic

fn check_generic<'tcx>(tcx: TyCtxt<'tcx>, k: &Kernel<'tcx>) {
    let mut names = Vec::new();
    let mut generics = Some(tcx.generics_of(k.def_id));
    while let Some(g) = generics {
        for param in &g.own_params {
            match param.kind {
                GenericParamDefKind::Lifetime => {}
                GenericParamDefKind::Type { synthetic, .. } => names.push(if synthetic {
                    "impl Trait".to_string()
                } else {
                    param.name.to_string()
                }),
                GenericParamDefKind::Const { .. } => names.push(param.name.to_string()),
            }
        }
        generics = g.parent.map(|p| tcx.generics_of(p));
    }
    // Parameters of an enclosing impl or trait (including a trait's implicit
    // `Self`) make the kernel generic too.
    if names.is_empty() {
        return;
    }
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    report(
        tcx,
        GENERIC,
        k.span,
        format!(
            "kernel `{}` has generic parameters ({list}) and can never be exported \
             under a fixed symbol",
            k.name
        ),
        "write a non-generic kernel for each instantiation that calls a generic \
         device function"
            .to_string(),
    );
}

// ---------------------------------------------------------------------------
// kernel-no-mangle

fn check_no_mangle<'tcx>(tcx: TyCtxt<'tcx>, k: &Kernel<'tcx>) {
    let attrs = tcx.codegen_fn_attrs(k.def_id);
    if attrs.flags.contains(CodegenFnAttrFlags::NO_MANGLE) || attrs.symbol_name.is_some() {
        return;
    }
    report(
        tcx,
        NO_MANGLE,
        k.span,
        format!(
            "kernel `{}` is not `#[no_mangle]`, so the host cannot find its mangled symbol",
            k.name
        ),
        format!(
            "add `#[no_mangle]` (`#[unsafe(no_mangle)]` in edition 2024) so it is exported as `{}`",
            k.name
        ),
    );
}

// ---------------------------------------------------------------------------
// kernel-ffi-unsafe-param

/// Why a type has no stable C layout, and how to fix it.
struct FfiProblem<'tcx> {
    /// The offending (possibly nested) type.
    ty: Ty<'tcx>,
    reason: &'static str,
    help: &'static str,
}

const REPR_C_HELP: &str = "mark the type `#[repr(C)]` or pass its fields as separate parameters";

/// Returns the first reason `ty` has no stable C layout, if any. Types that
/// other checks report (references, fat pointers, generic parameters) are
/// accepted here so each problem is reported once.
fn ffi_problem<'tcx>(
    tcx: TyCtxt<'tcx>,
    env: TypingEnv<'tcx>,
    ty: Ty<'tcx>,
) -> Option<FfiProblem<'tcx>> {
    let bad = |reason, help| Some(FfiProblem { ty, reason, help });
    if host_or_fat_pointer(tcx, env, ty).is_some() {
        return None;
    }
    match ty.kind() {
        ty::Bool | ty::RawPtr(..) | ty::FnPtr(..) | ty::Param(_) | ty::Alias(..) => None,
        ty::Int(ty::IntTy::I128) | ty::Uint(ty::UintTy::U128) => bad(
            "128-bit integers have no stable kernel ABI",
            "pass it as two 64-bit halves or through a device pointer",
        ),
        ty::Int(_) | ty::Uint(_) => None,
        ty::Float(ty::FloatTy::F128) => bad(
            "`f128` has no stable kernel ABI",
            "pass it through a device pointer",
        ),
        ty::Float(_) => None,
        ty::Char => bad(
            "`char` has no C equivalent",
            "pass it as a `u32` and convert with `char::from_u32`",
        ),
        ty::Array(elem, _) | ty::Pat(elem, _) => ffi_problem(tcx, env, *elem),
        ty::Tuple(fields) if fields.is_empty() => None,
        ty::Tuple(_) => bad(
            "tuples have no stable layout",
            "pass the elements as separate parameters or use a `#[repr(C)]` struct",
        ),
        ty::Adt(def, args) => {
            if tcx.is_diagnostic_item(sym::Option, def.did()) {
                // `Option` of a non-null pointer-like type is guaranteed to
                // be represented as a nullable pointer.
                return match args.type_at(0).kind() {
                    ty::FnPtr(..) => None,
                    ty::Adt(inner, _)
                        if tcx.is_diagnostic_item(sym::NonNull, inner.did())
                            || tcx.is_diagnostic_item(sym::NonZero, inner.did()) =>
                    {
                        None
                    }
                    _ => bad("`Option` has no stable layout", REPR_C_HELP),
                };
            }
            if tcx.is_lang_item(def.did(), rustc_hir::LangItem::PhantomData) {
                return bad("`PhantomData` is not a value", "remove the parameter");
            }
            let repr = def.repr();
            if !(repr.c() || repr.transparent() || (def.is_enum() && repr.int.is_some())) {
                return bad("it is not `#[repr(C)]`", REPR_C_HELP);
            }
            def.all_fields().find_map(|field| {
                let fty = field.ty(tcx, args);
                let fty = tcx
                    .try_normalize_erasing_regions(env, fty)
                    .unwrap_or_else(|_| fty.skip_normalization());
                match fty.kind() {
                    // Zero-sized markers inside a stable-layout type are fine.
                    ty::Adt(d, _)
                        if tcx.is_lang_item(d.did(), rustc_hir::LangItem::PhantomData) =>
                    {
                        None
                    }
                    // References inside a struct are host pointers as well.
                    _ if host_or_fat_pointer(tcx, env, fty).is_some() => Some(FfiProblem {
                        ty: fty,
                        reason: "it is a reference or fat pointer",
                        help: "use a raw pointer field instead",
                    }),
                    _ => ffi_problem(tcx, env, fty),
                }
            })
        }
        ty::Closure(..) | ty::CoroutineClosure(..) => bad(
            "closures have no stable layout",
            "pass the captured values as separate parameters",
        ),
        ty::FnDef(..) => bad(
            "function items have no stable layout",
            "pass a function pointer (`fn(..)`) instead",
        ),
        ty::Never => bad("`!` has no values", "remove the parameter"),
        _ => bad("it has no stable C layout", REPR_C_HELP),
    }
}

fn check_ffi_unsafe_param<'tcx>(tcx: TyCtxt<'tcx>, k: &Kernel<'tcx>) {
    for p in &k.params {
        let Some(problem) = ffi_problem(tcx, k.typing_env, p.ty) else {
            continue;
        };
        let (because, help) = if problem.ty == p.ty {
            (problem.reason.to_string(), problem.help.to_string())
        } else {
            let inner = ty_str(problem.ty);
            (
                format!("it contains `{inner}`: {}", problem.reason),
                format!("for the field of type `{inner}`: {}", problem.help),
            )
        };
        report(
            tcx,
            FFI_UNSAFE_PARAM,
            p.span,
            format!(
                "kernel `{}` parameter `{}` has type `{}`, which has no stable C layout \
                 ({because})",
                k.name,
                p.name,
                ty_str(p.ty)
            ),
            help,
        );
    }
}

// ---------------------------------------------------------------------------
// kernel-unreachable

fn check_unreachable<'tcx>(tcx: TyCtxt<'tcx>, k: &Kernel<'tcx>) {
    if tcx.effective_visibilities(()).is_exported(k.def_id) {
        return;
    }
    let why = if tcx.visibility(k.def_id).is_public() {
        "is `pub` but not reachable from the crate root"
    } else {
        "is not `pub`"
    };
    report(
        tcx,
        UNREACHABLE,
        k.span,
        format!(
            "kernel `{}` {why}, so rustc may drop it and the host cannot launch it",
            k.name
        ),
        "make it `pub` and reachable from the crate root (a `pub` item in `pub` modules, \
         or re-exported with `pub use`)"
            .to_string(),
    );
}

// ---------------------------------------------------------------------------
// kernel-params-too-large

fn check_params_too_large<'tcx>(tcx: TyCtxt<'tcx>, k: &Kernel<'tcx>) {
    // Parameters are laid out in order, each aligned to its ABI alignment.
    let mut total: u64 = 0;
    let mut largest: Option<(u64, &Param<'tcx>)> = None;
    for p in &k.params {
        // Generic or erroneous types are reported by other checks.
        let Ok(layout) = tcx.layout_of(k.typing_env.as_query_input(p.ty)) else {
            return;
        };
        let size = layout.size.bytes();
        total = total.next_multiple_of(layout.align.abi.bytes()) + size;
        if largest.is_none_or(|(s, _)| size > s) {
            largest = Some((size, p));
        }
    }
    let cpu = tcx.sess.opts.cg.target_cpu.clone();
    let isa = target_ptx_isa(cpu.as_deref(), &tcx.sess.opts.cg.target_feature);
    let sm = cpu
        .as_deref()
        .and_then(|c| c.strip_prefix("sm_"))
        .and_then(|b| b.trim_end_matches(['a', 'f']).parse::<u32>().ok())
        .unwrap_or(0);
    // An unknown target gets the smaller limit, which every ISA accepts.
    let limit = isa.map_or(MAX_PARAM_BYTES_BEFORE_ISA_81, |isa| {
        max_param_bytes(isa, sm)
    });
    if total <= limit {
        return;
    }
    let mut diag = tcx.dcx().struct_span_err(
        k.span,
        format!(
            "kernel `{}` takes {total} bytes of parameters, more than CUDA's limit of \
             {limit} bytes [gpu::{PARAMS_TOO_LARGE}]",
            k.name
        ),
    );
    if let Some((size, p)) = largest {
        diag.span_label(p.span, format!("`{}` alone is {size} bytes", p.name));
    }
    let target = match (isa, cpu.as_deref()) {
        (Some(isa), Some(cpu)) => format!("PTX ISA {}.{} for {cpu}", isa / 10, isa % 10),
        _ => "an unknown PTX ISA".to_string(),
    };
    diag.with_note(format!(
        "this crate targets {target}; the limit is {MAX_PARAM_BYTES} bytes from PTX ISA 8.1 \
         on sm_70 and newer, and {MAX_PARAM_BYTES_BEFORE_ISA_81} bytes otherwise"
    ))
    .with_help("pass large data through a device pointer (`*const T`) instead of by value")
    .emit();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check's table and the backend's `llc -mattr=+ptxNN` must agree,
    /// or the check and ptxas disagree about the limit.
    #[test]
    fn isa_table_matches_the_backend() {
        for name in ptx_backend::sm::KNOWN_TARGETS {
            let sm: ptx_backend::SmTarget = name.parse().unwrap();
            assert_eq!(min_ptx_isa(name), Some(sm.min_ptx_isa()), "{name}");
        }
    }

    #[test]
    fn limit_follows_the_isa() {
        assert_eq!(target_ptx_isa(Some("sm_80"), ""), Some(70));
        assert_eq!(target_ptx_isa(Some("sm_80"), "+ptx81"), Some(81));
        assert_eq!(target_ptx_isa(Some("sm_100"), ""), Some(86));
        assert_eq!(target_ptx_isa(None, ""), None);
        assert_eq!(max_param_bytes(70, 80), 4352);
        assert_eq!(max_param_bytes(80, 90), 4352);
        assert_eq!(max_param_bytes(81, 80), 32764);
        assert_eq!(max_param_bytes(86, 100), 32764);
        assert_eq!(max_param_bytes(81, 60), 4352);
    }
}
