//! Build constraints: which files of a directory belong to a package for a
//! given platform.
//!
//! A Go file is left out of a build by its name (`x_windows.go`,
//! `x_arm64_test.go`) or by a `//go:build` line in its header (older files:
//! `// +build` lines). letgo checks every file, but a finding in a file that
//! the default platform does not build is less certain (its other half may
//! live in a file we dropped), so the package model marks such files as
//! "other platform" instead of mixing them in.
//!
//! The rules follow `go/build` and `go help buildconstraint`:
//! - only the file's header counts: blank lines and comments before the
//!   first other token (normally `package`);
//! - a `//go:build` line there decides; a second one is an error;
//! - without one, every `// +build` line counts, but only those followed by
//!   a blank line (so that a package doc comment is never read as one), and
//!   all of them must match;
//! - file names are cut at the first `.`; after the first `_`, a trailing
//!   `_test` is dropped and then `_GOOS_GOARCH`, `_GOOS` or `_GOARCH` from the
//!   known lists constrain the file.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::gomod::GoVersion;

/// Every GOOS Go has known, past and future, from `internal/syslist`. File
/// names use this list, so it only ever grows.
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// The GOOS values matched by the `unix` build tag.
pub const UNIX_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// Every GOARCH Go has known, past and future, from `internal/syslist`.
pub const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The newest Go release letgo models; its `go1.N` release tags are on by
/// default.
pub const LATEST_GO: GoVersion = GoVersion::new(1, 27);

/// The GOEXPERIMENT tags Go 1.27 sets by default on linux/amd64, the default
/// platform. They differ between platforms and releases, so only the
/// default context carries them.
pub const DEFAULT_EXPERIMENT_TAGS: &[&str] = &[
    "goexperiment.regabiwrappers",
    "goexperiment.regabiargs",
    "goexperiment.dwarf5",
    "goexperiment.jsonv2",
    "goexperiment.greenteagc",
    "goexperiment.randomizedheapbase64",
    "goexperiment.sizespecializedmalloc",
];

/// The platform and tags that files are matched against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildContext {
    pub goos: String,
    pub goarch: String,
    /// Whether the `cgo` tag is set.
    pub cgo: bool,
    /// The compiler tag, `gc`.
    pub compiler: String,
    /// Release tags `go1.1` up to `go1.{release}` are set.
    pub release: u32,
    /// Further tags: the user's `-tags`, GOEXPERIMENT tags
    /// (`goexperiment.jsonv2`) and instruction-set levels (`amd64.v1`).
    pub tags: BTreeSet<String>,
}

impl Default for BuildContext {
    /// linux/amd64 with cgo, Go 1.27's release and experiment tags: what
    /// `go list` sees on the most common platform.
    fn default() -> Self {
        let mut ctx = BuildContext::new("linux", "amd64");
        ctx.tags
            .extend(DEFAULT_EXPERIMENT_TAGS.iter().map(|t| t.to_string()));
        ctx
    }
}

impl BuildContext {
    /// A context for `goos`/`goarch` with cgo on, the `gc` compiler, the
    /// release tags of [`LATEST_GO`], and the default instruction-set level
    /// tags of `goarch`; no GOEXPERIMENT tags.
    pub fn new(goos: &str, goarch: &str) -> BuildContext {
        BuildContext {
            goos: goos.to_string(),
            goarch: goarch.to_string(),
            cgo: true,
            compiler: "gc".to_string(),
            release: LATEST_GO.minor,
            tags: default_arch_level_tags(goarch)
                .iter()
                .map(|t| t.to_string())
                .collect(),
        }
    }

    /// Sets the release tags to those of `version`: `go1.1` to `go1.N` for
    /// Go 1.N.
    pub fn with_go_version(mut self, version: GoVersion) -> BuildContext {
        self.release = if version.major == 1 { version.minor } else { 0 };
        self
    }

    /// Whether `tag` is satisfied, as `go/build`'s `matchTag` decides,
    /// except that `ignore` is never satisfied: files tagged so are tools
    /// and generators, never part of a package.
    pub fn has_tag(&self, tag: &str) -> bool {
        if tag == "ignore" {
            return false;
        }
        if tag == self.goos || tag == self.goarch || tag == self.compiler {
            return true;
        }
        match tag {
            "cgo" => self.cgo,
            "unix" => UNIX_OS.contains(&self.goos.as_str()),
            "linux" => self.goos == "android",
            "solaris" => self.goos == "illumos",
            "darwin" => self.goos == "ios",
            "boringcrypto" => self.tags.contains("goexperiment.boringcrypto"),
            _ => self.is_release_tag(tag) || self.tags.contains(tag),
        }
    }

