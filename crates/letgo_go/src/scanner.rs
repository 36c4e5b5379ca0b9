//! The Go scanner: bytes to tokens, with automatic semicolon insertion.
//!
//! A port of `go/scanner` that keeps its error messages and its choices
//! (where an inserted semicolon sits, what a token's end is), because the
//! parser's positions are checked against `go/parser` on the whole standard
//! library.

use crate::token::Token;
use crate::SyntaxError;

const EOF: i32 = -1;
const BOM: i32 = 0xFEFF;
const RUNE_ERROR: i32 = 0xFFFD;
const RUNE_SELF: i32 = 0x80;

/// One scanned token. Its text is `src[pos..end]`; `auto_semi` marks a
/// semicolon inserted at a newline or at the end of the file.
#[derive(Clone, Copy, Debug)]
pub struct Scanned {
    pub pos: u32,
    pub end: u32,
    pub tok: Token,
    pub auto_semi: bool,
}

/// Scanner state over one source file.
pub struct Scanner<'a> {
    src: &'a [u8],
    ch: i32,
    offset: usize,
    rd_offset: usize,
    line_offset: usize,
    insert_semi: bool,
    nl_pos: Option<usize>,
    pub errors: Vec<SyntaxError>,
}

impl<'a> Scanner<'a> {
    /// A scanner positioned at the first token (a leading BOM is skipped).
    pub fn new(src: &'a [u8]) -> Self {
        let mut s = Scanner {
            src,
            ch: ' ' as i32,
            offset: 0,
            rd_offset: 0,
            line_offset: 0,
            insert_semi: false,
            nl_pos: None,
            errors: Vec::new(),
        };
        s.next();
        if s.ch == BOM {
            s.next();
        }
        s
    }

    fn error(&mut self, offset: usize, msg: impl Into<String>) {
        self.errors.push(SyntaxError {
            offset: offset as u32,
            msg: msg.into(),
        });
    }

    /// Reads the next Unicode character into `ch`.
    fn next(&mut self) {
        if self.rd_offset < self.src.len() {
            self.offset = self.rd_offset;
            if self.ch == '\n' as i32 {
                self.line_offset = self.offset;
            }
            let (mut r, mut w) = (self.src[self.rd_offset] as i32, 1);
            if r == 0 {
                self.error(self.offset, "illegal character NUL");
            } else if r >= RUNE_SELF {
                (r, w) = decode_rune(&self.src[self.rd_offset..]);
                if r == RUNE_ERROR && w == 1 {
                    let input = &self.src[self.rd_offset..];
                    if self.offset == 0
                        && input.len() >= 2
                        && (input[0] == 0xFF && input[1] == 0xFE
                            || input[0] == 0xFE && input[1] == 0xFF)
                    {
                        self.error(self.offset, "illegal UTF-8 encoding (got UTF-16)");
                        w = input.len();
                    } else {
                        self.error(self.offset, "illegal UTF-8 encoding");
                    }
                } else if r == BOM && self.offset > 0 {
                    self.error(self.offset, "illegal byte order mark");
                }
            }
            self.rd_offset += w;
            self.ch = r;
        } else {
            self.offset = self.src.len();
            if self.ch == '\n' as i32 {
                self.line_offset = self.offset;
            }
            self.ch = EOF;
        }
    }

    fn peek(&self) -> u8 {
        self.src.get(self.rd_offset).copied().unwrap_or(0)
    }

