//! The PTX tokenizer: one linear pass over the text, comments dropped, every
//! token carrying its 1-based line.

use super::ast::ParseError;

/// What kind of token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier, opcode or register, with its dotted parts:
    /// `ld.global.nc.b32`, `%tid.x`, `$L__BB0_2`, `_`, `ld.shared::cta.b32`.
    Word,
    /// A directive or type: `.version`, `.b32`, `.v2` (the text keeps the dot).
    Directive,
    /// A numeric literal as written: `12`, `0x1F`, `0f3F800000`, `1.5e-3`, `8.0`.
    Number,
    /// A string literal, quotes included: `"nounroll"`.
    Str,
    /// One punctuation character: `, ; : { } [ ] ( ) < > + - @ ! | =`.
    Punct,
    /// The end of the input.
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub line: u32,
}

impl Token<'_> {
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.as_bytes()[0] == c as u8
    }

    pub fn is_directive(&self, d: &str) -> bool {
        self.kind == Kind::Directive && self.text == d
    }

    /// How an error message shows the token.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Eof => "end of input".to_string(),
            _ => format!("'{}'", self.text),
        }
    }
}

fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b == b'%'
}

fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// After an identifier or directive: consume `.part` and `::part` continuations.
fn dotted_tail(bytes: &[u8], mut i: usize) -> usize {
    loop {
        if i + 1 < bytes.len() && bytes[i] == b'.' && ident_char(bytes[i + 1]) {
            i += 1;
        } else if i + 2 < bytes.len()
            && bytes[i] == b':'
            && bytes[i + 1] == b':'
            && ident_char(bytes[i + 2])
        {
            i += 2;
        } else {
            return i;
        }
        while i < bytes.len() && ident_char(bytes[i]) {
            i += 1;
        }
    }
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut i = 0;
    let mut line: u32 = 1;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start_line = line;
                i += 2;
                loop {
                    if i + 1 >= bytes.len() {
                        return Err(ParseError {
                            line: start_line,
                            message: "unterminated /* comment".into(),
                        });
                    }
                    if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        i += 2;
                        break;
                    }
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\n' {
                        return Err(ParseError {
                            line,
                            message: "unterminated string literal".into(),
                        });
                    }
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    return Err(ParseError {
                        line,
                        message: "unterminated string literal".into(),
                    });
                }
                i += 1;
                tokens.push(Token {
                    kind: Kind::Str,
                    text: &text[start..i],
                    line,
                });
            }
            b'.' if bytes
                .get(i + 1)
                .is_some_and(|&c| ident_start(c) && c != b'%') =>
            {
                let start = i;
                i += 1;
                while i < bytes.len() && ident_char(bytes[i]) {
                    i += 1;
                }
                i = dotted_tail(bytes, i);
                tokens.push(Token {
                    kind: Kind::Directive,
                    text: &text[start..i],
                    line,
                });
            }
            _ if ident_start(b) => {
                let start = i;
                i += 1;
                while i < bytes.len() && ident_char(bytes[i]) {
                    i += 1;
                }
                i = dotted_tail(bytes, i);
                tokens.push(Token {
                    kind: Kind::Word,
                    text: &text[start..i],
                    line,
                });
            }
            _ if b.is_ascii_digit() => {
                let start = i;
                // Hex-like literals (0x, 0f, 0d, 0b) have no exponent.
                let prefixed = b == b'0'
                    && bytes.get(i + 1).is_some_and(|c| {
                        matches!(c, b'x' | b'X' | b'f' | b'F' | b'd' | b'D' | b'b' | b'B')
                    });
                i += 1;
                while i < bytes.len() {
                    let c = bytes[i];
                    let plain = c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
                    // The sign of a decimal exponent: `1.5e-3`.
                    let exponent_sign = !prefixed
                        && (c == b'+' || c == b'-')
                        && matches!(bytes[i - 1], b'e' | b'E')
                        && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                    if !(plain || exponent_sign) {
                        break;
                    }
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Number,
                    text: &text[start..i],
                    line,
                });
            }
            b',' | b';' | b':' | b'{' | b'}' | b'[' | b']' | b'(' | b')' | b'<' | b'>' | b'+'
            | b'-' | b'@' | b'!' | b'|' | b'=' => {
                tokens.push(Token {
                    kind: Kind::Punct,
                    text: &text[i..i + 1],
                    line,
                });
                i += 1;
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or('?');
                return Err(ParseError {
                    line,
                    message: format!("unexpected character {c:?}"),
                });
            }
        }
    }
    tokens.push(Token {
        kind: Kind::Eof,
        text: "",
        line,
    });
    Ok(tokens)
}

/// The value of a numeric literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(u64),
    F32(u32),
    F64(u64),
}

/// Interprets a numeric literal: decimal, `0x`, `0b`, octal `0…`, optional
/// `U` suffix, `0fXXXXXXXX`, `0dXXXXXXXXXXXXXXXX`, decimal floats.
pub(crate) fn number(text: &str) -> Result<Num, String> {
    let bad = || format!("malformed number '{text}'");
    let b = text.as_bytes();
    if b.len() > 2 && b[0] == b'0' && matches!(b[1], b'f' | b'F') {
        let digits = &text[2..];
        if digits.len() != 8 {
            return Err(format!("'{text}': 0f needs exactly 8 hex digits"));
        }
        return u32::from_str_radix(digits, 16)
            .map(Num::F32)
            .map_err(|_| bad());
    }
    if b.len() > 2 && b[0] == b'0' && matches!(b[1], b'd' | b'D') {
        let digits = &text[2..];
        if digits.len() != 16 {
            return Err(format!("'{text}': 0d needs exactly 16 hex digits"));
        }
        return u64::from_str_radix(digits, 16)
            .map(Num::F64)
            .map_err(|_| bad());
    }
    let hex = b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'X');
    if !hex && (text.contains('.') || text.contains(['e', 'E'])) {
        return text
            .parse::<f64>()
            .map(|f| Num::F64(f.to_bits()))
            .map_err(|_| bad());
    }
    let body = text.strip_suffix(['U', 'u']).unwrap_or(text);
    let (digits, radix) = if hex {
        (&body[2..], 16)
    } else if body.len() > 1
        && body.as_bytes()[0] == b'0'
        && matches!(body.as_bytes()[1], b'b' | b'B')
    {
        (&body[2..], 2)
    } else if body.len() > 1 && body.as_bytes()[0] == b'0' {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() {
        return Err(bad());
    }
    u64::from_str_radix(digits, radix)
        .map(Num::Int)
        .map_err(|e| match e.kind() {
            std::num::IntErrorKind::PosOverflow => {
                format!("number '{text}' does not fit in 64 bits")
            }
            _ => bad(),
        })
}