    fn is_release_tag(&self, tag: &str) -> bool {
        let Some(minor) = tag.strip_prefix("go1.") else {
            return false;
        };
        let canonical = !minor.is_empty()
            && !minor.starts_with('0')
            && minor.bytes().all(|b| b.is_ascii_digit());
        canonical && minor.parse::<u32>().is_ok_and(|m| m <= self.release)
    }
}

/// The instruction-set level tags the go command sets for the default
/// GOAMD64, GOARM, ... of each architecture.
fn default_arch_level_tags(goarch: &str) -> &'static [&'static str] {
    match goarch {
        "386" => &["386.sse2"],
        "amd64" => &["amd64.v1"],
        "arm" => &["arm.5", "arm.6", "arm.7"],
        "arm64" => &["arm64.v8.0"],
        "mips" => &["mips.hardfloat"],
        "mipsle" => &["mipsle.hardfloat"],
        "mips64" => &["mips64.hardfloat"],
        "mips64le" => &["mips64le.hardfloat"],
        "ppc64" => &["ppc64.power8"],
        "ppc64le" => &["ppc64le.power8"],
        "riscv64" => &["riscv64.rva20u64"],
        "wasm" => &["wasm.satconv", "wasm.signext"],
        _ => &[],
    }
}

/// A build constraint expression, as written after `//go:build`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// A malformed `//go:build` expression; `offset` is a byte offset into the
/// expression text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExprError {}

/// Go's limit on the number of operands.
const MAX_EXPR_SIZE: usize = 1000;
/// How deeply parentheses may nest. Go has no such limit besides
/// [`MAX_EXPR_SIZE`], but recursion 1000 deep can overflow a small thread
/// stack, and real constraints nest two or three levels.
const MAX_NESTING: usize = 100;
/// Go's limit on operators in a `// +build` line.
const MAX_PLUS_BUILD_OPS: usize = 100;

impl Expr {
    /// Parses a `//go:build` expression such as `linux && (amd64 || arm64)`.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        ExprParser::new(text).parse()
    }

    /// Parses a `//go:build` or `// +build` comment line; `Ok(None)` when
    /// the line is neither.
    pub fn parse_line(line: &str) -> Result<Option<Expr>, ExprError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if line.contains('\n') {
            return Ok(None);
        }
        if let Some(text) = go_build_text(line) {
            return Expr::parse(text).map(Some);
        }
        if let Some(text) = plus_build_text(line) {
            return parse_plus_build(text).map(Some);
        }
        Ok(None)
    }

    /// Evaluates the expression, asking `has_tag` about each tag.
    pub fn eval(&self, has_tag: &mut impl FnMut(&str) -> bool) -> bool {
        match self {
            Expr::Tag(tag) => has_tag(tag),
            Expr::Not(x) => !x.eval(has_tag),
            Expr::And(x, y) => x.eval(has_tag) && y.eval(has_tag),
            Expr::Or(x, y) => x.eval(has_tag) || y.eval(has_tag),
        }
    }

    /// Whether the expression holds in `ctx`.
    pub fn matches(&self, ctx: &BuildContext) -> bool {
        self.eval(&mut |tag| ctx.has_tag(tag))
    }

    fn not(x: Expr) -> Expr {
        Expr::Not(Box::new(x))
    }

    fn and(x: Expr, y: Expr) -> Expr {
        Expr::And(Box::new(x), Box::new(y))
    }

    fn or(x: Expr, y: Expr) -> Expr {
        Expr::Or(Box::new(x), Box::new(y))
    }
}

impl fmt::Display for Expr {
    /// Prints `//go:build` syntax as Go does: an `&&` operand of `||` and an
    /// `||` operand of `&&` are parenthesised for clarity.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Tag(tag) => f.write_str(tag),
            Expr::Not(x) => match **x {
                Expr::And(..) | Expr::Or(..) => write!(f, "!({x})"),
                _ => write!(f, "!{x}"),
            },
            Expr::And(x, y) => {
                write_operand(f, x, matches!(**x, Expr::Or(..)))?;
                f.write_str(" && ")?;
                write_operand(f, y, matches!(**y, Expr::Or(..)))
            }
            Expr::Or(x, y) => {
                write_operand(f, x, matches!(**x, Expr::And(..)))?;
                f.write_str(" || ")?;
                write_operand(f, y, matches!(**y, Expr::And(..)))
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, x: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({x})")
    } else {
        write!(f, "{x}")
    }
}

/// Whether `c` may appear in a build tag: letters, digits, `_` and `.`.
fn is_tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_' || c == '.'
}