    /// Scans the next token.
    pub fn scan(&mut self) -> Scanned {
        if let Some(nl) = self.nl_pos.take() {
            return Scanned {
                pos: nl as u32,
                end: nl as u32 + 1,
                tok: Token::Semicolon,
                auto_semi: true,
            };
        }
        self.skip_whitespace();
        let pos = self.offset;
        let mut insert_semi = false;
        let ch = self.ch;
        let tok;
        if is_letter(ch) {
            self.scan_identifier();
            let lit = &self.src[pos..self.offset];
            if lit.len() > 1 {
                tok = Token::lookup(lit);
                insert_semi = matches!(
                    tok,
                    Token::Ident
                        | Token::Break
                        | Token::Continue
                        | Token::Fallthrough
                        | Token::Return
                );
            } else {
                insert_semi = true;
                tok = Token::Ident;
            }
        } else if is_decimal(ch) || ch == '.' as i32 && self.peek().is_ascii_digit() {
            insert_semi = true;
            tok = self.scan_number();
        } else {
            self.next();
            tok = match ch {
                EOF => {
                    if self.insert_semi {
                        self.insert_semi = false;
                        return Scanned {
                            pos: pos as u32,
                            end: self.offset as u32,
                            tok: Token::Semicolon,
                            auto_semi: true,
                        };
                    }
                    Token::Eof
                }
                0x0A => {
                    self.insert_semi = false;
                    return Scanned {
                        pos: pos as u32,
                        end: self.offset as u32,
                        tok: Token::Semicolon,
                        auto_semi: true,
                    };
                }
                0x22 => {
                    insert_semi = true;
                    self.scan_string();
                    Token::String
                }
                0x27 => {
                    insert_semi = true;
                    self.scan_rune();
                    Token::Char
                }
                0x60 => {
                    insert_semi = true;
                    self.scan_raw_string();
                    Token::String
                }
                _ => {
                    let (t, semi) = self.scan_operator(ch, pos);
                    insert_semi = semi;
                    t
                }
            };
        }
        self.insert_semi = insert_semi;
        Scanned {
            pos: pos as u32,
            end: self.offset as u32,
            tok,
            auto_semi: false,
        }
    }

    /// Scans an operator, delimiter or comment whose first character `ch`
    /// has been consumed. Returns the token and whether a newline after it
    /// inserts a semicolon.
    fn scan_operator(&mut self, ch: i32, pos: usize) -> (Token, bool) {
        use Token::*;
        let c = u8::try_from(ch).unwrap_or(0);
        let tok = match c {
            b':' => self.switch2(Colon, Define),
            b'.' => {
                if self.ch == '.' as i32 && self.peek() == b'.' {
                    self.next();
                    self.next();
                    Ellipsis
                } else {
                    Period
                }
            }
            b',' => Comma,
            b';' => Semicolon,
            b'(' => Lparen,
            b')' => return (Rparen, true),
            b'[' => Lbrack,
            b']' => return (Rbrack, true),
            b'{' => Lbrace,
            b'}' => return (Rbrace, true),
            b'+' => {
                let t = self.switch3(Add, AddAssign, '+', Inc);
                return (t, t == Inc);
            }
            b'-' => {
                let t = self.switch3(Sub, SubAssign, '-', Dec);
                return (t, t == Dec);
            }
            b'*' => self.switch2(Mul, MulAssign),
            b'/' => {
                if self.ch == '/' as i32 || self.ch == '*' as i32 {
                    let nl_offset = self.scan_comment();
                    let keep = self.insert_semi;
                    if self.insert_semi && nl_offset != 0 {
                        self.nl_pos = Some(nl_offset);
                        return (Comment, false);
                    }
                    return (Comment, keep);
                }
                self.switch2(Quo, QuoAssign)
            }
            b'%' => self.switch2(Rem, RemAssign),
            b'^' => self.switch2(Xor, XorAssign),
            b'<' => {
                if self.ch == '-' as i32 {
                    self.next();
                    Arrow
                } else {
                    self.switch4(Lss, Leq, '<', Shl, ShlAssign)
                }
            }
            b'>' => self.switch4(Gtr, Geq, '>', Shr, ShrAssign),
            b'=' => self.switch2(Assign, Eql),
            b'!' => self.switch2(Not, Neq),
            b'&' => {
                if self.ch == '^' as i32 {
                    self.next();
                    self.switch2(AndNot, AndNotAssign)
                } else {
                    self.switch3(And, AndAssign, '&', Land)
                }
            }
            b'|' => self.switch3(Or, OrAssign, '|', Lor),
            b'~' => Tilde,
            _ => {
                if ch != BOM {
                    let msg = if ch == 0x201C || ch == 0x201D {
                        format!(
                            "curly quotation mark {} (use neutral '\"')",
                            go_quote_rune(ch)
                        )
                    } else {
                        format!("illegal character {}", go_unicode_repr(ch))
                    };
                    self.error(pos, msg);
                }
                return (Illegal, self.insert_semi);
            }
        };
        (tok, false)
    }

