//! `go.mod` files: the module path, the `go` and `toolchain` lines and the
//! `godebug` settings.
//!
//! letgo needs the module path to spell function names the way Go's stack
//! traces do, and the Go version and `godebug` settings because whether some
//! code leaks (unstopped timers) depends on them. The other directives
//! (`require`, `replace`, `exclude`, `retract`, `tool`, `ignore`) say nothing
//! about leaks, so they are recognised and skipped without checking their
//! arguments: a linter should not refuse a module over a typo in a
//! requirement that the go command will report anyway.
//!
//! The syntax follows `golang.org/x/mod/modfile`: line comments only,
//! directives one per line or grouped in `verb ( ... )` blocks, and a strict
//! reading of the directives that matter here (an unknown directive is an
//! error, as it is for the go command reading the main module).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The Go version a `go.mod` without a `go` line stands for. The go command
/// assumes 1.16 for language purposes in that case (`go help go.mod`).
pub const DEFAULT_LANGUAGE_VERSION: GoVersion = GoVersion::new(1, 16);

/// The newest Go language version letgo's parser and rules know. A module
/// asking for a newer one may use syntax or semantics letgo would misread,
/// so it is an input error, as the go command refuses a `go` line newer
/// than itself.
pub const LATEST_LANGUAGE_VERSION: GoVersion = GoVersion::new(1, 27);

/// A Go release or language version: `1.22`, `1.23.4`, `1.21rc1`.
///
/// Go versions are not semver. They compare as the go command compares them
/// (`internal/gover`): a language version sorts before its release
/// candidates, which sort before the first release, so
/// `1.21 < 1.21rc1 < 1.21.0 < 1.21.1`. Before Go 1.21 a missing patch means
/// `.0`, so `1.20 == 1.20.0`.
#[derive(Clone, Copy, Debug)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    /// `None` when the version was written without a patch number.
    pub patch: Option<u32>,
    pub pre: Option<PreRelease>,
}

/// The pre-release part of a version such as `1.21rc1` or `1.22beta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PreRelease {
    pub kind: PreReleaseKind,
    pub number: Option<u32>,
}

/// Declared in the order Go sorts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreReleaseKind {
    Alpha,
    Beta,
    Rc,
}

impl PreReleaseKind {
    fn as_str(self) -> &'static str {
        match self {
            PreReleaseKind::Alpha => "alpha",
            PreReleaseKind::Beta => "beta",
            PreReleaseKind::Rc => "rc",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "alpha" => Some(PreReleaseKind::Alpha),
            "beta" => Some(PreReleaseKind::Beta),
            "rc" => Some(PreReleaseKind::Rc),
            _ => None,
        }
    }
}

/// A version string that is not a Go version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidGoVersion(pub String);

impl fmt::Display for InvalidGoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid Go version {:?}", self.0)
    }
}

impl std::error::Error for InvalidGoVersion {}

impl GoVersion {
    /// A language version such as `1.22` (no patch, no pre-release).
    pub const fn new(major: u32, minor: u32) -> GoVersion {
        GoVersion {
            major,
            minor,
            patch: None,
            pre: None,
        }
    }

    /// Parses `1.22`, `1.23.4`, `1.21rc1` (no `go` prefix), as the go
    /// command does. `1` alone means `1.0.0`; leading zeros are refused.
    pub fn parse(text: &str) -> Result<GoVersion, InvalidGoVersion> {
        parse_version(text).ok_or_else(|| InvalidGoVersion(text.to_string()))
    }

    /// Parses a toolchain name such as `go1.22.3` or `go1.22.3-custom` into
    /// its version; `None` for `default` or anything else.
    pub fn from_toolchain(name: &str) -> Option<GoVersion> {
        if name.contains(['/', '\\']) {
            return None;
        }
        let rest = name.strip_prefix("go")?;
        let end = rest.find([' ', '\t', '-', '+']).unwrap_or(rest.len());
        parse_version(&rest[..end])
    }

    /// The language version: `1.23.4` → `1.23`.
    pub fn lang(self) -> GoVersion {
        GoVersion::new(self.major, self.minor)
    }