fn is_valid_tag(word: &str) -> bool {
    !word.is_empty() && word.chars().all(is_tag_char)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExprToken<'a> {
    LParen,
    RParen,
    Not,
    And,
    Or,
    Tag(&'a str),
    End,
}

/// A recursive-descent parser for `//go:build` expressions: `||` binds
/// loosest, then `&&`, then `!`; `!!x` is refused, as in Go.
struct ExprParser<'a> {
    text: &'a str,
    next: usize,
    token: ExprToken<'a>,
    token_start: usize,
    size: usize,
    depth: usize,
}

impl<'a> ExprParser<'a> {
    fn new(text: &'a str) -> Self {
        ExprParser {
            text,
            next: 0,
            token: ExprToken::End,
            token_start: 0,
            size: 0,
            depth: 0,
        }
    }

    fn parse(mut self) -> Result<Expr, ExprError> {
        let x = self.or()?;
        if self.token != ExprToken::End {
            return Err(self.unexpected());
        }
        Ok(x)
    }

    fn error(&self, offset: usize, message: String) -> ExprError {
        ExprError { offset, message }
    }

    fn unexpected(&self) -> ExprError {
        match self.token {
            ExprToken::End => self.error(self.token_start, "unexpected end of expression".into()),
            _ => {
                let text = &self.text[self.token_start..self.next];
                self.error(self.token_start, format!("unexpected token {text}"))
            }
        }
    }

    /// Parses `x || y || ...`; on return the token after it is current.
    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut x = self.and()?;
        while self.token == ExprToken::Or {
            x = Expr::or(x, self.and()?);
        }
        Ok(x)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut x = self.not()?;
        while self.token == ExprToken::And {
            x = Expr::and(x, self.not()?);
        }
        Ok(x)
    }

    /// Reads the next token and parses `!atom` or `atom`.
    fn not(&mut self) -> Result<Expr, ExprError> {
        self.size += 1;
        if self.size > MAX_EXPR_SIZE {
            return Err(self.error(self.token_start, "build expression too large".into()));
        }
        self.lex()?;
        if self.token != ExprToken::Not {
            return self.atom();
        }
        self.lex()?;
        if self.token == ExprToken::Not {
            return Err(self.error(self.token_start, "double negation not allowed".into()));
        }
        Ok(Expr::not(self.atom()?))
    }

    /// Parses a tag or a parenthesised expression whose first token is
    /// current.
    fn atom(&mut self) -> Result<Expr, ExprError> {
        match self.token {
            ExprToken::LParen => {
                let open = self.token_start;
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err(self.error(open, "build expression nested too deeply".into()));
                }
                let x = self.or().map_err(|mut e| {
                    if e.message == "unexpected end of expression" {
                        e.message = "missing close paren".into();
                    }
                    e
                })?;
                self.depth -= 1;
                if self.token != ExprToken::RParen {
                    return Err(self.error(open, "missing close paren".into()));
                }
                self.lex()?;
                Ok(x)
            }
            ExprToken::Tag(tag) => {
                self.lex()?;
                Ok(Expr::Tag(tag.to_string()))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn lex(&mut self) -> Result<(), ExprError> {
        let rest = &self.text[self.next..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        self.token_start = self.next + skipped;
        let rest = &self.text[self.token_start..];
        let (token, len) = match rest.as_bytes().first() {
            None => (ExprToken::End, 0),
            Some(b'(') => (ExprToken::LParen, 1),
            Some(b')') => (ExprToken::RParen, 1),
            Some(b'!') => (ExprToken::Not, 1),
            Some(b'&') if rest.starts_with("&&") => (ExprToken::And, 2),
            Some(b'|') if rest.starts_with("||") => (ExprToken::Or, 2),
            Some(_) => {
                let len = rest.find(|c| !is_tag_char(c)).unwrap_or(rest.len());
                if len == 0 {
                    let c = rest.chars().next().unwrap_or_default();
                    return Err(self.error(self.token_start, format!("invalid syntax at {c}")));
                }
                (ExprToken::Tag(&rest[..len]), len)
            }
        };
        self.token = token;
        self.next = self.token_start + len;
        Ok(())
    }
}

/// The expression of a `//go:build` line (already trimmed), or `None`.
fn go_build_text(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("//go:build")?;
    directive_argument(rest)
}

/// The expression of a `// +build` line (`//+build` too), or `None`.
fn plus_build_text(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("//")?.trim().strip_prefix("+build")?;
    directive_argument(rest)
}

/// What follows a directive word: nothing, or a space and the argument.
/// `//go:buildx` is not a `//go:build` line.
fn directive_argument(rest: &str) -> Option<&str> {
    let trimmed = rest.trim();
    (rest.is_empty() || trimmed.len() < rest.len()).then_some(trimmed)
}

/// Parses the text of a `// +build` line: space-separated alternatives of
/// comma-separated terms. Go's lenient reading is kept: a malformed term
/// stands for `ignore` (false) rather than an error.
fn parse_plus_build(text: &str) -> Result<Expr, ExprError> {
    let mut ops = 0;
    let mut count_op = || {
        ops += 1;
        if ops > MAX_PLUS_BUILD_OPS {
            Err(ExprError {
                offset: 0,
                message: "expression too complex for // +build lines".into(),
            })
        } else {
            Ok(())
        }
    };
    let mut result: Option<Expr> = None;
    for clause in text.split_whitespace() {
        let mut conjunction: Option<Expr> = None;
        for literal in clause.split(',') {
            let term = plus_build_literal(literal);
            conjunction = Some(match conjunction {
                None => term,
                Some(x) => {
                    count_op()?;
                    Expr::and(x, term)
                }
            });
        }
        let Some(conjunction) = conjunction else {
            continue;
        };
        result = Some(match result {
            None => conjunction,
            Some(x) => {
                count_op()?;
                Expr::or(x, conjunction)
            }
        });
    }
    Ok(result.unwrap_or_else(|| Expr::Tag("ignore".into())))
}

fn plus_build_literal(literal: &str) -> Expr {
    let ignore = || Expr::Tag("ignore".into());
    if literal.starts_with("!!") || literal == "!" {
        return ignore();
    }
    let (negated, tag) = match literal.strip_prefix('!') {
        Some(tag) => (true, tag),
        None => (false, literal),
    };
    let term = if is_valid_tag(tag) {
        Expr::Tag(tag.to_string())
    } else {
        ignore()
    };
    if negated {
        Expr::not(term)
    } else {
        term
    }
}

/// The constraint found in a file's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderConstraint {
    pub expr: Expr,
    /// The 1-based line of the `//go:build` line, or of the first
    /// `// +build` line.
    pub line: usize,
    /// Whether the constraint comes from `// +build` lines (all of them
    /// ANDed together).
    pub legacy: bool,
}

/// A header problem: the 1-based line and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderError {
    pub line: usize,
    pub message: String,
}

