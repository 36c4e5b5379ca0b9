//! Says what an input is when it is not one letgo reads: "an ELF binary",
//! "an HTML page", "text starting `hello`", never the raw bytes, which
//! print as dozens of escapes that help nobody.

/// Magic numbers of common non-profile files, with what to call them.
const MAGICS: &[(&[u8], &str)] = &[
    (b"\x7fELF", "an ELF binary"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O binary"),
    (b"\xce\xfa\xed\xfe", "a Mach-O binary"),
    (
        b"\xca\xfe\xba\xbe",
        "a Mach-O universal binary or Java class",
    ),
    (b"MZ", "a Windows executable"),
    (b"PK\x03\x04", "a zip archive"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BZh", "bzip2 data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x1f\x8b", "gzip data"),
    (b"SQLite format 3\x00", "an SQLite database"),
];

/// Longest text quoted.
const QUOTE_CHARS: usize = 60;

/// What `head` (the first bytes of an input, decompressed) is, for an
/// error message: a named file type, a kind of text, or binary data.
pub fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "empty input".into();
    }
    if let Some((_, what)) = MAGICS.iter().find(|(magic, _)| head.starts_with(magic)) {
        return (*what).to_string();
    }
    match text_of(head) {
        Some(text) => describe_text(text),
        None => format!("binary data of no known format (first bytes {})", hex(head)),
    }
}

/// `head` as text, if it is printable text (a cut-off UTF-8 sequence at
/// the very end allowed).
fn text_of(head: &[u8]) -> Option<&str> {
    let text = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .then_some(text)
}

fn describe_text(text: &str) -> String {
    let start = text.trim_start().to_ascii_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return "an HTML page".into();
    }
    if start.starts_with("<?xml") {
        return "an XML document".into();
    }
    if start.starts_with('{') || start.starts_with('[') {
        return format!("JSON starting {}", quote(text));
    }
    format!("text starting {}", quote(text))
}

/// The first line of `text`, short, in backticks; control characters
/// (none but tabs get here) shown as spaces.
pub fn quote(text: &str) -> String {
    let line = text.trim_start().lines().next().unwrap_or("");
    let mut out: String = line
        .chars()
        .take(QUOTE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() > QUOTE_CHARS {
        out.push('…');
    }
    format!("`{out}`")
}

/// The first eight bytes in hex: enough to look a magic number up.
fn hex(head: &[u8]) -> String {
    head.iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_it_finds() {
        assert_eq!(describe(b"\x7fELF\x02\x01\x01\0\0\0"), "an ELF binary");
        assert_eq!(describe(b"  <!DOCTYPE html><html><body>"), "an HTML page");
        assert_eq!(
            describe(b"hello world\nmore"),
            "text starting `hello world`"
        );
        assert_eq!(
            describe(b"{\"error\": \"forbidden\"}"),
            "JSON starting `{\"error\": \"forbidden\"}`"
        );
        assert_eq!(
            describe(&[0x93, 0x01, 0xff, 0x00, 0x10]),
            "binary data of no known format (first bytes 93 01 ff 00 10)"
        );
        let long = "x".repeat(200);
        assert_eq!(
            describe(long.as_bytes()),
            format!("text starting `{}…`", "x".repeat(60))
        );
    }
}
