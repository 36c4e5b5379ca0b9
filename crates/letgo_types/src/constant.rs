//! Constant values, as far as the model needs them: integers exactly (within
//! i128: array lengths, iota, shifts), floats approximately, strings, bools.

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Unknown,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(std::sync::Arc<str>),
}

impl Value {
    pub fn as_int(&self) -> Option<i128> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e30 => Some(f as i128),
            _ => None,
        }
    }
}

/// The value of an integer literal (`0x1F`, `0o17`, `017`, `1_000`).
pub fn parse_int(lit: &str) -> Option<i128> {
    // Most literals are plain decimals (no prefix, no `_`): read as they
    // are, with nothing copied.
    let decimal =
        lit.bytes().all(|b| b.is_ascii_digit()) && (lit.len() == 1 || !lit.starts_with('0'));
    if decimal {
        return lit.parse::<i128>().ok();
    }
    let s: String = lit.chars().filter(|&c| c != '_').collect();
    let (digits, radix) = if let Some(r) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        (r.to_string(), 16)
    } else if let Some(r) = s.strip_prefix("0b").or(s.strip_prefix("0B")) {
        (r.to_string(), 2)
    } else if let Some(r) = s.strip_prefix("0o").or(s.strip_prefix("0O")) {
        (r.to_string(), 8)
    } else if s.len() > 1 && s.starts_with('0') {
        (s[1..].to_string(), 8)
    } else {
        (s, 10)
    };
    i128::from_str_radix(&digits, radix).ok()
}

/// The value of a rune literal (`'a'`, `'\n'`, `'\x41'`, `'\u00e9'`).
pub fn parse_char(lit: &str) -> Option<i128> {
    let inner = lit.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut chars = inner.chars();
    let c = chars.next()?;
    if c != '\\' {
        return Some(c as i128);
    }
    let e = chars.next()?;
    let rest: String = chars.collect();
    Some(match e {
        'a' => 7,
        'b' => 8,
        'f' => 12,
        'n' => 10,
        'r' => 13,
        't' => 9,
        'v' => 11,
        '\\' => 92,
        '\'' => 39,
        '"' => 34,
        'x' | 'u' | 'U' => i128::from_str_radix(&rest, 16).ok()?,
        '0'..='7' => i128::from_str_radix(&format!("{e}{rest}"), 8).ok()?,
        _ => return None,
    })
}