    /// Whether this version is at least `major.minor` (as a language version).
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// The patch number used for comparison: before Go 1.21 a missing patch
    /// meant `.0`; from 1.21 on `1.21` is the language, below `1.21.0`.
    fn effective_patch(self) -> Option<u32> {
        match self.patch {
            None if self.minor < 21 => Some(0),
            patch => patch,
        }
    }

    fn sort_key(self) -> (u32, u32, Option<u32>, Option<PreRelease>) {
        (self.major, self.minor, self.effective_patch(), self.pre)
    }
}

/// Cuts a leading decimal number off `text`, refusing leading zeros and
/// numbers that do not fit (rather than panicking on `1.99999999999`).
fn cut_number(text: &str) -> Option<(u32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits > 1 && text.starts_with('0')) {
        return None;
    }
    let number = text[..digits].parse().ok()?;
    Some((number, &text[digits..]))
}

fn parse_version(text: &str) -> Option<GoVersion> {
    let (major, rest) = cut_number(text)?;
    if rest.is_empty() {
        return Some(GoVersion {
            major,
            minor: 0,
            patch: Some(0),
            pre: None,
        });
    }
    let (minor, rest) = cut_number(rest.strip_prefix('.')?)?;
    let mut version = GoVersion::new(major, minor);
    if rest.is_empty() {
        return Some(version);
    }
    if let Some(patch) = rest.strip_prefix('.') {
        // Go has no pre-releases of patch releases (`1.21.3rc1`).
        let (patch, rest) = cut_number(patch)?;
        version.patch = Some(patch);
        return rest.is_empty().then_some(version);
    }
    version.pre = Some(parse_pre_release(rest)?);
    Some(version)
}

fn parse_pre_release(text: &str) -> Option<PreRelease> {
    let letters = text.bytes().take_while(u8::is_ascii_lowercase).count();
    let kind = PreReleaseKind::parse(&text[..letters])?;
    let rest = &text[letters..];
    if rest.is_empty() {
        return Some(PreRelease { kind, number: None });
    }
    let (number, rest) = cut_number(rest)?;
    rest.is_empty().then_some(PreRelease {
        kind,
        number: Some(number),
    })
}

impl FromStr for GoVersion {
    type Err = InvalidGoVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        GoVersion::parse(text)
    }
}

impl PartialEq for GoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.sort_key() == other.sort_key()
    }
}

impl Eq for GoVersion {}

impl Hash for GoVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.sort_key().hash(state);
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        if let Some(pre) = self.pre {
            f.write_str(pre.kind.as_str())?;
            if let Some(number) = pre.number {
                write!(f, "{number}")?;
            }
        }
        Ok(())
    }
}

/// What letgo keeps of a `go.mod` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoMod {
    /// The module path, unquoted.
    pub module: String,
    /// The `go` line, if any.
    pub go_version: Option<GoVersion>,
    /// The `toolchain` line as written (`go1.23.4`, `default`).
    pub toolchain: Option<String>,
    /// `godebug key=value` settings in file order.
    pub godebug: Vec<(String, String)>,
}

/// A `go.mod` that cannot be read or understood. `line` is 1-based; 0 means
/// the whole file (it could not be read, or a directive is missing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoModError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for GoModError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for GoModError {}