    fn switch2(&mut self, tok0: Token, tok1: Token) -> Token {
        if self.ch == '=' as i32 {
            self.next();
            return tok1;
        }
        tok0
    }

    fn switch3(&mut self, tok0: Token, tok1: Token, ch2: char, tok2: Token) -> Token {
        if self.ch == '=' as i32 {
            self.next();
            return tok1;
        }
        if self.ch == ch2 as i32 {
            self.next();
            return tok2;
        }
        tok0
    }

    fn switch4(&mut self, tok0: Token, tok1: Token, ch2: char, tok2: Token, tok3: Token) -> Token {
        if self.ch == '=' as i32 {
            self.next();
            return tok1;
        }
        if self.ch == ch2 as i32 {
            self.next();
            if self.ch == '=' as i32 {
                self.next();
                return tok3;
            }
            return tok2;
        }
        tok0
    }

    fn skip_whitespace(&mut self) {
        loop {
            // Fast path over ASCII blanks without decoding.
            match self.ch {
                0x20 | 0x09 | 0x0D => self.next(),
                0x0A if !self.insert_semi => self.next(),
                _ => return,
            }
        }
    }

    fn scan_identifier(&mut self) {
        let rest = &self.src[self.rd_offset..];
        for (i, &b) in rest.iter().enumerate() {
            if b.is_ascii_alphanumeric() || b == b'_' {
                continue;
            }
            self.rd_offset += i;
            if 0 < b && b < 0x80 {
                self.ch = b as i32;
                self.offset = self.rd_offset;
                self.rd_offset += 1;
                return;
            }
            self.next();
            while is_letter(self.ch) || is_digit(self.ch) {
                self.next();
            }
            return;
        }
        self.offset = self.src.len();
        self.rd_offset = self.src.len();
        self.ch = EOF;
    }

    /// Scans a comment whose `/` has been consumed. Returns the offset of
    /// the first newline inside a `/*...*/` comment, or 0.
    fn scan_comment(&mut self) -> usize {
        let offs = self.offset - 1;
        let mut nl_offset = 0;
        if self.ch == '/' as i32 {
            self.next();
            while self.ch != '\n' as i32 && self.ch >= 0 {
                self.next();
            }
            return 0;
        }
        self.next();
        while self.ch >= 0 {
            let ch = self.ch;
            if ch == '\n' as i32 && nl_offset == 0 {
                nl_offset = self.offset;
            }
            self.next();
            if ch == '*' as i32 && self.ch == '/' as i32 {
                self.next();
                return nl_offset;
            }
        }
        self.error(offs, "comment not terminated");
        nl_offset
    }

    fn digits(&mut self, base: u32, invalid: &mut Option<usize>) -> u8 {
        let mut digsep = 0;
        if base <= 10 {
            let max = '0' as i32 + base as i32;
            while is_decimal(self.ch) || self.ch == '_' as i32 {
                let mut ds = 1;
                if self.ch == '_' as i32 {
                    ds = 2;
                } else if self.ch >= max && invalid.is_none() {
                    *invalid = Some(self.offset);
                }
                digsep |= ds;
                self.next();
            }
        } else {
            while is_hex(self.ch) || self.ch == '_' as i32 {
                digsep |= if self.ch == '_' as i32 { 2 } else { 1 };
                self.next();
            }
        }
        digsep
    }

