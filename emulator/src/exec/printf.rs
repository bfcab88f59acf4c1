//! Device-side `printf` (CUDA's `vprintf`): formats a format string against
//! the packed argument buffer a kernel hands to `vprintf`.
//!
//! CUDA's rules ("Formatted Output" in the CUDA C++ Programming Guide): the
//! arguments are packed into one buffer, each aligned to its own size; `float`
//! is promoted to `double` and integers narrower than `int` to `int`. So
//! `%d %i %u %x %X %o %c` read 4 bytes (8 with `l`/`ll`; `h`/`hh` read 4 and
//! truncate), `%p`/`%s` read 8-byte pointers, and the floating conversions
//! read 8-byte doubles. `*` for width or precision is not supported by CUDA.
//!
//! The output matches glibc's `printf` byte for byte (flags `-+ #0`, width,
//! precision, `inf`/`nan`, `(nil)`, `(null)`, round-half-even on the exact
//! binary value). No crate is used: the few that implement C-style formatting
//! either parse Rust-side arguments rather than a raw byte buffer or do not
//! reproduce glibc's exact output (`%g` trailing-zero stripping, `%a`,
//! `(nil)`/`(null)`); the standard library's exact float formatting
//! (`{:.*}` and `{:.*e}`, correctly rounded, ties to even) is all that is
//! needed and the C rules are built on top of it here.