impl GoMod {
    /// Reads and parses the `go.mod` file at `path`.
    pub fn read(path: &Path) -> Result<GoMod, GoModError> {
        let whole_file = |message: String| GoModError {
            path: path.to_path_buf(),
            line: 0,
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| whole_file(format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| whole_file("go.mod is not valid UTF-8".to_string()))?;
        GoMod::parse(path, &text)
    }

    /// Parses `src`, the text of a `go.mod` file; `path` only names the file
    /// in errors.
    pub fn parse(path: &Path, src: &str) -> Result<GoMod, GoModError> {
        let error = |line: usize, message: String| GoModError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let lines = lex(src).map_err(|(line, message)| error(line, message))?;
        let mut builder = Builder::default();
        for stmt in statements(&lines).map_err(|(line, message)| error(line, message))? {
            builder
                .directive(&stmt)
                .map_err(|message| error(stmt.line, message))?;
        }
        builder.finish().map_err(|message| error(0, message))
    }

    /// The language version the module's code is written in: the `go` line
    /// without its patch, or [`DEFAULT_LANGUAGE_VERSION`] (1.16) when the
    /// line is missing, as the go command assumes.
    pub fn language_version(&self) -> GoVersion {
        self.go_version
            .map(GoVersion::lang)
            .unwrap_or(DEFAULT_LANGUAGE_VERSION)
    }

    /// The value of a `godebug` setting; the last one wins, as in Go.
    pub fn godebug(&self, key: &str) -> Option<&str> {
        self.godebug
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One token of a go.mod line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// A bare word: directive names, paths, versions, `=>`, `key=value`.
    Word(&'a str),
    /// A quoted string, with its quotes.
    Quoted(&'a str),
    /// One of `( ) [ ] { } ,`.
    Punct(char),
}

/// The tokens of one non-empty line, with its 1-based number.
struct Line<'a> {
    number: usize,
    tokens: Vec<Token<'a>>,
}

type LexError = (usize, String);

/// Splits `src` into lines of tokens, dropping comments and blank lines.
/// go.mod strings cannot span lines, so lexing line by line is exact.
fn lex(src: &str) -> Result<Vec<Line<'_>>, LexError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut lines = Vec::new();
    for (index, text) in src.split('\n').enumerate() {
        let number = index + 1;
        let tokens = lex_line(text).map_err(|message| (number, message))?;
        if !tokens.is_empty() {
            lines.push(Line { number, tokens });
        }
    }
    Ok(lines)
}

fn is_punct(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | ',')
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_punct(c)
}

fn lex_line(text: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r']);
        let Some(c) = rest.chars().next() else {
            return Ok(tokens);
        };
        if rest.starts_with("//") {
            return Ok(tokens);
        }
        if rest.starts_with("/*") {
            return Err("go.mod files must use // comments, not /* */".to_string());
        }
        let len = if is_punct(c) {
            tokens.push(Token::Punct(c));
            1
        } else if c == '"' || c == '`' {
            let len = quoted_len(rest, c)?;
            tokens.push(Token::Quoted(&rest[..len]));
            len
        } else if is_word_char(c) {
            let len = word_len(rest)?;
            tokens.push(Token::Word(&rest[..len]));
            len
        } else {
            return Err(format!("unexpected character {c:?}"));
        };
        rest = &rest[len..];
    }
}

/// The length of the quoted string at the start of `text`, quotes included.
fn quoted_len(text: &str, quote: char) -> Result<usize, String> {
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Ok(i + 1);
        }
        if c == '\\' && quote == '"' {
            chars.next();
        }
    }
    Err("unterminated string".to_string())
}

/// The length of the bare word at the start of `text`, which stops before a
/// `//` comment.
fn word_len(text: &str) -> Result<usize, String> {
    for (i, c) in text.char_indices() {
        if !is_word_char(c) {
            return Ok(i);
        }
        if text[i..].starts_with("//") {
            return Ok(i);
        }
        if text[i..].starts_with("/*") {
            return Err("go.mod files must use // comments, not /* */".to_string());
        }
    }
    Ok(text.len())
}

/// A directive with its arguments, from a single line or from a block line.
struct Statement<'a> {
    line: usize,
    verb: &'a str,
    args: &'a [Token<'a>],
}

const BLOCK_VERBS: &[&str] = &[
    "module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore",
];

/// Groups lines into statements, expanding `verb ( ... )` blocks.
fn statements<'a>(lines: &'a [Line<'a>]) -> Result<Vec<Statement<'a>>, LexError> {
    let mut out = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = &lines[index];
        index += 1;
        let tokens = line.tokens.as_slice();
        let verb = verb_of(line)?;
        match tokens {
            [_, Token::Punct('(')] => {
                check_block_verb(line.number, verb)?;
                index = block(lines, index, line.number, verb, &mut out)?;
            }
            [_, Token::Punct('('), Token::Punct(')')] => check_block_verb(line.number, verb)?,
            [_, args @ ..] => out.push(Statement {
                line: line.number,
                verb,
                args,
            }),
            [] => {}
        }
    }
    Ok(out)
}

