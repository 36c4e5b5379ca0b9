//! Go string literals as `%q` and the runtime's traceback print them.

/// Reads a double-quoted Go string literal at the start of `s`.
///
/// Returns the unquoted value and the number of bytes the literal took, or
/// `None` when `s` does not start with a complete, valid literal.
pub(crate) fn unquote_prefix(s: &str) -> Option<(String, usize)> {
    let rest = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new(); // pending \x and octal escapes, may form UTF-8
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                flush_bytes(&mut bytes, &mut out);
                return Some((out, i + 2));
            }
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'x' => bytes.push(hex_value(&mut chars, 2)? as u8),
                    '0'..='7' => {
                        let d1 = e.to_digit(8)?;
                        let d2 = chars.next()?.1.to_digit(8)?;
                        let d3 = chars.next()?.1.to_digit(8)?;
                        bytes.push(u8::try_from(d1 * 64 + d2 * 8 + d3).ok()?);
                    }
                    _ => {
                        flush_bytes(&mut bytes, &mut out);
                        out.push(match e {
                            'a' => '\u{7}',
                            'b' => '\u{8}',
                            'f' => '\u{c}',
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            'v' => '\u{b}',
                            '\\' => '\\',
                            '"' => '"',
                            '\'' => '\'',
                            'u' => char::from_u32(hex_value(&mut chars, 4)?)?,
                            'U' => char::from_u32(hex_value(&mut chars, 8)?)?,
                            _ => return None,
                        });
                    }
                }
            }
            '\n' => return None,
            c => {
                flush_bytes(&mut bytes, &mut out);
                out.push(c);
            }
        }
    }
    None
}

fn hex_value(chars: &mut std::str::CharIndices<'_>, digits: usize) -> Option<u32> {
    let mut v: u32 = 0;
    for _ in 0..digits {
        let d = chars.next()?.1.to_digit(16)?;
        v = v.checked_mul(16)?.checked_add(d)?;
    }
    Some(v)
}

fn flush_bytes(bytes: &mut Vec<u8>, out: &mut String) {
    if !bytes.is_empty() {
        out.push_str(&String::from_utf8_lossy(bytes));
        bytes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::unquote_prefix;

    #[test]
    fn unquotes_escapes() {
        assert_eq!(
            unquote_prefix(r#""a\"b\\c\n\x41\u00e9\303\251"rest"#),
            Some(("a\"b\\c\nAéé".to_string(), 29))
        );
        assert_eq!(unquote_prefix(r#""unterminated"#), None);
        assert_eq!(unquote_prefix(r#""bad \q""#), None);
        assert_eq!(unquote_prefix("plain"), None);
    }
}