    fn scan_number(&mut self) -> Token {
        let offs = self.offset;
        let mut tok = Token::Illegal;
        let mut base = 10;
        let mut prefix = 0u8;
        let mut digsep = 0;
        let mut invalid = None;

        if self.ch != '.' as i32 {
            tok = Token::Int;
            if self.ch == '0' as i32 {
                self.next();
                match lower(self.ch) {
                    0x78 => {
                        self.next();
                        (base, prefix) = (16, b'x');
                    }
                    0x6F => {
                        self.next();
                        (base, prefix) = (8, b'o');
                    }
                    0x62 => {
                        self.next();
                        (base, prefix) = (2, b'b');
                    }
                    _ => {
                        (base, prefix) = (8, b'0');
                        digsep = 1;
                    }
                }
            }
            digsep |= self.digits(base, &mut invalid);
        }
        if self.ch == '.' as i32 {
            tok = Token::Float;
            if prefix == b'o' || prefix == b'b' {
                let msg = format!("invalid radix point in {}", litname(prefix));
                self.error(self.offset, msg);
            }
            self.next();
            digsep |= self.digits(base, &mut invalid);
        }
        if digsep & 1 == 0 {
            let msg = format!("{} has no digits", litname(prefix));
            self.error(self.offset, msg);
        }
        let e = lower(self.ch);
        if e == 'e' as i32 || e == 'p' as i32 {
            if e == 'e' as i32 && prefix != 0 && prefix != b'0' {
                let msg = format!(
                    "{} exponent requires decimal mantissa",
                    go_quote_rune(self.ch)
                );
                self.error(self.offset, msg);
            } else if e == 'p' as i32 && prefix != b'x' {
                let msg = format!(
                    "{} exponent requires hexadecimal mantissa",
                    go_quote_rune(self.ch)
                );
                self.error(self.offset, msg);
            }
            self.next();
            tok = Token::Float;
            if self.ch == '+' as i32 || self.ch == '-' as i32 {
                self.next();
            }
            let ds = self.digits(10, &mut None);
            digsep |= ds;
            if ds & 1 == 0 {
                self.error(self.offset, "exponent has no digits");
            }
        } else if prefix == b'x' && tok == Token::Float {
            self.error(self.offset, "hexadecimal mantissa requires a 'p' exponent");
        }
        if self.ch == 'i' as i32 {
            tok = Token::Imag;
            self.next();
        }
        if tok == Token::Int {
            if let Some(at) = invalid {
                let msg = format!(
                    "invalid digit {} in {}",
                    go_quote_rune(self.src[at] as i32),
                    litname(prefix)
                );
                self.error(at, msg);
            }
        }
        if digsep & 2 != 0 {
            if let Some(i) = invalid_sep(&self.src[offs..self.offset]) {
                self.error(offs + i, "'_' must separate successive digits");
            }
        }
        tok
    }

    fn scan_escape(&mut self, quote: char) -> bool {
        let offs = self.offset;
        let (mut n, base, max): (u32, u32, u32);
        match self.ch {
            c if c == quote as i32 => {
                self.next();
                return true;
            }
            0x61 | 0x62 | 0x66 | 0x6E | 0x72 | 0x74 | 0x76 | 0x5C => {
                self.next();
                return true;
            }
            0x30..=0x37 => (n, base, max) = (3, 8, 255),
            0x78 => {
                self.next();
                (n, base, max) = (2, 16, 255);
            }
            0x75 => {
                self.next();
                (n, base, max) = (4, 16, 0x10FFFF);
            }
            0x55 => {
                self.next();
                (n, base, max) = (8, 16, 0x10FFFF);
            }
            _ => {
                let msg = if self.ch < 0 {
                    "escape sequence not terminated"
                } else {
                    "unknown escape sequence"
                };
                self.error(offs, msg);
                return false;
            }
        }
        let mut x: u32 = 0;
        while n > 0 {
            let d = digit_val(self.ch);
            if d >= base {
                let msg = if self.ch < 0 {
                    "escape sequence not terminated".to_string()
                } else {
                    format!(
                        "illegal character {} in escape sequence",
                        go_unicode_repr(self.ch)
                    )
                };
                self.error(self.offset, msg);
                return false;
            }
            x = x.wrapping_mul(base).wrapping_add(d);
            self.next();
            n -= 1;
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            self.error(offs, "escape sequence is invalid Unicode code point");
            return false;
        }
        true
    }