/// Formats one device printf call the way CUDA's vprintf does.
/// `fmt` is the format string's bytes (without the NUL). `args` reads the
/// argument buffer: `args(offset, size)` returns the `size`-byte little-endian
/// value at `offset` of the packed argument buffer, or None when out of range.
/// `string(addr)` reads a NUL-terminated string from device memory at the
/// generic address `addr` (for %s), or None when unreadable.
pub fn format(
    fmt: &[u8],
    args: &mut dyn FnMut(u64, u64) -> Option<u64>,
    string: &mut dyn FnMut(u64) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut offset: u64 = 0;
    let mut argno: usize = 0;
    let mut i = 0;
    while i < fmt.len() {
        let b = fmt[i];
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut spec = Spec::default();
        // Flags.
        while let Some(&c) = fmt.get(i) {
            match c {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alt = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        // Width.
        if fmt.get(i) == Some(&b'*') {
            return Err(format!(
                "printf: `*` width in the conversion at byte {start} of the format string is not supported by CUDA"
            ));
        }
        spec.width = parse_number(fmt, &mut i);
        // Precision.
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            if fmt.get(i) == Some(&b'*') {
                return Err(format!(
                    "printf: `*` precision in the conversion at byte {start} of the format string is not supported by CUDA"
                ));
            }
            spec.precision = Some(parse_number(fmt, &mut i));
        }
        // Length modifier.
        let mut length = Length::None;
        match fmt.get(i) {
            Some(b'h') => {
                i += 1;
                length = Length::H;
                if fmt.get(i) == Some(&b'h') {
                    i += 1;
                    length = Length::Hh;
                }
            }
            Some(b'l') => {
                i += 1;
                length = Length::L;
                if fmt.get(i) == Some(&b'l') {
                    i += 1;
                }
            }
            _ => {}
        }
        let Some(&conv) = fmt.get(i) else {
            return Err(format!(
                "printf: incomplete conversion `{}` at byte {start} at the end of the format string",
                String::from_utf8_lossy(&fmt[start..])
            ));
        };
        i += 1;
        let text = String::from_utf8_lossy(&fmt[start..i]).into_owned();
        let mut next = |size: u64| -> Result<u64, String> {
            offset = offset.div_ceil(size) * size;
            let v = args(offset, size).ok_or_else(|| {
                format!(
                    "printf: conversion `{text}` at byte {start} of the format string reads argument {argno} \
                     ({size} bytes at offset {offset}) past the end of the argument buffer"
                )
            })?;
            offset += size;
            argno += 1;
            Ok(v)
        };
        // `l` has no effect on the floating conversions (C99); `%lc`/`%ls`
        // (wide characters) and other modifier/conversion pairs are not
        // supported by CUDA.
        let length_ok = match conv {
            b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'%' => true,
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' | b'a' | b'A' => {
                matches!(length, Length::None | Length::L)
            }
            _ => length == Length::None,
        };
        if !length_ok {
            return Err(format!(
                "printf: unsupported length modifier in the conversion `{text}` at byte {start} of the format string"
            ));
        }
        let int_size = if length == Length::L { 8 } else { 4 };
        match conv {
            b'%' => {
                if fmt[start..i].len() != 2 {
                    return Err(format!(
                        "printf: malformed conversion `{}` at byte {start} of the format string",
                        String::from_utf8_lossy(&fmt[start..i])
                    ));
                }
                out.push(b'%');
            }
            b'd' | b'i' => {
                let raw = next(int_size)?;
                let v: i64 = match length {
                    Length::L => raw as i64,
                    Length::None => raw as u32 as i32 as i64,
                    Length::H => raw as u16 as i16 as i64,
                    Length::Hh => raw as u8 as i8 as i64,
                };
                let sign = if v < 0 {
                    "-"
                } else if spec.plus {
                    "+"
                } else if spec.space {
                    " "
                } else {
                    ""
                };
                let digits = v.unsigned_abs().to_string();
                integer(&mut out, &spec, sign, "", digits);
            }
            b'u' | b'x' | b'X' | b'o' => {
                let raw = next(int_size)?;
                let v: u64 = match length {
                    Length::L => raw,
                    Length::None => raw as u32 as u64,
                    Length::H => raw as u16 as u64,
                    Length::Hh => raw as u8 as u64,
                };
                let (digits, prefix) = match conv {
                    b'u' => (v.to_string(), ""),
                    b'x' => (format!("{v:x}"), if spec.alt && v != 0 { "0x" } else { "" }),
                    b'X' => (format!("{v:X}"), if spec.alt && v != 0 { "0X" } else { "" }),
                    _ => {
                        let mut d = format!("{v:o}");
                        // `#` makes the first digit a zero (also for 0 with precision 0).
                        if spec.alt && !d.starts_with('0') {
                            d.insert(0, '0');
                        } else if spec.alt && v == 0 && spec.precision == Some(0) {
                            // `%#.0o` of 0 prints "0"; keep the digit.
                            spec.precision = None;
                        }
                        (d, "")
                    }
                };
                integer(&mut out, &spec, "", prefix, digits);
            }
            b'c' => {
                let raw = next(int_size)?;
                pad(&mut out, &spec, &[raw as u8]);
            }
            b's' => {
                let addr = next(8)?;
                if addr == 0 {
                    // glibc prints "(null)" unless the precision is too small
                    // to hold it, in which case it prints nothing.
                    let s: &[u8] = match spec.precision {
                        Some(p) if p < 6 => b"",
                        _ => b"(null)",
                    };
                    pad(&mut out, &spec, s);
                } else {
                    let mut s = string(addr).ok_or_else(|| {
                        format!(
                            "printf: conversion `{text}` at byte {start} of the format string: \
                             the string at address {addr:#x} is unreadable"
                        )
                    })?;
                    if let Some(p) = spec.precision {
                        s.truncate(p);
                    }
                    pad(&mut out, &spec, &s);
                }
            }
            b'p' => {
                let v = next(8)?;
                if v == 0 {
                    pad(&mut out, &spec, b"(nil)");
                } else {
                    let sign = if spec.plus {
                        "+"
                    } else if spec.space {
                        " "
                    } else {
                        ""
                    };
                    integer(&mut out, &spec, sign, "0x", format!("{v:x}"));
                }
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' | b'a' | b'A' => {
                let x = f64::from_bits(next(8)?);
                float(&mut out, &spec, conv, x);
            }
            _ => {
                return Err(format!(
                    "printf: unknown conversion `{}` at byte {start} of the format string",
                    String::from_utf8_lossy(&fmt[start..i])
                ));
            }
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Length {
    None,
    Hh,
    H,
    L,
}

/// Parses a run of decimal digits (saturating); 0 when there are none.
fn parse_number(fmt: &[u8], i: &mut usize) -> usize {
    let mut n: usize = 0;
    while let Some(&c) = fmt.get(*i) {
        if !c.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add((c - b'0') as usize);
        *i += 1;
    }
    n
}

/// Pads `body` to the field width with spaces (`%c`, `%s`, `(nil)`).
fn pad(out: &mut Vec<u8>, spec: &Spec, body: &[u8]) {
    let fill = spec.width.saturating_sub(body.len());
    if !spec.left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
    out.extend_from_slice(body);
    if spec.left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
}

/// Lays out `sign prefix zeros digits` in the field: an integer conversion.
/// The precision is the minimum number of digits (precision 0 with the value
/// 0 prints no digits); the `0` flag pads with zeros only without precision.
fn integer(out: &mut Vec<u8>, spec: &Spec, sign: &str, prefix: &str, mut digits: String) {
    let mut zeros = 0;
    match spec.precision {
        Some(p) => {
            if p == 0 && digits == "0" {
                digits.clear();
            }
            zeros = p.saturating_sub(digits.len());
        }
        None => {
            if spec.zero && !spec.left {
                let len = sign.len() + prefix.len() + digits.len();
                zeros = spec.width.saturating_sub(len);
            }
        }
    }
    let len = sign.len() + prefix.len() + zeros + digits.len();
    let fill = spec.width.saturating_sub(len);
    if !spec.left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
    out.extend_from_slice(sign.as_bytes());
    out.extend_from_slice(prefix.as_bytes());
    out.extend(std::iter::repeat_n(b'0', zeros));
    out.extend_from_slice(digits.as_bytes());
    if spec.left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
}

/// A floating conversion (`f F e E g G a A`) of `x`.
fn float(out: &mut Vec<u8>, spec: &Spec, conv: u8, x: f64) {
    let upper = conv.is_ascii_uppercase();
    let sign = if x.is_sign_negative() {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    if !x.is_finite() {
        let body = match (x.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        // The `0` flag does not apply to inf/nan: pad with spaces.
        let text = format!("{sign}{body}");
        pad(out, spec, text.as_bytes());
        return;
    }
    let a = x.abs();
    let (prefix, body) = match conv.to_ascii_lowercase() {
        b'f' => ("", fixed(a, spec.precision.unwrap_or(6), spec.alt)),
        b'e' => ("", exponential(a, spec.precision.unwrap_or(6), spec.alt)),
        b'g' => ("", general(a, spec.precision.unwrap_or(6), spec.alt)),
        _ => ("0x", hex(a, spec.precision, spec.alt)),
    };
    let body = if upper {
        body.to_ascii_uppercase()
    } else {
        body
    };
    let prefix = if upper && !prefix.is_empty() {
        "0X"
    } else {
        prefix
    };
    let len = sign.len() + prefix.len() + body.len();
    let fill = spec.width.saturating_sub(len);
    let zeros = spec.zero && !spec.left;
    if !spec.left && !zeros {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
    out.extend_from_slice(sign.as_bytes());
    out.extend_from_slice(prefix.as_bytes());
    if zeros {
        out.extend(std::iter::repeat_n(b'0', fill));
    }
    out.extend_from_slice(body.as_bytes());
    if spec.left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
}

/// `%f` of a non-negative finite `a`.
fn fixed(a: f64, precision: usize, alt: bool) -> String {
    let mut s = format!("{a:.precision$}");
    if alt && precision == 0 {
        s.push('.');
    }
    s
}

/// Splits Rust's `{:.*e}` output (`d.ddde-5`) into mantissa and exponent.
fn rust_exp(a: f64, precision: usize) -> (String, i32) {
    let s = format!("{a:.precision$e}");
    let (m, e) = s.split_once('e').expect("`{:e}` output has an exponent");
    (
        m.to_string(),
        e.parse().expect("`{:e}` exponent is an integer"),
    )
}

/// C's exponent form: a sign and at least two digits (`e+05`, `e-300`).
fn c_exponent(e: i32) -> String {
    format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs())
}

/// `%e` of a non-negative finite `a`.
fn exponential(a: f64, precision: usize, alt: bool) -> String {
    let (mut m, e) = rust_exp(a, precision);
    if alt && precision == 0 {
        m.push('.');
    }
    m + &c_exponent(e)
}

/// `%g` of a non-negative finite `a`: `%e` or `%f` by the exponent the value
/// has after rounding to P significant digits, then (without `#`) trailing
/// zeros and a trailing decimal point removed.
fn general(a: f64, precision: usize, alt: bool) -> String {
    let p = precision.max(1);
    let (m, x) = rust_exp(a, p - 1);
    let (mut digits, exp) = if (x as i64) < p as i64 && x >= -4 {
        (fixed(a, (p as i64 - 1 - x as i64) as usize, false), None)
    } else {
        (m, Some(x))
    };
    if alt {
        if !digits.contains('.') {
            digits.push('.');
        }
    } else if digits.contains('.') {
        let trimmed = digits.trim_end_matches('0').trim_end_matches('.').len();
        digits.truncate(trimmed);
    }
    match exp {
        Some(e) => digits + &c_exponent(e),
        None => digits,
    }
}

/// `%a` of a non-negative finite `a` without the `0x` prefix, as glibc prints
/// it: `1.hhhp±d` for normal numbers, `0.hhhp-1022` for subnormals, `0p+0`
/// for zero; without precision the fewest digits that are exact, with
/// precision rounded to nearest, ties to even (a carry may give `2p+0`).
fn hex(a: f64, precision: Option<usize>, alt: bool) -> String {
    let bits = a.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mut frac = bits & ((1u64 << 52) - 1);
    let (mut lead, exp) = if biased == 0 {
        (0u64, if frac == 0 { 0 } else { -1022 })
    } else {
        (1u64, biased - 1023)
    };
    // 13 hex digits of fraction.
    let mut ndigits = 13usize;
    match precision {
        None => {
            while ndigits > 0 && frac & 0xf == 0 {
                frac >>= 4;
                ndigits -= 1;
            }
        }
        Some(p) if p < 13 => {
            let drop = 4 * (13 - p) as u32;
            let rest = frac & ((1u64 << drop) - 1);
            let half = 1u64 << (drop - 1);
            frac >>= drop;
            // Ties go to even; with no fraction digits left the parity is
            // that of the leading digit.
            let odd = if p == 0 { lead & 1 } else { frac & 1 } == 1;
            if rest > half || (rest == half && odd) {
                frac += 1;
                if p == 0 || frac >> (4 * p) != 0 {
                    frac &= if p == 0 { 0 } else { (1u64 << (4 * p)) - 1 };
                    lead += 1;
                }
            }
            ndigits = p;
        }
        Some(_) => {}
    }
    let mut s = lead.to_string();
    if ndigits > 0 || alt {
        s.push('.');
    }
    if ndigits > 0 {
        s += &format!("{frac:0ndigits$x}");
    }
    if let Some(p) = precision {
        s.extend(std::iter::repeat_n('0', p.saturating_sub(13)));
    }
    s + &format!("p{}{}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::format;
    use std::ffi::{c_char, c_double, c_int, c_long, c_uint, c_ulong, c_void, CStr};

    extern "C" {
        fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
    }

    /// Runs the host C library's snprintf (the reference) with `call`.
    fn host(call: impl Fn(*mut c_char, usize) -> c_int) -> Vec<u8> {
        let mut buf = vec![0 as c_char; 4096];
        let n = call(buf.as_mut_ptr(), buf.len());
        assert!(n >= 0 && (n as usize) < buf.len(), "snprintf failed: {n}");
        buf[..n as usize].iter().map(|&c| c as u8).collect()
    }

    /// A variadic argument: how C's snprintf takes it and how CUDA packs it.
    trait Arg: Copy {
        type C;
        fn c(self) -> Self::C;
        /// Packs the argument into the buffer, aligned to its own size.
        fn pack(self, buf: &mut Vec<u8>);
    }
    fn push_aligned(buf: &mut Vec<u8>, bytes: &[u8]) {
        while !buf.len().is_multiple_of(bytes.len()) {
            buf.push(0xcd); // padding garbage the formatter must skip
        }
        buf.extend_from_slice(bytes);
    }
    /// An integer or `double` argument: C takes it as `$c`, CUDA packs its
    /// own bytes.
    macro_rules! plain_arg {
        ($($t:ty => $c:ty),*) => {$(
            impl Arg for $t {
                type C = $c;
                fn c(self) -> $c {
                    self as $c
                }
                fn pack(self, buf: &mut Vec<u8>) {
                    push_aligned(buf, &self.to_le_bytes());
                }
            }
        )*};
    }
    plain_arg!(i32 => c_int, u32 => c_uint, i64 => c_long, u64 => c_ulong, f64 => c_double);
    /// A `float` argument: C and CUDA both promote it to `double`.
    impl Arg for f32 {
        type C = c_double;
        fn c(self) -> c_double {
            self as f64
        }
        fn pack(self, buf: &mut Vec<u8>) {
            push_aligned(buf, &(self as f64).to_le_bytes());
        }
    }
    /// A pointer (`%p`) given by its address.
    #[derive(Clone, Copy)]
    struct P(u64);
    impl Arg for P {
        type C = *const c_void;
        fn c(self) -> *const c_void {
            self.0 as usize as *const c_void
        }
        fn pack(self, buf: &mut Vec<u8>) {
            push_aligned(buf, &self.0.to_le_bytes());
        }
    }
    /// A string (`%s`); its "device address" is the host address, and the
    /// test's string reader reads it back from there.
    #[derive(Clone, Copy)]
    struct S(Option<&'static CStr>);
    impl Arg for S {
        type C = *const c_char;
        fn c(self) -> *const c_char {
            self.0.map_or(std::ptr::null(), |s| s.as_ptr())
        }
        fn pack(self, buf: &mut Vec<u8>) {
            push_aligned(buf, &(self.c() as usize as u64).to_le_bytes());
        }
    }

    /// Runs the formatter on `fmt` and the packed buffer.
    fn run(fmt: &[u8], buf: &[u8]) -> Result<Vec<u8>, String> {
        let mut args = |off: u64, size: u64| -> Option<u64> {
            let end = off.checked_add(size)?;
            let bytes = buf.get(off as usize..end as usize)?;
            let mut v = [0u8; 8];
            v[..bytes.len()].copy_from_slice(bytes);
            Some(u64::from_le_bytes(v))
        };
        let mut string = |addr: u64| -> Option<Vec<u8>> {
            // The test only passes addresses of live `&'static CStr`s.
            Some(
                unsafe { CStr::from_ptr(addr as usize as *const c_char) }
                    .to_bytes()
                    .to_vec(),
            )
        };
        format(fmt, &mut args, &mut string)
    }

    /// Compares the formatter with the host snprintf on one call; pushes a
    /// description of any difference onto `$fails`.
    macro_rules! check {
        ($fails:expr, $fmt:literal $(, $a:expr)*) => {{
            let cfmt = concat!($fmt, "\0");
            let expected = host(|b, n| unsafe {
                snprintf(b, n, cfmt.as_ptr() as *const c_char $(, Arg::c($a))*)
            });
            #[allow(unused_mut)]
            let mut buf: Vec<u8> = Vec::new();
            $( Arg::pack($a, &mut buf); )*
            let got = run($fmt.as_bytes(), &buf);
            $fails.1 += 1;
            if got.as_deref() != Ok(&expected[..]) {
                $fails.0.push(format!(
                    "{:?} {}: expected {:?}, got {:?}",
                    $fmt,
                    stringify!($($a),*),
                    String::from_utf8_lossy(&expected),
                    got.map(|g| String::from_utf8_lossy(&g).into_owned())
                ));
            }
        }};
    }

    #[test]
    fn printf_matches_host_snprintf() {
        let mut f: (Vec<String>, usize) = (Vec::new(), 0);
        let hello = S(Some(c"hello"));
        let null = S(None);
        // Plain text, %%.
        check!(f, "plain text, no conversions");
        check!(f, "100%% done %%d");
        // %d / %i: flags, width, precision, negatives, zero, extremes.
        check!(f, "%d", 0i32);
        check!(f, "%d", 42i32);
        check!(f, "%i", -42i32);
        check!(f, "%d", i32::MIN);
        check!(f, "%d", i32::MAX);
        check!(f, "[%5d]", -42i32);
        check!(f, "[%-8d|]", 42i32);
        check!(f, "[%-8d|]", -42i32);
        check!(f, "[%08d]", -42i32);
        check!(f, "[%+d]", 42i32);
        check!(f, "[%+d]", 0i32);
        check!(f, "[% d]", 42i32);
        check!(f, "[%+ d]", 42i32);
        check!(f, "[% 05d]", -3i32);
        check!(f, "[%.5d]", 42i32);
        check!(f, "[%8.5d]", -42i32);
        check!(f, "[%08.3d]", -5i32);
        check!(f, "[%-08d|]", -5i32);
        check!(f, "[%.0d]", 0i32);
        check!(f, "[%5.0d]", 0i32);
        check!(f, "[%+.0d]", 0i32);
        check!(f, "[%.0i]", 7i32);
        // Length modifiers.
        check!(f, "%ld", i64::MIN);
        check!(f, "%lld", i64::MAX);
        check!(f, "%li", -1234567890123i64);
        check!(f, "%lu", u64::MAX);
        check!(f, "%llu", 0u64);
        check!(f, "%lx", 0xdead_beef_cafe_f00du64);
        check!(f, "%llX", u64::MAX);
        check!(f, "%lo", u64::MAX);
        check!(f, "%hd", 70000i32);
        check!(f, "%hd", -32769i32);
        check!(f, "%hhd", 300i32);
        check!(f, "%hhd", 200i32);
        check!(f, "%hu", 70000i32);
        check!(f, "%hhu", -1i32);
        check!(f, "%hx", -1i32);
        check!(f, "%hhx", -1i32);
        check!(f, "%hho", 511i32);
        // %u %x %X %o.
        check!(f, "%u", 0u32);
        check!(f, "%u", u32::MAX);
        check!(f, "%u", -1i32);
        check!(f, "%x", -1i32);
        check!(f, "%x", 255i32);
        check!(f, "%X", 0xabcdefu32);
        check!(f, "%#x", 255i32);
        check!(f, "%#X", 255i32);
        check!(f, "%#x", 0i32);
        check!(f, "[%#10x]", 255i32);
        check!(f, "[%#010x]", 255i32);
        check!(f, "[%-#10x|]", 255i32);
        check!(f, "[%#5.3x]", 0x1fi32);
        check!(f, "[%.0x]", 0i32);
        check!(f, "[%+u][% x]", 5u32, 5u32);
        check!(f, "%o", 8i32);
        check!(f, "%o", -1i32);
        check!(f, "%#o", 8i32);
        check!(f, "%#o", 0i32);
        check!(f, "[%#.0o]", 0i32);
        check!(f, "[%#.5o]", 8i32);
        check!(f, "[%.0o]", 0i32);
        // %c.
        check!(f, "%c", 65i32);
        check!(f, "[%c]", 0x141i32);
        check!(f, "[%5c]", 120i32);
        check!(f, "[%-3c|]", 121i32);
        check!(f, "[%05c]", 122i32);
        // %s.
        check!(f, "%s", hello);
        check!(f, "[%10s]", hello);
        check!(f, "[%-10s|]", hello);
        check!(f, "[%.3s]", hello);
        check!(f, "[%8.2s]", hello);
        check!(f, "[%.10s]", hello);
        check!(f, "[%05s]", hello);
        check!(f, "[%s]", S(Some(c"")));
        check!(f, "[%s]", null);
        check!(f, "[%10s]", null);
        check!(f, "[%-8s|]", null);
        check!(f, "[%.3s]", null);
        check!(f, "[%.6s]", null);
        // %p.
        check!(f, "%p", P(0x1234));
        check!(f, "%p", P(0xffff_ffff_ffff_fff0));
        check!(f, "%p", P(0));
        check!(f, "[%10p]", P(0));
        check!(f, "[%-10p|]", P(0));
        check!(f, "[%20p]", P(0x7f00_1234_5678));
        check!(f, "[%-20p|]", P(0x1234));
        check!(f, "[%020p]", P(0x1234));
        check!(f, "[%.8p]", P(0x1234));
        check!(f, "[%+p][% p]", P(0x1234), P(0x1234));
        // %f / %F.
        check!(f, "%f", 0.0f64);
        check!(f, "%f", -0.0f64);
        check!(f, "%f", 1.0f64);
        check!(f, "%f", -1.5f64);
        check!(f, "%f", 7.38905609893065f64);
        check!(f, "[%5.2f]", 4.66920f64);
        check!(f, "[%-10.3f|]", -2.5f64);
        check!(f, "[%010.3f]", -2.5f64);
        check!(f, "[%+f]", 1.0f64);
        check!(f, "[% f]", 1.0f64);
        check!(f, "[%+05.1f]", 2.25f64);
        check!(f, "%.0f", 0.5f64);
        check!(f, "%.0f", 1.5f64);
        check!(f, "%.0f", 2.5f64);
        check!(f, "%.0f", -2.5f64);
        check!(f, "%.0f", 3.5f64);
        check!(f, "%.2f", 1.005f64);
        check!(f, "%.1f", 0.25f64);
        check!(f, "%.1f", 0.35f64);
        check!(f, "%.3f", 2.0005f64);
        check!(f, "%#.0f", 3.0f64);
        check!(f, "%.0f", 1e21f64);
        check!(f, "%f", 1e300f64);
        check!(f, "%f", f64::MAX);
        check!(f, "%f", 1e-300f64);
        check!(f, "%.20f", 0.1f64);
        check!(f, "%.40f", 5e-324f64);
        check!(f, "%F", 12.5f64);
        check!(f, "%lf", 12.5f64);
        check!(f, "%f", 1.1f32);
        check!(f, "%f", 123456789.125f32);
        // %e / %E.
        check!(f, "%e", 0.0f64);
        check!(f, "%e", -0.0f64);
        check!(f, "%e", 1.0f64);
        check!(f, "%e", 123456.789f64);
        check!(f, "%e", -0.000123f64);
        check!(f, "%e", 1e300f64);
        check!(f, "%e", 1e-300f64);
        check!(f, "%e", 5e-324f64);
        check!(f, "%e", f64::MAX);
        check!(f, "%.0e", 2.5f64);
        check!(f, "%.0e", 3.5f64);
        check!(f, "%#.0e", 3.0f64);
        check!(f, "%.3e", 9.9995f64);
        check!(f, "%.2e", 9.999f64);
        check!(f, "[%08.3e]", 4.66920f64);
        check!(f, "[%08.3e]", -4.66920f64);
        check!(f, "[%-12.2e|]", 1234.5f64);
        check!(f, "[%+e]", 1.0f64);
        check!(f, "%E", 1.5e-7f64);
        check!(f, "%.10e", 1.0f64 / 3.0f64);
        // %g / %G.
        check!(f, "%g", 0.0f64);
        check!(f, "%g", -0.0f64);
        check!(f, "%g", 1.0f64);
        check!(f, "%g", 0.5f64);
        check!(f, "%g", 100000.0f64);
        check!(f, "%g", 1000000.0f64);
        check!(f, "%g", 123456.0f64);
        check!(f, "%g", 1234567.0f64);
        check!(f, "%g", 0.0001f64);
        check!(f, "%g", 0.00001f64);
        check!(f, "%g", 0.00001234f64);
        check!(f, "%g", 1e-10f64);
        check!(f, "%g", 9.9999996f64);
        check!(f, "%g", 999999.5f64);
        check!(f, "%g", 7.38905609893065f64);
        check!(f, "%g", 1e300f64);
        check!(f, "%g", 5e-324f64);
        check!(f, "%.0g", 0.5f64);
        check!(f, "%.0g", 2.5f64);
        check!(f, "%.1g", 0.15f64);
        check!(f, "%.3g", 9995.0f64);
        check!(f, "%.3g", 0.0001234f64);
        check!(f, "%.10g", 0.1f64);
        check!(f, "%.17g", 0.1f64);
        check!(f, "%#g", 1.0f64);
        check!(f, "%#g", 0.0f64);
        check!(f, "%#.0g", 2.0f64);
        check!(f, "%#.3g", 1.0f64);
        check!(f, "%#g", 1e-10f64);
        check!(f, "[%010g]", -1.5f64);
        check!(f, "[%-10g|]", 1e20f64);
        check!(f, "[%+g]", 2.0f64);
        check!(f, "%G", 1e-10f64);
        check!(f, "%G", 0.5f64);
        // %a / %A.
        check!(f, "%a", 1.0f64);
        check!(f, "%a", 0.0f64);
        check!(f, "%a", -0.0f64);
        check!(f, "%a", 1.5f64);
        check!(f, "%a", -255.5f64);
        check!(f, "%a", 0.1f64);
        check!(f, "%a", 1e308f64);
        check!(f, "%a", f64::MAX);
        check!(f, "%a", 2.2250738585072014e-308f64);
        check!(f, "%a", 5e-324f64);
        check!(f, "%a", 1e-310f64);
        check!(f, "%.0a", 1.5f64);
        check!(f, "%.0a", 1.0f64);
        check!(f, "%.0a", 0.0f64);
        check!(f, "%.1a", 1.03125f64);
        check!(f, "%.1a", 1.09375f64);
        check!(f, "%.2a", 1.005859375f64);
        check!(f, "%.3a", 1.0f64 / 3.0f64);
        check!(f, "%.13a", 1.0f64 / 3.0f64);
        check!(f, "%.20a", 1.0f64 / 3.0f64);
        check!(f, "%.0a", 1.9375f64);
        check!(f, "%.2a", 1.99951171875f64);
        check!(f, "%#a", 0.0f64);
        check!(f, "%#.0a", 1.0f64);
        check!(f, "[%010a]", 1.0f64);
        check!(f, "[%-12a|]", -1.0f64);
        check!(f, "[%+a]", 1.0f64);
        check!(f, "%A", -255.5f64);
        check!(f, "%A", 0.1f64);
        // inf / nan.
        check!(f, "%f", f64::INFINITY);
        check!(f, "%f", f64::NEG_INFINITY);
        check!(f, "%f", f64::NAN);
        check!(f, "%f", -f64::NAN);
        check!(f, "%F", f64::INFINITY);
        check!(f, "%F", -f64::NAN);
        check!(f, "%e", f64::NEG_INFINITY);
        check!(f, "%E", f64::NAN);
        check!(f, "%g", f64::INFINITY);
        check!(f, "%G", f64::NEG_INFINITY);
        check!(f, "%a", f64::NAN);
        check!(f, "%A", f64::INFINITY);
        check!(f, "[%010f]", f64::NEG_INFINITY);
        check!(f, "[%-10f|]", f64::NAN);
        check!(f, "[%+f]", f64::INFINITY);
        check!(f, "[% f]", f64::NAN);
        check!(f, "[%#.3g]", f64::INFINITY);
        // Several arguments: alignment of mixed sizes in the packed buffer.
        check!(f, "%d %f %d", 1i32, 2.5f64, 3i32);
        check!(f, "%c%ld%c", 65i32, -5i64, 66i32);
        check!(f, "%d %s %p %u", 7i32, hello, P(0xbeef), 9u32);
        check!(f, "%hhd %hd %d %ld %f", 1i32, 2i32, 3i32, 4i64, 5.0f32);
        check!(f, "x=%d y=%d z=%d w=%.3e", -1i32, -2i32, -3i32, 0.125f64);
        check!(
            f,
            "%s=%08.3f (%+.2e) [%-5x|] %%",
            hello,
            4.66920f64,
            -1e-5f64,
            255i32
        );
        assert!(
            f.0.is_empty(),
            "{} of {} cases differ from the host snprintf:\n{}",
            f.0.len(),
            f.1,
            f.0.join("\n")
        );
        assert!(f.1 >= 40, "only {} cases", f.1);
    }

    /// A sweep of pseudo-random doubles (random bit patterns and short
    /// decimals that sit on or near rounding ties) through every floating
    /// conversion, against the host snprintf.
    #[test]
    fn printf_float_sweep_matches_host_snprintf() {
        let formats = [
            "%f",
            "%.0f",
            "%.1f",
            "%.2f",
            "%.3e",
            "%e",
            "%.0e",
            "%g",
            "%.1g",
            "%.3g",
            "%.12g",
            "%#g",
            "%+.17g",
            "%a",
            "%.0a",
            "%.2a",
            "%.7A",
            "%12.4E",
            "%-+14.3f|",
            "%015.5g",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut values = Vec::new();
        for k in 0..400u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(f64::from_bits(state));
            // Small and medium exponents, where formatting is most varied.
            let e = (state % 60) as i32 - 30;
            values.push((state >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi(e));
            values.push(f64::from(k) / 8.0 - 20.0);
            values.push(f64::from(k) * 0.005);
        }
        let mut fails = Vec::new();
        for fmt in formats {
            let cfmt = std::ffi::CString::new(fmt).unwrap();
            for &x in &values {
                let expected = host(|b, n| unsafe { snprintf(b, n, cfmt.as_ptr(), x) });
                let got = run(fmt.as_bytes(), &x.to_le_bytes()).unwrap();
                if got != expected {
                    fails.push(format!(
                        "{fmt:?} {x:e} ({:#x}): expected {:?}, got {:?}",
                        x.to_bits(),
                        String::from_utf8_lossy(&expected),
                        String::from_utf8_lossy(&got)
                    ));
                }
            }
        }
        assert!(
            fails.is_empty(),
            "{} differ:\n{}",
            fails.len(),
            fails[..fails.len().min(30)].join("\n")
        );
    }

    /// A sweep of pseudo-random integers through every integer conversion and
    /// length modifier, against the host snprintf.
    #[test]
    fn printf_integer_sweep_matches_host_snprintf() {
        let formats32 = [
            "%d", "%i", "%u", "%x", "%X", "%o", "%#x", "%#o", "%+d", "% 12d", "%-12.8x|", "%012d",
            "%.10u", "%hd", "%hhd", "%hu", "%hhx", "%#ho", "%c",
        ];
        let formats64 = [
            "%ld",
            "%lli",
            "%lu",
            "%llx",
            "%#lX",
            "%lo",
            "%+25ld",
            "%-#30.24lo|",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut fails = Vec::new();
        for _ in 0..500 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = state >> (state % 64);
            let v = if state & 1 == 1 { v.wrapping_neg() } else { v };
            for fmt in formats32 {
                let cfmt = std::ffi::CString::new(fmt).unwrap();
                let x = v as u32 as c_int;
                let expected = host(|b, n| unsafe { snprintf(b, n, cfmt.as_ptr(), x) });
                let got = run(fmt.as_bytes(), &x.to_le_bytes()).unwrap();
                if got != expected {
                    fails.push(format!("{fmt:?} {x}: expected {expected:?}, got {got:?}"));
                }
            }
            for fmt in formats64 {
                let cfmt = std::ffi::CString::new(fmt).unwrap();
                let x = v as c_long;
                let expected = host(|b, n| unsafe { snprintf(b, n, cfmt.as_ptr(), x) });
                let got = run(fmt.as_bytes(), &x.to_le_bytes()).unwrap();
                if got != expected {
                    fails.push(format!("{fmt:?} {x}: expected {expected:?}, got {got:?}"));
                }
            }
        }
        assert!(
            fails.is_empty(),
            "{} differ:\n{}",
            fails.len(),
            fails[..fails.len().min(30)].join("\n")
        );
    }

    fn empty_args(_: u64, _: u64) -> Option<u64> {
        None
    }
    fn no_strings(_: u64) -> Option<Vec<u8>> {
        None
    }

    fn err(fmt: &str, buf: &[u8]) -> String {
        match run(fmt.as_bytes(), buf) {
            Ok(o) => panic!(
                "{fmt:?} should fail, printed {:?}",
                String::from_utf8_lossy(&o)
            ),
            Err(e) => e,
        }
    }

    #[test]
    fn printf_without_arguments_reads_no_buffer() {
        let out = format(b"hi %% there\n", &mut empty_args, &mut no_strings).unwrap();
        assert_eq!(out, b"hi % there\n");
        assert_eq!(format(b"", &mut empty_args, &mut no_strings).unwrap(), b"");
    }

    #[test]
    fn printf_star_width_or_precision_is_an_error() {
        let buf = [0u8; 16];
        let e = err("%*d", &buf);
        assert!(
            e.contains('*') && e.contains("width") && e.contains("byte 0"),
            "{e}"
        );
        let e = err("ab%.*f", &buf);
        assert!(
            e.contains('*') && e.contains("precision") && e.contains("byte 2"),
            "{e}"
        );
    }

    #[test]
    fn printf_unknown_conversion_is_an_error() {
        let buf = [0u8; 16];
        for (fmt, conv, pos) in [
            ("x %q", "%q", "byte 2"),
            ("%n", "%n", "byte 0"),
            ("%d %5.2k", "%5.2k", "byte 3"),
            ("%Lf", "%L", "byte 0"),
            ("%zd", "%z", "byte 0"),
            ("%5%", "%5%", "byte 0"),
        ] {
            let e = err(fmt, &buf);
            assert!(e.contains(conv) && e.contains(pos), "{fmt}: {e}");
        }
        for (fmt, conv) in [
            ("%lc", "%lc"),
            ("%ls", "%ls"),
            ("%hp", "%hp"),
            ("%hf", "%hf"),
        ] {
            let e = err(fmt, &buf);
            assert!(
                e.contains(conv) && e.contains("length modifier"),
                "{fmt}: {e}"
            );
        }
        let e = err("abc %-5", &buf);
        assert!(e.contains("incomplete") && e.contains("byte 4"), "{e}");
    }

    #[test]
    fn printf_read_past_the_buffer_is_an_error() {
        // No buffer at all.
        let e = format(b"value %d\n", &mut empty_args, &mut no_strings).unwrap_err();
        assert!(
            e.contains("%d") && e.contains("byte 6") && e.contains("argument 0"),
            "{e}"
        );
        // One int, two conversions.
        let e = err("%d %d", &5i32.to_le_bytes());
        assert!(
            e.contains("%d") && e.contains("byte 3") && e.contains("argument 1"),
            "{e}"
        );
        // A double after an int needs 16 bytes (aligned to 8), not 12.
        let e = err("%d %f", &[0u8; 12]);
        assert!(e.contains("%f") && e.contains("offset 8"), "{e}");
        // %ld needs 8 bytes.
        let e = err("%ld", &[0u8; 4]);
        assert!(e.contains("%ld") && e.contains("8 bytes"), "{e}");
    }

    #[test]
    fn printf_unreadable_string_is_an_error() {
        let buf = 0x1000u64.to_le_bytes();
        let mut args = |off: u64, size: u64| -> Option<u64> {
            (off == 0 && size == 8).then(|| u64::from_le_bytes(buf))
        };
        let e = format(b"s=%s", &mut args, &mut no_strings).unwrap_err();
        assert!(
            e.contains("%s") && e.contains("0x1000") && e.contains("byte 2"),
            "{e}"
        );
    }

    #[test]
    fn printf_packs_each_argument_at_its_own_alignment() {
        // int at 0, double at 8, int at 16, long at 24: hand-built buffer.
        let mut buf = Vec::new();
        buf.extend_from_slice(&7i32.to_le_bytes());
        buf.extend_from_slice(&[0xee; 4]);
        buf.extend_from_slice(&0.5f64.to_le_bytes());
        buf.extend_from_slice(&(-1i32).to_le_bytes());
        buf.extend_from_slice(&[0xee; 4]);
        buf.extend_from_slice(&(-2i64).to_le_bytes());
        let out = run(b"%d %g %x %ld", &buf).unwrap();
        assert_eq!(out, b"7 0.5 ffffffff -2");
    }
}