/// Finds the build constraint in the header of a Go file, reading raw bytes
/// up to the first token that is not a comment.
pub fn header_constraint(src: &[u8]) -> Result<Option<HeaderConstraint>, HeaderError> {
    let scan = scan_header(src)?;
    if let Some((line, text)) = scan.go_build {
        let expr = Expr::parse(text).map_err(|e| HeaderError {
            line,
            message: format!("parsing //go:build line: {e}"),
        })?;
        return Ok(Some(HeaderConstraint {
            expr,
            line,
            legacy: false,
        }));
    }
    Ok(plus_build_constraint(&scan.plus_build))
}

/// ANDs the `// +build` lines; a line Go cannot parse is skipped, as Go
/// skips it.
fn plus_build_constraint(lines: &[(usize, &str)]) -> Option<HeaderConstraint> {
    let mut found: Option<HeaderConstraint> = None;
    for &(line, text) in lines {
        let Ok(expr) = parse_plus_build(text) else {
            continue;
        };
        found = Some(match found {
            None => HeaderConstraint {
                expr,
                line,
                legacy: true,
            },
            Some(h) => HeaderConstraint {
                expr: Expr::and(h.expr, expr),
                ..h
            },
        });
    }
    found
}

/// What the header scan finds: the `//go:build` line's expression and the
/// `// +build` lines' texts, each with its 1-based line number.
struct HeaderScan<'a> {
    go_build: Option<(usize, &'a str)>,
    plus_build: Vec<(usize, &'a str)>,
}

/// Scans the leading blank lines and comments of a Go file.
///
/// A `//go:build` line counts anywhere in that run (outside `/* */`). A
/// `// +build` line counts only before the last blank line that precedes
/// the first non-`//` line, so that it is separated from the package clause
/// and its doc comment; a `/* */` comment ends that region.
fn scan_header(src: &[u8]) -> Result<HeaderScan<'_>, HeaderError> {
    let src = src.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(src);
    let mut lines = HeaderLines::default();
    let mut in_block_comment = false;
    for (index, raw) in src.split(|&b| b == b'\n').enumerate() {
        let line = trim_space(raw);
        if line.is_empty() && !lines.ended {
            lines.plus_build_region = index;
            continue;
        }
        lines.ended |= !line.starts_with(b"//");
        if !in_block_comment {
            lines.note_directive(index, line)?;
        }
        match skip_comments(line, in_block_comment) {
            CommentScan::Continues(in_block) => in_block_comment = in_block,
            CommentScan::Code => break,
        }
    }
    Ok(lines.finish())
}