    fn scan_rune(&mut self) {
        let offs = self.offset - 1;
        let mut valid = true;
        let mut n = 0;
        loop {
            let ch = self.ch;
            if ch == '\n' as i32 || ch < 0 {
                if valid {
                    self.error(offs, "rune literal not terminated");
                    valid = false;
                }
                break;
            }
            self.next();
            if ch == '\'' as i32 {
                break;
            }
            n += 1;
            if ch == '\\' as i32 && !self.scan_escape('\'') {
                valid = false;
            }
        }
        if valid && n != 1 {
            self.error(offs, "illegal rune literal");
        }
    }

    fn scan_string(&mut self) {
        let offs = self.offset - 1;
        loop {
            let ch = self.ch;
            if ch == '\n' as i32 || ch < 0 {
                self.error(offs, "string literal not terminated");
                break;
            }
            self.next();
            if ch == '"' as i32 {
                break;
            }
            if ch == '\\' as i32 {
                self.scan_escape('"');
            }
        }
    }

    fn scan_raw_string(&mut self) {
        let offs = self.offset - 1;
        loop {
            let ch = self.ch;
            if ch < 0 {
                self.error(offs, "raw string literal not terminated");
                break;
            }
            self.next();
            if ch == '`' as i32 {
                break;
            }
        }
    }
}

fn litname(prefix: u8) -> &'static str {
    match prefix {
        b'x' => "hexadecimal literal",
        b'o' | b'0' => "octal literal",
        b'b' => "binary literal",
        _ => "decimal literal",
    }
}

/// The index of the first misplaced `_` in a number literal, as
/// `go/scanner.invalidSep` finds it.
fn invalid_sep(x: &[u8]) -> Option<usize> {
    let mut x1 = b' ';
    let mut d = b'.';
    let mut i = 0;
    if x.len() >= 2 && x[0] == b'0' {
        x1 = x[1].to_ascii_lowercase();
        if x1 == b'x' || x1 == b'o' || x1 == b'b' {
            d = b'0';
            i = 2;
        }
    }
    while i < x.len() {
        let p = d;
        d = x[i];
        if d == b'_' {
            if p != b'0' {
                return Some(i);
            }
        } else if d.is_ascii_digit() || x1 == b'x' && d.is_ascii_hexdigit() {
            d = b'0';
        } else {
            if p == b'_' {
                return Some(i - 1);
            }
            d = b'.';
        }
        i += 1;
    }
    if d == b'_' {
        return Some(x.len() - 1);
    }
    None
}

fn lower(ch: i32) -> i32 {
    ('a' as i32 - 'A' as i32) | ch
}

fn is_decimal(ch: i32) -> bool {
    ('0' as i32..='9' as i32).contains(&ch)
}

fn is_hex(ch: i32) -> bool {
    is_decimal(ch) || ('a' as i32..='f' as i32).contains(&lower(ch))
}

fn digit_val(ch: i32) -> u32 {
    if is_decimal(ch) {
        (ch - '0' as i32) as u32
    } else if ('a' as i32..='f' as i32).contains(&lower(ch)) {
        (lower(ch) - 'a' as i32 + 10) as u32
    } else {
        16
    }
}

/// A letter as Go's spec defines it: `_`, ASCII letters, and Unicode
/// categories Lu, Ll, Lt, Lm, Lo.
fn is_letter(ch: i32) -> bool {
    if ch < RUNE_SELF {
        return ch >= 0 && ((ch as u8).is_ascii_alphabetic() || ch == '_' as i32);
    }
    char::from_u32(ch as u32).is_some_and(crate::unicode::is_letter)
}