fn verb_of<'a>(line: &Line<'a>) -> Result<&'a str, LexError> {
    match line.tokens.first() {
        Some(Token::Word(word)) => Ok(word),
        Some(Token::Quoted(text)) => Err((line.number, format!("unknown directive {text}"))),
        Some(Token::Punct(c)) => Err((line.number, format!("unexpected {c:?}"))),
        None => Err((line.number, "empty line".to_string())),
    }
}

fn check_block_verb(line: usize, verb: &str) -> Result<(), LexError> {
    if BLOCK_VERBS.contains(&verb) {
        Ok(())
    } else {
        Err((line, format!("unknown block type {verb:?}")))
    }
}

/// Reads the lines of a block opened on line `start` up to its `)`, pushing
/// one statement per line; returns the index of the line after the block.
fn block<'a>(
    lines: &'a [Line<'a>],
    mut index: usize,
    start: usize,
    verb: &'a str,
    out: &mut Vec<Statement<'a>>,
) -> Result<usize, LexError> {
    while let Some(line) = lines.get(index) {
        index += 1;
        match line.tokens.as_slice() {
            [Token::Punct(')')] => return Ok(index),
            [Token::Punct(')'), ..] => {
                return Err((line.number, "expected newline after ')'".to_string()))
            }
            args => out.push(Statement {
                line: line.number,
                verb,
                args,
            }),
        }
    }
    Err((start, format!("unterminated {verb} block")))
}

/// Collects the directives that letgo keeps, checking each as the go
/// command does.
#[derive(Default)]
struct Builder {
    module: Option<String>,
    go_version: Option<GoVersion>,
    toolchain: Option<String>,
    godebug: Vec<(String, String)>,
}

impl Builder {
    fn directive(&mut self, stmt: &Statement<'_>) -> Result<(), String> {
        match stmt.verb {
            "module" => self.module(stmt.args),
            "go" => self.go(stmt.args),
            "toolchain" => self.toolchain(stmt.args),
            "godebug" => self.godebug(stmt.args),
            "require" | "exclude" | "replace" | "retract" | "tool" | "ignore" => Ok(()),
            verb => Err(format!("unknown directive {verb:?}")),
        }
    }