/// The state of [`scan_header`] between lines.
#[derive(Default)]
struct HeaderLines<'a> {
    go_build: Option<(usize, &'a str)>,
    /// `//` lines (0-based index, trimmed text) that may be `// +build`.
    slash_lines: Vec<(usize, &'a [u8])>,
    /// Lines before this 0-based index may hold `// +build`: it is the
    /// latest blank line before the first non-`//` line.
    plus_build_region: usize,
    /// A line other than a blank or `//` line was seen.
    ended: bool,
}

impl<'a> HeaderLines<'a> {
    /// Records a `//go:build` line (refusing a second) or a `//` line.
    fn note_directive(&mut self, index: usize, line: &'a [u8]) -> Result<(), HeaderError> {
        let go_build = std::str::from_utf8(line).ok().and_then(go_build_text);
        match go_build {
            Some(_) if self.go_build.is_some() => Err(HeaderError {
                line: index + 1,
                message: "multiple //go:build comments".into(),
            }),
            Some(text) => {
                self.go_build = Some((index + 1, text));
                Ok(())
            }
            None if line.starts_with(b"//") => {
                self.slash_lines.push((index, line));
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn finish(self) -> HeaderScan<'a> {
        let region = self.plus_build_region;
        let plus_build = self
            .slash_lines
            .into_iter()
            .filter(|&(index, _)| index < region)
            .filter_map(|(index, line)| {
                let text = std::str::from_utf8(line).ok()?;
                Some((index + 1, plus_build_text(text)?))
            })
            .collect();
        HeaderScan {
            go_build: self.go_build,
            plus_build,
        }
    }
}

enum CommentScan {
    /// The line holds only comments; whether a `/*` is still open.
    Continues(bool),
    /// The line holds something other than a comment.
    Code,
}

/// Skips the comments of a trimmed line, starting inside a `/* */` comment
/// when `in_block` is set.
fn skip_comments(mut line: &[u8], in_block: bool) -> CommentScan {
    if in_block {
        match find(line, b"*/") {
            Some(end) => line = trim_space(&line[end + 2..]),
            None => return CommentScan::Continues(true),
        }
    }
    loop {
        if line.is_empty() || line.starts_with(b"//") {
            return CommentScan::Continues(false);
        }
        let Some(comment) = line.strip_prefix(b"/*") else {
            return CommentScan::Code;
        };
        match find(comment, b"*/") {
            Some(end) => line = trim_space(&comment[end + 2..]),
            None => return CommentScan::Continues(true),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Trims white space as Go's `bytes.TrimSpace` does: Unicode white space
/// when the line is UTF-8, ASCII white space otherwise.
fn trim_space(line: &[u8]) -> &[u8] {
    match std::str::from_utf8(line) {
        Ok(text) => text.trim().as_bytes(),
        Err(_) => line.trim_ascii(),
    }
}

/// The platform a file name restricts a file to: `x_linux.go` → linux,
/// `x_arm64_test.go` → arm64, `x_windows_386.go` → windows and 386.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameConstraint {
    pub goos: Option<&'static str>,
    pub goarch: Option<&'static str>,
}

impl NameConstraint {
    /// Reads the constraint from a file name (not a path). Only the part
    /// after the first `_` counts, so `linux.go` and `linux_amd64.go`'s
    /// `linux` do not, as in Go since 1.4.
    pub fn from_file_name(name: &str) -> NameConstraint {
        let stem = name.split('.').next().unwrap_or_default();
        let Some(underscore) = stem.find('_') else {
            return NameConstraint::default();
        };
        let mut parts: Vec<&str> = stem[underscore..].split('_').collect();
        if parts.last() == Some(&"test") {
            parts.pop();
        }
        let known = |list: &[&'static str], part: &str| list.iter().copied().find(|k| *k == part);
        let last = parts.last().copied().unwrap_or_default();
        let before_last = parts.len().checked_sub(2).map(|i| parts[i]);
        if let (Some(os), Some(arch)) = (
            before_last.and_then(|p| known(KNOWN_OS, p)),
            known(KNOWN_ARCH, last),
        ) {
            return NameConstraint {
                goos: Some(os),
                goarch: Some(arch),
            };
        }
        NameConstraint {
            goos: known(KNOWN_OS, last),
            goarch: known(KNOWN_ARCH, last),
        }
    }

    /// Whether the name allows the file in `ctx`. An `_linux` file matches
    /// on android too, as Go's tag rules say.
    pub fn matches(&self, ctx: &BuildContext) -> bool {
        self.goos.is_none_or(|os| ctx.has_tag(os))
            && self.goarch.is_none_or(|arch| ctx.has_tag(arch))
    }

    /// Whether the name constrains the file at all.
    pub fn is_empty(&self) -> bool {
        self.goos.is_none() && self.goarch.is_none()
    }
}

/// Everything that restricts a Go file to some platforms: its name and its
/// header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileConstraint {
    pub name: NameConstraint,
    pub header: Option<HeaderConstraint>,
}

/// A file whose build constraint cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintError {
    pub path: PathBuf,
    /// 1-based; 0 when the file could not be read.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConstraintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for ConstraintError {}

impl FileConstraint {
    /// Reads the constraints of the file at `path`, whose contents are
    /// `src` (only the header is looked at).
    pub fn parse(path: &Path, src: &[u8]) -> Result<FileConstraint, ConstraintError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let header = header_constraint(src).map_err(|e| ConstraintError {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        })?;
        Ok(FileConstraint {
            name: NameConstraint::from_file_name(&name),
            header,
        })
    }

    /// Reads the file at `path` and its constraints.
    pub fn read(path: &Path) -> Result<FileConstraint, ConstraintError> {
        let src = std::fs::read(path).map_err(|e| ConstraintError {
            path: path.to_path_buf(),
            line: 0,
            message: e.to_string(),
        })?;
        FileConstraint::parse(path, &src)
    }

    /// Whether the file is built in `ctx`. Files that import "C" are also
    /// left out when cgo is off; that needs the imports, so it is the
    /// package loader's job, not this one's.
    pub fn matches(&self, ctx: &BuildContext) -> bool {
        self.name.matches(ctx) && self.header.as_ref().is_none_or(|h| h.expr.matches(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::random_inputs;

    #[test]
    fn random_headers_never_panic() {
        let pieces: &[&[u8]] = &[
            b"//go:build ",
            b"// +build ",
            b"/*",
            b"*/",
            b"\n",
            b"\n\n",
            b" ",
            b"(",
            b")",
            b"!",
            b"&&",
            b"||",
            b"linux",
            b",",
            b"package x",
            b"\xEF\xBB\xBF",
            b"\xff",
            b"\r",
            b"//",
        ];
        let ctx = BuildContext::default();
        for input in random_inputs(pieces, 20_000) {
            if let Ok(Some(h)) = header_constraint(&input) {
                let _ = h.expr.matches(&ctx);
                let printed = h.expr.to_string();
                if !h.legacy {
                    assert_eq!(Expr::parse(&printed).as_ref(), Ok(&h.expr), "{printed}");
                }
            }
        }
    }

    fn parse(text: &str) -> Expr {
        Expr::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn parse_error(text: &str) -> String {
        Expr::parse(text).unwrap_err().message
    }

    fn matches(text: &str, ctx: &BuildContext) -> bool {
        parse(text).matches(ctx)
    }

    fn header(src: &str) -> Option<String> {
        header_constraint(src.as_bytes())
            .unwrap()
            .map(|h| h.expr.to_string())
    }

    #[test]
    fn parses_and_prints_expressions() {
        for (text, printed) in [
            ("linux", "linux"),
            ("linux && amd64", "linux && amd64"),
            ("linux&&amd64||darwin", "(linux && amd64) || darwin"),
            ("linux && (amd64 || arm64)", "linux && (amd64 || arm64)"),
            ("!(a || b)", "!(a || b)"),
            ("!a && !b", "!a && !b"),
            ("((a))", "a"),
            (
                "go1.21 && !goexperiment.jsonv2",
                "go1.21 && !goexperiment.jsonv2",
            ),
            ("\ta \t|| b", "a || b"),
        ] {
            assert_eq!(parse(text).to_string(), printed, "{text}");
        }
    }

    #[test]
    fn precedence_is_not_and_or() {
        assert_eq!(
            parse("a || b && !c"),
            Expr::or(
                Expr::Tag("a".into()),
                Expr::and(Expr::Tag("b".into()), Expr::not(Expr::Tag("c".into())))
            )
        );
    }

    #[test]
    fn reports_expression_errors() {
        for (text, message) in [
            ("", "unexpected end of expression"),
            ("a &&", "unexpected end of expression"),
            ("a b", "unexpected token b"),
            ("(a", "missing close paren"),
            ("(a b", "missing close paren"),
            ("a)", "unexpected token )"),
            ("!!a", "double negation not allowed"),
            ("a & b", "invalid syntax at &"),
            ("a | b", "invalid syntax at |"),
            ("a ,b", "invalid syntax at ,"),
            ("()", "unexpected token )"),
        ] {
            assert_eq!(parse_error(text), message, "{text:?}");
        }
    }

    #[test]
    fn refuses_huge_expressions_without_overflowing() {
        let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(parse_error(&deep), "build expression nested too deeply");
        let ok = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(parse(&ok).to_string(), "a");
        let long = vec!["a"; 2000].join(" && ");
        assert_eq!(parse_error(&long), "build expression too large");
        let chain = parse(&vec!["a"; 1000].join(" && "));
        assert!(!chain.matches(&BuildContext::default()));
        assert_eq!(chain.to_string().len(), 1000 + 999 * 4);
    }

    #[test]
    fn parses_lines() {
        let line = |l: &str| Expr::parse_line(l).unwrap().map(|x| x.to_string());
        assert_eq!(line("//go:build linux\n"), Some("linux".into()));
        assert_eq!(line("//go:buildlinux"), None);
        assert_eq!(line("// go:build linux"), None);
        assert_eq!(
            line("// +build linux,amd64 darwin"),
            Some("(linux && amd64) || darwin".into())
        );
        assert_eq!(line("//+build !windows"), Some("!windows".into()));
        assert_eq!(line("// +build"), Some("ignore".into()));
        assert_eq!(line("// +buildx"), None);
        assert_eq!(line("// +build !!a !"), Some("ignore || ignore".into()));
        assert_eq!(line("// +build a-b !c-d"), Some("ignore || !ignore".into()));
        assert_eq!(line("//go:build a\n//go:build b"), None);
        assert!(Expr::parse_line("//go:build").is_err());
    }

    #[test]
    fn plus_build_has_an_operator_limit() {
        let text = format!("// +build {}", vec!["a"; 102].join(","));
        assert!(Expr::parse_line(&text).is_err());
    }

    #[test]
    fn context_tags() {
        let ctx = BuildContext::default();
        for tag in [
            "linux",
            "amd64",
            "gc",
            "cgo",
            "unix",
            "go1.1",
            "go1.21",
            "go1.27",
            "amd64.v1",
            "goexperiment.jsonv2",
        ] {
            assert!(ctx.has_tag(tag), "{tag}");
        }
        for tag in [
            "ignore", "windows", "arm64", "gccgo", "go1.28", "go1.01", "go1.", "go1", "go1.x",
            "darwin", "solaris",
        ] {
            assert!(!ctx.has_tag(tag), "{tag}");
        }
        let old = BuildContext::default().with_go_version(GoVersion::new(1, 20));
        assert!(old.has_tag("go1.20") && !old.has_tag("go1.21"));
        let android = BuildContext::new("android", "arm64");
        assert!(
            android.has_tag("linux") && android.has_tag("unix") && android.has_tag("arm64.v8.0")
        );
        let ios = BuildContext::new("ios", "arm64");
        assert!(ios.has_tag("darwin"));
        assert!(BuildContext::new("illumos", "amd64").has_tag("solaris"));
        assert!(!BuildContext::new("windows", "amd64").has_tag("unix"));
        assert!(!BuildContext::new("plan9", "386").has_tag("unix"));
        let mut ignore = BuildContext::default();
        ignore.tags.insert("ignore".into());
        assert!(!ignore.has_tag("ignore"));
    }

    #[test]
    fn evaluates_expressions() {
        let ctx = BuildContext::default();
        assert!(matches("linux && amd64", &ctx));
        assert!(matches("unix && !windows", &ctx));
        assert!(!matches("ignore", &ctx));
        assert!(matches("!ignore", &ctx));
        assert!(matches("windows || (linux && cgo)", &ctx));
        let nocgo = BuildContext {
            cgo: false,
            ..Default::default()
        };
        assert!(!matches("cgo", &nocgo));
        let mut boring = BuildContext::default();
        boring.tags.insert("goexperiment.boringcrypto".into());
        assert!(matches("boringcrypto", &boring));
    }

    #[test]
    fn file_names() {
        let name = |n: &str| {
            let c = NameConstraint::from_file_name(n);
            (c.goos, c.goarch)
        };
        assert_eq!(name("x.go"), (None, None));
        assert_eq!(name("linux.go"), (None, None));
        assert_eq!(name("x_linux.go"), (Some("linux"), None));
        assert_eq!(name("x_amd64.go"), (None, Some("amd64")));
        assert_eq!(name("x_linux_amd64.go"), (Some("linux"), Some("amd64")));
        assert_eq!(name("x_linux_test.go"), (Some("linux"), None));
        assert_eq!(
            name("x_windows_386_test.go"),
            (Some("windows"), Some("386"))
        );
        assert_eq!(name("linux_amd64.go"), (None, Some("amd64")));
        assert_eq!(name("x_test.go"), (None, None));
        assert_eq!(name("x_unix.go"), (None, None));
        assert_eq!(name("x_amd64_linux.go"), (Some("linux"), None));
        assert_eq!(name("x_linux.s.go"), (Some("linux"), None));
        assert_eq!(name("x_foo_arm64.go"), (None, Some("arm64")));
        assert_eq!(name("_linux.go"), (Some("linux"), None));
        assert_eq!(name("x_nacl.go"), (Some("nacl"), None));
        assert_eq!(name(""), (None, None));
    }

    #[test]
    fn file_names_match_context() {
        let ctx = BuildContext::default();
        let ok = |n: &str| NameConstraint::from_file_name(n).matches(&ctx);
        assert!(ok("x_linux.go") && ok("x_amd64.go") && ok("x_linux_amd64_test.go"));
        assert!(!ok("x_windows.go") && !ok("x_arm64.go") && !ok("x_linux_arm64.go"));
        let android = BuildContext::new("android", "arm64");
        assert!(NameConstraint::from_file_name("x_linux.go").matches(&android));
    }

    #[test]
    fn header_go_build() {
        assert_eq!(
            header("//go:build linux\n\npackage x\n"),
            Some("linux".into())
        );
        // The blank line is not needed for //go:build (go/build reads it).
        assert_eq!(
            header("//go:build linux\npackage x\n"),
            Some("linux".into())
        );
        assert_eq!(
            header(
                "// Copyright\n\n//go:build !windows\n// +build !windows\n\n// Doc.\npackage x\n"
            ),
            Some("!windows".into())
        );
        assert_eq!(
            header("/* c */\n//go:build linux\npackage x\n"),
            Some("linux".into())
        );
        assert_eq!(
            header("  //go:build linux  \r\n\r\npackage x\r\n"),
            Some("linux".into())
        );
        assert_eq!(
            header("\u{feff}//go:build linux\n\npackage x\n"),
            Some("linux".into())
        );
        assert_eq!(header("package x\n\n//go:build linux\n"), None);
        assert_eq!(header("/*\n//go:build linux\n*/\npackage x\n"), None);
        assert_eq!(
            header("/* a */ /* b\n*/ // c\n//go:build linux\npackage x\n"),
            Some("linux".into())
        );
        assert_eq!(header(""), None);
        assert_eq!(header("//go:build linux"), Some("linux".into()));
    }

    #[test]
    fn header_plus_build() {
        assert_eq!(
            header("// +build linux\n\npackage x\n"),
            Some("linux".into())
        );
        assert_eq!(
            header("// +build linux darwin\n// +build amd64\n\npackage x\n"),
            Some("(linux || darwin) && amd64".into())
        );
        // Without a blank line it is a doc comment, not a constraint.
        assert_eq!(header("// +build linux\npackage x\n"), None);
        // After a /* */ comment nothing counts as +build.
        assert_eq!(header("/* x */\n// +build linux\n\npackage x\n"), None);
        // A //go:build line wins over +build lines.
        assert_eq!(
            header("// +build windows\n//go:build linux\n\npackage x\n"),
            Some("linux".into())
        );
        let h = header_constraint(b"// a\n// +build linux\n// +build amd64\n\npackage x")
            .unwrap()
            .unwrap();
        assert_eq!((h.line, h.legacy), (2, true));
    }

    #[test]
    fn header_errors_name_the_line() {
        let err = header_constraint(b"//go:build a\n//go:build b\n\npackage x").unwrap_err();
        assert_eq!(
            err,
            HeaderError {
                line: 2,
                message: "multiple //go:build comments".into()
            }
        );
        let err = header_constraint(b"// x\n//go:build a &&\n\npackage x").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(
            err.message,
            "parsing //go:build line: unexpected end of expression"
        );
        let err =
            FileConstraint::parse(Path::new("dir/x.go"), b"//go:build (\npackage x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "dir/x.go:1: parsing //go:build line: missing close paren"
        );
    }

    #[test]
    fn header_tolerates_bad_bytes() {
        let src: &[u8] = b"\xff\xfe//go:build linux\n\npackage x";
        assert_eq!(header_constraint(src).unwrap(), None);
        let src: &[u8] = b"// \xff\n//go:build linux\n\npackage x";
        assert_eq!(
            header_constraint(src).unwrap().unwrap().expr.to_string(),
            "linux"
        );
        let _ = header_constraint(b"/*");
        let _ = header_constraint(b"/*/");
        let _ = header_constraint(b"//go:build \xff");
    }

    #[test]
    fn file_constraint_combines_name_and_header() {
        let ctx = BuildContext::default();
        let file = |name: &str, src: &str| {
            FileConstraint::parse(Path::new(name), src.as_bytes())
                .unwrap()
                .matches(&ctx)
        };
        assert!(file("x.go", "package x"));
        assert!(!file("x_windows.go", "package x"));
        assert!(!file("x.go", "//go:build ignore\n\npackage main"));
        assert!(!file("x_linux.go", "//go:build arm64\n\npackage x"));
        assert!(file("x_linux.go", "//go:build cgo\n\npackage x"));
        assert!(FileConstraint::read(Path::new("/nonexistent/x.go")).is_err());
    }
}