/// A digit as Go's spec defines it: Unicode category Nd.
fn is_digit(ch: i32) -> bool {
    if ch < RUNE_SELF {
        return is_decimal(ch);
    }
    char::from_u32(ch as u32).is_some_and(crate::unicode::is_digit)
}

/// Decodes one UTF-8 character as Go's `utf8.DecodeRune` does: an invalid
/// or overlong sequence or a surrogate gives `(RUNE_ERROR, 1)`.
fn decode_rune(b: &[u8]) -> (i32, usize) {
    let n = match b[0] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (RUNE_ERROR, 1),
    };
    match b.get(..n).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next().map_or(RUNE_ERROR, |c| c as i32), n),
        None => (RUNE_ERROR, 1),
    }
}

/// `%q` of a rune as Go prints it, for the ASCII cases the scanner reports.
fn go_quote_rune(ch: i32) -> String {
    match char::from_u32(ch as u32) {
        Some('\'') => "'\\''".to_string(),
        Some('\\') => "'\\\\'".to_string(),
        Some(c) if (' '..='~').contains(&c) => format!("'{c}'"),
        Some(c) if !c.is_control() => format!("'{c}'"),
        _ => format!("'\\x{:02x}'", ch.max(0)),
    }
}

/// `%#U` of a rune as Go prints it: `U+0040 '@'`.
fn go_unicode_repr(ch: i32) -> String {
    let code = format!("U+{:04X}", ch.max(0));
    match char::from_u32(ch as u32) {
        Some(c) if !c.is_control() => format!("{code} '{c}'"),
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> Vec<(Token, &str)> {
        let mut s = Scanner::new(src.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = s.scan();
            if t.tok == Token::Eof {
                return out;
            }
            let text = if t.auto_semi {
                "\n"
            } else {
                &src[t.pos as usize..t.end as usize]
            };
            out.push((t.tok, text));
        }
    }

    #[test]
    fn inserts_semicolons_after_line_enders() {
        use Token::*;
        let got = tokens("x++\nreturn\n}\n");
        assert_eq!(
            got,
            vec![
                (Ident, "x"),
                (Inc, "++"),
                (Semicolon, "\n"),
                (Return, "return"),
                (Semicolon, "\n"),
                (Rbrace, "}"),
                (Semicolon, "\n"),
            ]
        );
    }

    #[test]
    fn a_multiline_block_comment_ends_a_line() {
        let got = tokens("x /* a\nb */ y");
        let kinds: Vec<Token> = got.iter().map(|t| t.0).collect();
        use Token::*;
        assert_eq!(kinds, vec![Ident, Comment, Semicolon, Ident, Semicolon]);
    }

    #[test]
    fn number_literals() {
        use Token::*;
        for (src, tok) in [
            ("0x1p-2", Float),
            ("1_000", Int),
            ("0b1010", Int),
            ("0o17", Int),
            ("017", Int),
            (".5e3", Float),
            ("0x_ABp+1", Float),
            ("3i", Imag),
            ("1.e+0i", Imag),
        ] {
            let mut s = Scanner::new(src.as_bytes());
            let t = s.scan();
            assert_eq!((t.tok, t.end as usize), (tok, src.len()), "{src}");
            assert!(s.errors.is_empty(), "{src}: {:?}", s.errors);
        }
    }

    #[test]
    fn bad_literals_are_reported() {
        for (src, msg) in [
            ("0x", "hexadecimal literal has no digits"),
            ("1__0", "'_' must separate successive digits"),
            ("09", "invalid digit '9' in octal literal"),
            ("'ab'", "illegal rune literal"),
            ("\"abc", "string literal not terminated"),
            ("`abc", "raw string literal not terminated"),
            ("/* x", "comment not terminated"),
            ("'\\q'", "unknown escape sequence"),
            ("@", "illegal character U+0040 '@'"),
        ] {
            let mut s = Scanner::new(src.as_bytes());
            while s.scan().tok != Token::Eof {}
            assert_eq!(s.errors.first().map(|e| e.msg.as_str()), Some(msg), "{src}");
        }
    }
}