    fn module(&mut self, args: &[Token<'_>]) -> Result<(), String> {
        if self.module.is_some() {
            return Err("repeated module directive".to_string());
        }
        let [arg] = args else {
            return Err("usage: module module/path".to_string());
        };
        self.module = Some(module_path(arg)?);
        Ok(())
    }

    fn go(&mut self, args: &[Token<'_>]) -> Result<(), String> {
        if self.go_version.is_some() {
            return Err("repeated go directive".to_string());
        }
        let [Token::Word(text)] = args else {
            return Err("go directive expects exactly one argument".to_string());
        };
        let version = GoVersion::parse(text)
            .ok()
            .filter(|_| is_go_mod_version(text))
            .ok_or_else(|| format!("invalid go version {text:?}: must match format 1.23.0"))?;
        if version.lang() > LATEST_LANGUAGE_VERSION {
            return Err(format!(
                "go.mod requires go >= {text}; letgo knows Go up to {LATEST_LANGUAGE_VERSION}"
            ));
        }
        self.go_version = Some(version);
        Ok(())
    }

    fn toolchain(&mut self, args: &[Token<'_>]) -> Result<(), String> {
        if self.toolchain.is_some() {
            return Err("repeated toolchain directive".to_string());
        }
        let [Token::Word(name)] = args else {
            return Err("toolchain directive expects exactly one argument".to_string());
        };
        if !is_toolchain_name(name) {
            return Err(format!(
                "invalid toolchain {name:?}: must match format go1.23.0 or default"
            ));
        }
        self.toolchain = Some(name.to_string());
        Ok(())
    }

    fn godebug(&mut self, args: &[Token<'_>]) -> Result<(), String> {
        let usage = || "usage: godebug key=value".to_string();
        let [Token::Word(setting)] = args else {
            return Err(usage());
        };
        if setting.contains(['"', '`', '\'']) {
            return Err(usage());
        }
        let (key, value) = setting.split_once('=').ok_or_else(usage)?;
        self.godebug.push((key.to_string(), value.to_string()));
        Ok(())
    }

    fn finish(self) -> Result<GoMod, String> {
        let module = self
            .module
            .ok_or_else(|| "missing module declaration".to_string())?;
        Ok(GoMod {
            module,
            go_version: self.go_version,
            toolchain: self.toolchain,
            godebug: self.godebug,
        })
    }
}

/// The go line is stricter than [`GoVersion::parse`]: a minor version is
/// required and a pre-release needs its number (`1.21rc1`, not `1.21rc`).
fn is_go_mod_version(text: &str) -> bool {
    text.contains('.') && !text.ends_with(|c: char| c.is_ascii_lowercase())
}

/// `default`, or a name starting with `go1` followed by nothing or a dot,
/// loose on purpose (as in the go command) so that future toolchain names
/// still read.
fn is_toolchain_name(name: &str) -> bool {
    name == "default"
        || name
            .strip_prefix("go1")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn module_path(token: &Token<'_>) -> Result<String, String> {
    match token {
        Token::Word(word) if word.contains(['"', '`', '\'']) => {
            Err("unquoted module path cannot contain quotes".to_string())
        }
        Token::Word(word) => Ok(word.to_string()),
        Token::Quoted(text) => unquote(text),
        Token::Punct(c) => Err(format!("unexpected {c:?}")),
    }
}

/// Unquotes a Go string literal: a raw `` `...` `` string, or a `"..."`
/// string with Go's escapes.
fn unquote(text: &str) -> Result<String, String> {
    if let Some(raw) = text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        return Ok(raw.to_string());
    }
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|_| text.len() >= 2)
        .ok_or_else(|| format!("invalid quoted string {text}"))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped =
            unescape(&mut chars).ok_or_else(|| format!("invalid quoted string {text}"))?;
        out.push(escaped);
    }
    Ok(out)
}

/// Decodes one escape sequence after its backslash. Octal and `\x` escapes
/// are taken as code points, which is exact for ASCII (all a module path may
/// hold).
fn unescape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    let c = chars.next()?;
    let simple = match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        '\\' => '\\',
        '"' => '"',
        'x' => return hex_escape(chars, 2),
        'u' => return hex_escape(chars, 4),
        'U' => return hex_escape(chars, 8),
        '0'..='7' => {
            let rest: String = chars.take(2).collect();
            let value = u32::from_str_radix(&format!("{c}{rest}"), 8).ok()?;
            return (rest.len() == 2 && value <= 0xff)
                .then(|| char::from_u32(value))
                .flatten();
        }
        _ => return None,
    };
    Some(simple)
}

fn hex_escape(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let hex: String = chars.take(digits).collect();
    if hex.len() != digits {
        return None;
    }
    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::random_inputs;

    #[test]
    fn random_files_never_panic() {
        let pieces: &[&[u8]] = &[
            b"module ",
            b"go ",
            b"godebug ",
            b"require ",
            b"toolchain ",
            b"(",
            b")",
            b"\n",
            b" ",
            b"\"",
            b"`",
            b"\\",
            b"//",
            b"/*",
            b"=",
            b"1.21",
            b"rc1",
            b".",
            b"x",
            b"\r",
            b"\t",
            "\u{feff}".as_bytes(),
            "é".as_bytes(),
        ];
        for input in random_inputs(pieces, 20_000) {
            if let Ok(text) = std::str::from_utf8(&input) {
                let _ = parse(text);
            }
        }
    }

    fn parse(src: &str) -> Result<GoMod, GoModError> {
        GoMod::parse(Path::new("go.mod"), src)
    }

    fn error(src: &str) -> String {
        parse(src).unwrap_err().to_string()
    }

    fn v(text: &str) -> GoVersion {
        GoVersion::parse(text).unwrap()
    }

    #[test]
    fn parses_versions() {
        assert_eq!(v("1.22"), GoVersion::new(1, 22));
        let patch = v("1.23.4");
        assert_eq!((patch.major, patch.minor, patch.patch), (1, 23, Some(4)));
        let rc = v("1.21rc1");
        assert_eq!(
            rc.pre,
            Some(PreRelease {
                kind: PreReleaseKind::Rc,
                number: Some(1)
            })
        );
        assert_eq!(v("1.27.3").to_string(), "1.27.3");
        assert_eq!(v("1.21rc1").to_string(), "1.21rc1");
        assert_eq!(v("1").to_string(), "1.0.0");
    }

    #[test]
    fn refuses_malformed_versions() {
        for bad in [
            "",
            "1.",
            ".1",
            "01.2",
            "1.02",
            "1.2.",
            "1.2.3.4",
            "1.21.3rc1",
            "1.21xy1",
            "go1.21",
            "1.2 ",
            "1.99999999999",
        ] {
            assert!(GoVersion::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn orders_versions_as_go_does() {
        let ordered = [
            "1.16",
            "1.20",
            "1.20.1",
            "1.21",
            "1.21beta1",
            "1.21rc1",
            "1.21rc2",
            "1.21.0",
            "1.21.1",
            "1.22",
            "1.27.3",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.20"), v("1.20.0"));
        assert_ne!(v("1.21"), v("1.21.0"));
        assert!(v("1.9") < v("1.10"));
    }

    #[test]
    fn reads_toolchain_versions() {
        assert_eq!(GoVersion::from_toolchain("go1.22.3"), Some(v("1.22.3")));
        assert_eq!(
            GoVersion::from_toolchain("go1.22.3-custom"),
            Some(v("1.22.3"))
        );
        assert_eq!(GoVersion::from_toolchain("default"), None);
        assert_eq!(GoVersion::from_toolchain("1.22"), None);
    }

    #[test]
    fn parses_a_typical_file() {
        let m = parse(
            "// a comment\n\
             module example.com/leaky // trailing\n\
             \n\
             go 1.23.4\n\
             \n\
             toolchain go1.24.1\n\
             \n\
             godebug asynctimerchan=1\n\
             godebug (\n\
             \tdefault=go1.21\n\
             \thttp2client=0 // off\n\
             )\n\
             require (\n\
             \tgolang.org/x/sync v0.8.0\n\
             \tgolang.org/x/text v0.3.0 // indirect\n\
             )\n\
             require example.com/other v1.0.0\n\
             replace example.com/other => ../other\n\
             replace (\n\
             \texample.com/a v1.0.0 => example.com/b v1.1.0\n\
             )\n\
             exclude example.com/bad v1.0.0\n\
             retract [v1.0.0, v1.0.5] // broken\n\
             retract (\n\
             \tv0.1.0\n\
             )\n\
             tool golang.org/x/tools/cmd/stringer\n\
             tool (\n\
             \texample.com/gen\n\
             )\n\
             ignore ./node_modules\n\
             ignore (\n\
             \t./third_party/js\n\
             )\n",
        )
        .unwrap();
        assert_eq!(m.module, "example.com/leaky");
        assert_eq!(m.go_version, Some(v("1.23.4")));
        assert_eq!(m.toolchain.as_deref(), Some("go1.24.1"));
        assert_eq!(
            m.godebug,
            vec![
                ("asynctimerchan".to_string(), "1".to_string()),
                ("default".to_string(), "go1.21".to_string()),
                ("http2client".to_string(), "0".to_string()),
            ]
        );
        assert_eq!(m.godebug("asynctimerchan"), Some("1"));
        assert_eq!(m.language_version(), GoVersion::new(1, 23));
    }

    #[test]
    fn quoted_module_paths() {
        assert_eq!(
            parse("module \"example.com/q\"\n").unwrap().module,
            "example.com/q"
        );
        assert_eq!(
            parse("module `example.com/r`").unwrap().module,
            "example.com/r"
        );
        assert_eq!(
            parse("module \"example.com/\\x41\"\n").unwrap().module,
            "example.com/A"
        );
        assert_eq!(
            parse("module (\n\texample.com/b\n)\n").unwrap().module,
            "example.com/b"
        );
    }

    #[test]
    fn missing_go_line_means_go_1_16() {
        let m = parse("module m\n").unwrap();
        assert_eq!(m.go_version, None);
        assert_eq!(m.language_version(), GoVersion::new(1, 16));
        assert_eq!(m.language_version().to_string(), "1.16");
    }

    #[test]
    fn tolerates_crlf_bom_and_empty_blocks() {
        let m =
            parse("\u{feff}module m\r\ngo 1.21rc1\r\nrequire ( )\r\nrequire (\r\n)\r\n").unwrap();
        assert_eq!(m.go_version, Some(v("1.21rc1")));
    }

    #[test]
    fn errors_name_file_and_line() {
        assert_eq!(
            error("// c\n\nmodul example.com/x\n"),
            "go.mod:3: unknown directive \"modul\""
        );
        assert_eq!(
            error("module m\ngo 1.2x\n"),
            "go.mod:2: invalid go version \"1.2x\": must match format 1.23.0"
        );
        assert_eq!(
            error("module m\ngo 1.21rc\n"),
            "go.mod:2: invalid go version \"1.21rc\": must match format 1.23.0"
        );
        assert_eq!(
            error("module m\ngo 1\n"),
            "go.mod:2: invalid go version \"1\": must match format 1.23.0"
        );
        assert_eq!(
            error("module m\ngo\n"),
            "go.mod:2: go directive expects exactly one argument"
        );
        assert_eq!(
            error("module m\ngo 1.21\ngo 1.22\n"),
            "go.mod:3: repeated go directive"
        );
        assert_eq!(
            error("module a\nmodule b\n"),
            "go.mod:2: repeated module directive"
        );
        assert_eq!(error("go 1.21\n"), "go.mod: missing module declaration");
        assert_eq!(
            error("module m\ntoolchain 1.21\n"),
            "go.mod:2: invalid toolchain \"1.21\": must match format go1.23.0 or default"
        );
        assert_eq!(
            error("module m\ngodebug x\n"),
            "go.mod:2: usage: godebug key=value"
        );
        assert_eq!(
            error("module m\ngodebug \"x=1\"\n"),
            "go.mod:2: usage: godebug key=value"
        );
        assert_eq!(
            error("module m\nrequire (\n\ta v1\n"),
            "go.mod:2: unterminated require block"
        );
        assert_eq!(
            error("module m\nfoo (\n)\n"),
            "go.mod:2: unknown block type \"foo\""
        );
        assert_eq!(
            error("module m\nrequire (\n) x\n"),
            "go.mod:3: expected newline after ')'"
        );
        assert_eq!(
            error("module m\n/* no */\n"),
            "go.mod:2: go.mod files must use // comments, not /* */"
        );
        assert_eq!(error("module \"m\n"), "go.mod:1: unterminated string");
        assert_eq!(
            error("module m\"x\n"),
            "go.mod:1: unquoted module path cannot contain quotes"
        );
        assert_eq!(
            error("module \"\\q\"\n"),
            "go.mod:1: invalid quoted string \"\\q\""
        );
        assert_eq!(
            error("module m\n\u{1}\n"),
            "go.mod:2: unexpected character '\\u{1}'"
        );
    }

    #[test]
    fn toolchain_default_and_future_names() {
        assert_eq!(
            parse("module m\ntoolchain default\n")
                .unwrap()
                .toolchain
                .as_deref(),
            Some("default")
        );
        assert!(parse("module m\ntoolchain go1.30.0-experimental\n").is_ok());
    }

    #[test]
    fn read_names_missing_file() {
        let err = GoMod::read(Path::new("/nonexistent/letgo/go.mod")).unwrap_err();
        assert_eq!(err.line, 0);
        assert!(
            err.to_string().starts_with("/nonexistent/letgo/go.mod: "),
            "{err}"
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        let samples = [
            "",
            "(",
            ")",
            "module (",
            "module (\n",
            "module ( )",
            "\"",
            "`",
            "module \"\\",
            "module \"\\x4\"",
            "module \"\\u12\"",
            "module \"\\777\"",
            "module \"\\ud800\"",
            "godebug (\n=\n)",
            "go ( 1.2 )",
            "module m\ngo 1.21 // x\n",
            "\u{feff}",
            "module é\n",
            "module m\nrequire [\n",
        ];
        for sample in samples {
            let _ = parse(sample);
        }
    }
}
