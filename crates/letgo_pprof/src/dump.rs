//! Goroutine tracebacks: `goroutine?debug=2`, panics, and SIGQUIT dumps.
//!
//! A dump can hold a million goroutines, so [`GoroutineDumpReader`] is a
//! streaming iterator: it reads one goroutine block at a time from a
//! `BufRead`, keeps nothing of earlier goroutines, and shares repeated
//! function and file names through an interner (cheap clones, cheap equality
//! for grouping). [`GoroutineDump`] collects it for small inputs.
//!
//! The syntax follows `runtime/traceback.go` (Go 1.21 through 1.27; the
//! file lines start with a tab, shown here as spaces):
//!
//! ```text
//! goroutine 18 gp=0xc000007c00 m=nil [chan receive (leaked), 3 minutes] {tenant: acme}:
//! main.leakyWorker(0x0, 0xc00001e0c0?)
//!     /src/main.go:51 +0x2d fp=0xc00005bf98 sp=0xc00005bf50 pc=0x4a1b2d
//! ...21 frames elided...
//! created by main.startLeaks in goroutine 1
//!     /src/main.go:62 +0x1f
//! ```

use std::collections::HashSet;
use std::io::BufRead;
use std::sync::Arc;

use crate::error::{ErrorKind, Result};
use crate::fxhash::FxBuildHasher;
use crate::gostr::unquote_prefix;
use crate::input::is_goroutine_header_start;
use crate::lines::LineReader;
use memchr::{memchr, memrchr};

/// The most distinct names the interner keeps; past this, names are still
/// parsed but no longer shared, so hostile input cannot grow it without end.
const INTERNER_CAP: usize = 1 << 20;

/// Lines kept from before the first goroutine (the panic message and such).
const PREAMBLE_CAP: usize = 1000;

/// One goroutine of a traceback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goroutine {
    /// The goroutine id.
    pub id: u64,
    /// What it is doing or waiting for.
    pub state: WaitState,
    /// The `g` address (`gp=0x…`, Go 1.22+ with `GOTRACEBACK=system` or in a crash).
    pub gp: Option<u64>,
    /// The thread running it: `Some(Some(n))` for `m=n`, `Some(None)` for `m=nil`.
    pub m: Option<Option<u64>>,
    /// pprof labels printed after the state (Go 1.26+ with `tracebacklabels`).
    pub labels: Vec<(String, String)>,
    /// Frames, innermost first.
    pub frames: Vec<Frame>,
    /// Frames left out in the middle of a very deep stack.
    pub elided: Option<Elision>,
    /// Whether the stack was cut off (`...additional frames elided...`).
    pub truncated: bool,
    /// Whether the runtime could not print the stack (running on another thread).
    pub stack_unavailable: bool,
    /// The `go` statement that started it.
    pub created_by: Option<CreatedBy>,
    /// Ancestor tracebacks (`GODEBUG=tracebackancestors=N`).
    pub ancestors: Vec<Ancestor>,
    /// The 1-based line of the header in the input.
    pub line: u64,
}

/// Where frames were left out of a deep stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elision {
    /// How many frames were printed before the gap.
    pub after_frame: usize,
    /// How many frames are missing.
    pub count: u64,
}

/// The `created by` lines of a goroutine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedBy {
    /// The function containing the `go` statement.
    pub function: Arc<str>,
    /// The goroutine that ran it (Go 1.21+).
    pub parent: Option<u64>,
    /// The file of the `go` statement.
    pub file: Arc<str>,
    /// Its line.
    pub line: u32,
    /// The pc offset in `function` (`+0x1f`).
    pub pc_offset: Option<u64>,
}

/// An ancestor's traceback, `[originating from goroutine N]:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ancestor {
    /// The ancestor goroutine's id.
    pub id: u64,
    /// Its frames at the time it created the next goroutine.
    pub frames: Vec<Frame>,
    /// Whether its frames were cut off.
    pub truncated: bool,
    /// What created it.
    pub created_by: Option<CreatedBy>,
}

/// One frame of a traceback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The function as Go prints it: `main.(*T).M`, `main.F[...]`, `panic`.
    pub function: Arc<str>,
    /// The text between the parentheses: `0x1, {0xc0, 0x2}, 0x0?`, or `...`
    /// for an inlined call. See [`Frame::arguments`].
    pub args: Box<str>,
    /// The source file.
    pub file: Arc<str>,
    /// The source line.
    pub line: u32,
    /// The pc offset from the function entry (`+0x2d`); absent when inlined.
    pub pc_offset: Option<u64>,
    /// Frame pointer, stack pointer and pc (`GOTRACEBACK=system` and crashes).
    pub registers: Option<FrameRegisters>,
}

/// The `fp= sp= pc=` suffix of a frame's file line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameRegisters {
    /// `fp=`.
    pub fp: u64,
    /// `sp=`.
    pub sp: u64,
    /// `pc=`.
    pub pc: u64,
}

/// One printed argument word or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A word, e.g. `0x1`; `maybe_stale` for a trailing `?` (the value may be
    /// out of date because the argument is no longer live).
    Word {
        /// The value.
        value: u64,
        /// Whether it was printed with `?`.
        maybe_stale: bool,
    },
    /// A struct, array or string/slice/interface header: `{0x1, 0x2}`.
    Group(Vec<Arg>),
    /// `...`: more arguments than the runtime prints.
    Elided,
    /// `_`: an argument the runtime could not read.
    Unknown,
}

impl Frame {
    /// Whether the call was inlined into its caller (printed as `f(...)`).
    pub fn is_inlined(&self) -> bool {
        &*self.args == "..."
    }

    /// Parses [`Frame::args`]; `None` if they are not in the runtime's syntax.
    pub fn arguments(&self) -> Option<Vec<Arg>> {
        if self.is_inlined() {
            return Some(vec![Arg::Elided]);
        }
        let mut rest = self.args.trim();
        let args = parse_args(&mut rest, 0)?;
        rest.is_empty().then_some(args)
    }
}

/// Parses a comma-separated argument list up to a `}` or the end.
fn parse_args(rest: &mut &str, depth: u32) -> Option<Vec<Arg>> {
    let mut out = Vec::new();
    if depth > 32 {
        return None;
    }
    loop {
        *rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('}') {
            return Some(out);
        }
        out.push(parse_arg(rest, depth)?);
        *rest = rest.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => *rest = r,
            None => return Some(out),
        }
    }
}

fn parse_arg(rest: &mut &str, depth: u32) -> Option<Arg> {
    if let Some(r) = rest.strip_prefix('{') {
        *rest = r;
        let group = parse_args(rest, depth + 1)?;
        *rest = rest.strip_prefix('}')?;
        return Some(Arg::Group(group));
    }
    if let Some(r) = rest.strip_prefix("...") {
        *rest = r;
        return Some(Arg::Elided);
    }
    if let Some(r) = rest.strip_prefix('_') {
        *rest = r;
        return Some(Arg::Unknown);
    }
    let hex = rest.strip_prefix("0x")?;
    let len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
    let value = u64::from_str_radix(hex.get(..len)?, 16).ok()?;
    let after = hex.get(len..)?;
    let (maybe_stale, after) = match after.strip_prefix('?') {
        Some(a) => (true, a),
        None => (false, after),
    };
    *rest = after;
    Some(Arg::Word { value, maybe_stale })
}

/// What a goroutine was doing, from the brackets of its header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WaitState {
    /// The status or wait reason as printed: `chan receive`, `running`,
    /// `sync.Mutex.Lock`, `GC worker (idle)`; without the flags below.
    pub reason: Arc<str>,
    /// `(leaked)`: Go's goroutine leak detector proved it can never run again
    /// (Go 1.26 with `GOEXPERIMENT=goroutineleakprofile`, Go 1.27).
    pub leaked: bool,
    /// `(scan)`: the GC was scanning its stack.
    pub scan: bool,
    /// `(durable)`: durably blocked inside a `testing/synctest` bubble.
    pub durable: bool,
    /// How long it has waited, `N minutes` (printed from one minute on).
    pub minutes: Option<u64>,
    /// `locked to thread`.
    pub locked_to_thread: bool,
    /// `synctest bubble N`.
    pub synctest_bubble: Option<u64>,
}

/// A coarse classification of [`WaitState::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitKind {
    /// Running on a thread.
    Running,
    /// Ready to run.
    Runnable,
    /// In a system call.
    Syscall,
    /// `<-ch`.
    ChanReceive,
    /// `ch <- v`.
    ChanSend,
    /// `<-ch` on a nil channel: blocks forever.
    ChanReceiveNil,
    /// `ch <- v` on a nil channel: blocks forever.
    ChanSendNil,
    /// `select` with cases.
    Select,
    /// `select {}`: blocks forever.
    SelectNoCases,
    /// `time.Sleep`.
    Sleep,
    /// Network or file poller wait.
    IoWait,
    /// `sync.Mutex.Lock` or `sync.RWMutex.Lock`.
    Lock,
    /// `sync.RWMutex.RLock`.
    RLock,
    /// `sync.Cond.Wait`.
    CondWait,
    /// `sync.WaitGroup.Wait`.
    WaitGroupWait,
    /// `semacquire` (older Go for sync primitives).
    Semacquire,
    /// Anything else (runtime internals, GC workers, …).
    Other,
}

impl WaitState {
    /// Classifies the wait reason.
    pub fn kind(&self) -> WaitKind {
        match &*self.reason {
            "running" => WaitKind::Running,
            "runnable" => WaitKind::Runnable,
            "syscall" => WaitKind::Syscall,
            "chan receive" => WaitKind::ChanReceive,
            "chan send" => WaitKind::ChanSend,
            "chan receive (nil chan)" => WaitKind::ChanReceiveNil,
            "chan send (nil chan)" => WaitKind::ChanSendNil,
            "select" => WaitKind::Select,
            "select (no cases)" => WaitKind::SelectNoCases,
            "sleep" => WaitKind::Sleep,
            "IO wait" => WaitKind::IoWait,
            "sync.Mutex.Lock" | "sync.RWMutex.Lock" => WaitKind::Lock,
            "sync.RWMutex.RLock" => WaitKind::RLock,
            "sync.Cond.Wait" => WaitKind::CondWait,
            "sync.WaitGroup.Wait" => WaitKind::WaitGroupWait,
            "semacquire" => WaitKind::Semacquire,
            _ => WaitKind::Other,
        }
    }

    /// Parses the text between the brackets of a goroutine header.
    fn parse(text: &str, interner: &mut Interner) -> WaitState {
        let mut parts = text.split(", ");
        let mut reason = parts.next().unwrap_or("");
        let mut state = WaitState::default();
        for (flag, set) in [
            (" (durable)", &mut state.durable),
            (" (scan)", &mut state.scan),
            (" (leaked)", &mut state.leaked),
        ] {
            if let Some(r) = reason.strip_suffix(flag) {
                reason = r;
                *set = true;
            }
        }
        state.reason = interner.intern(reason);
        for part in parts {
            if let Some(n) = part.strip_suffix(" minutes").and_then(|n| n.parse().ok()) {
                state.minutes = Some(n);
            } else if part == "locked to thread" {
                state.locked_to_thread = true;
            } else if let Some(n) = part
                .strip_prefix("synctest bubble ")
                .and_then(|n| n.parse().ok())
            {
                state.synctest_bubble = Some(n);
            }
        }
        state
    }
}

/// Shares repeated names between frames.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    set: HashSet<Arc<str>, FxBuildHasher>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.set.get(s) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(s);
        if self.set.len() < INTERNER_CAP {
            self.set.insert(Arc::clone(&shared));
        }
        shared
    }
}

/// The parts of a goroutine header line.
pub(crate) struct Header {
    pub(crate) id: u64,
    gp: Option<u64>,
    m: Option<Option<u64>>,
    pub(crate) state: WaitState,
    pub(crate) labels: Vec<(String, String)>,
}

/// Parses `goroutine N [gp=… m=… mp=…] [state] [{labels}]:`.
pub(crate) fn parse_header(line: &str, interner: &mut Interner) -> Option<Header> {
    let rest = line.strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = rest.get(..digits)?.parse().ok()?;
    let rest = rest.get(digits..)?;
    let open = rest.find(" [")?;
    let (mut gp, mut m) = (None, None);
    for word in rest.get(..open)?.split_whitespace() {
        if let Some(v) = word.strip_prefix("gp=") {
            gp = parse_hex(v);
        } else if let Some(v) = word.strip_prefix("m=") {
            m = Some(v.parse().ok());
        }
    }
    let after_open = rest.get(open + 2..)?;
    let close = after_open.find(']')?;
    // Go 1.26 prints labels inside the brackets: `[chan receive labels:{"k": "v"}]:`.
    if let Some(at) = after_open.find(" labels:{").filter(|&at| at < close) {
        let state = WaitState::parse(after_open.get(..at)?, interner);
        let (labels, tail) = parse_traceback_labels(after_open.get(at + 9..)?)?;
        return (tail == "]:").then_some(Header {
            id,
            gp,
            m,
            state,
            labels,
        });
    }
    let state = WaitState::parse(after_open.get(..close)?, interner);
    let tail = after_open.get(close + 1..)?;
    // Go 1.27 prints them after: `[chan receive] {k: v}:`.
    let labels = match tail.strip_prefix(" {") {
        Some(inner) => {
            let (labels, tail) = parse_traceback_labels(inner)?;
            (tail == ":").then_some(labels)?
        }
        None => (tail == ":").then(Vec::new)?,
    };
    Some(Header {
        id,
        gp,
        m,
        state,
        labels,
    })
}

/// Parses `key: value, "quoted key": "quoted value"}` up to and including the
/// closing brace, returning the labels and the text after the brace. Keys and
/// values are bare when only `[A-Za-z0-9./_]` (Go 1.27), Go-quoted otherwise
/// (always quoted in Go 1.26).
fn parse_traceback_labels(mut s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    if let Some(rest) = s.strip_prefix('}') {
        return Some((labels, rest));
    }
    loop {
        let (key, rest) = label_token(s, &[':'])?;
        let rest = rest.strip_prefix(": ").or_else(|| rest.strip_prefix(':'))?;
        let (value, rest) = label_token(rest, &[',', '}'])?;
        labels.push((key, value));
        if let Some(rest) = rest.strip_prefix('}') {
            return Some((labels, rest));
        }
        s = rest.strip_prefix(", ")?;
    }
}

/// One key or value: quoted, or bare up to one of `stops`.
fn label_token<'a>(s: &'a str, stops: &[char]) -> Option<(String, &'a str)> {
    if s.starts_with('"') {
        let (value, used) = unquote_prefix(s)?;
        return Some((value, s.get(used..)?));
    }
    let end = s.find(stops).unwrap_or(s.len());
    Some((s.get(..end)?.to_string(), s.get(end..)?))
}

fn parse_hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

/// A streaming reader of goroutine tracebacks.
///
/// Yields goroutines in input order; after an error it yields nothing more.
/// Lines outside goroutine blocks (the panic message, a SIGQUIT register
/// dump, `exit status 2`) are skipped; those before the first goroutine are
/// kept in [`GoroutineDumpReader::preamble`].
pub struct GoroutineDumpReader<R> {
    lines: LineReader<R>,
    interner: Interner,
    preamble: Vec<String>,
    seen_goroutine: bool,
    failed: bool,
}

impl<R: BufRead> GoroutineDumpReader<R> {
    /// Reads tracebacks from `reader` (already un-gzipped; see
    /// [`crate::open`] for gzip and size caps).
    pub fn new(name: impl Into<Arc<str>>, reader: R) -> Self {
        Self::from_lines(LineReader::new(name.into(), reader))
    }

    /// Reads a piece of a larger input that starts after `lines` lines and
    /// `byte` bytes of it; errors name positions in the whole input.
    pub fn starting_at(name: impl Into<Arc<str>>, reader: R, lines: u64, byte: u64) -> Self {
        Self::from_lines(LineReader::starting_at(name.into(), reader, lines, byte))
    }

    fn from_lines(lines: LineReader<R>) -> Self {
        GoroutineDumpReader {
            lines,
            interner: Interner::default(),
            preamble: Vec::new(),
            seen_goroutine: false,
            failed: false,
        }
    }

    /// The input itself when nothing has been read from it yet, so that a
    /// caller can read it in chunks on several threads ([`crate::Chunker`]);
    /// otherwise the reader back.
    pub fn into_unread(self) -> std::result::Result<R, Self> {
        if self.lines.is_unread() && !self.failed {
            Ok(self.lines.into_inner())
        } else {
            Err(self)
        }
    }

    /// The lines before the first goroutine, e.g. `panic: boom` or
    /// `SIGQUIT: quit` (complete once the first goroutine has been read).
    pub fn preamble(&self) -> &[String] {
        &self.preamble
    }

    /// Reads the next goroutine.
    fn next_goroutine(&mut self) -> Result<Option<Goroutine>> {
        while self.lines.advance()? {
            let line = self.lines.line();
            if is_goroutine_header_start(line.as_bytes()) {
                if let Some(header) = parse_header(line, &mut self.interner) {
                    self.seen_goroutine = true;
                    return self.read_body(header).map(Some);
                }
                if self.lines.at_unterminated_end() {
                    return Err(self.lines.error(
                        ErrorKind::Truncated,
                        "a complete goroutine header `goroutine N [state]:`",
                    ));
                }
            }
            if !self.seen_goroutine && self.preamble.len() < PREAMBLE_CAP {
                let line = self.lines.line().to_string();
                self.preamble.push(line);
            }
        }
        Ok(None)
    }

    /// Reads the lines of one goroutine, up to a blank line or the end.
    fn read_body(&mut self, header: Header) -> Result<Goroutine> {
        let mut g = Goroutine {
            id: header.id,
            state: header.state,
            gp: header.gp,
            m: header.m,
            labels: header.labels,
            frames: Vec::new(),
            elided: None,
            truncated: false,
            stack_unavailable: false,
            created_by: None,
            ancestors: Vec::new(),
            line: match self.lines.position() {
                crate::Position::Line { line, .. } => line,
                _ => 0,
            },
        };
        while self.lines.advance()? {
            if self.lines.line().is_empty() {
                return Ok(g);
            }
            if is_goroutine_header_start(self.lines.line().as_bytes()) {
                // No blank line before the next goroutine: a spliced or
                // hand-edited dump; let the caller start a new goroutine.
                self.lines.push_back();
                return Ok(g);
            }
            self.read_body_line(&mut g)?;
        }
        // Go ends every line it prints: a last line without its newline was
        // cut (Go cuts a `debug=2` dump at 64 MB), even when what is left of
        // it still parses (`main.go:9` of `main.go:93`).
        if self.lines.at_unterminated_end() && !g.frames.is_empty() {
            return Err(self.lines.error(
                ErrorKind::Truncated,
                "a goroutine's last line to end with a newline",
            ));
        }
        Ok(g)
    }

    /// Handles one non-blank line inside a goroutine block.
    fn read_body_line(&mut self, g: &mut Goroutine) -> Result<()> {
        let line = self.lines.line();
        if let Some(rest) = line.strip_prefix("created by ") {
            let rest = rest.to_string();
            let created = self.read_created_by(&rest)?;
            match g.ancestors.last_mut() {
                Some(a) => a.created_by = Some(created),
                None => g.created_by = Some(created),
            }
        } else if line == "...additional frames elided..." {
            match g.ancestors.last_mut() {
                Some(a) => a.truncated = true,
                None => g.truncated = true,
            }
        } else if let Some(count) = parse_elided(line) {
            g.elided = Some(Elision {
                after_frame: g.frames.len(),
                count,
            });
        } else if let Some(id) = line
            .strip_prefix("[originating from goroutine ")
            .and_then(|r| r.strip_suffix("]:"))
        {
            let id = id.parse().map_err(|_| {
                self.lines.error(
                    ErrorKind::Syntax,
                    "a goroutine id in `[originating from goroutine N]:`",
                )
            })?;
            g.ancestors.push(Ancestor {
                id,
                frames: Vec::new(),
                truncated: false,
                created_by: None,
            });
        } else if line.starts_with('\t') && line.contains("stack unavailable") {
            g.stack_unavailable = true;
        } else if line.starts_with("non-Go function at pc=") {
            let frame = Frame {
                function: self.interner.intern(line),
                args: "".into(),
                file: self.interner.intern(""),
                line: 0,
                pc_offset: None,
                registers: None,
            };
            g.frames.push(frame);
        } else {
            let frame = self.read_frame()?;
            match g.ancestors.last_mut() {
                Some(a) => a.frames.push(frame),
                None => g.frames.push(frame),
            }
        }
        Ok(())
    }

    /// Reads a `function(args)` line and the `\tfile:line` line after it.
    fn read_frame(&mut self) -> Result<Frame> {
        let line = self.lines.line();
        let Some((function, args)) = split_call(line) else {
            return Err(self.lines.error(
                ErrorKind::Syntax,
                "a frame `function(args)`, `created by …`, or a blank line ending the goroutine",
            ));
        };
        let function = self.interner.intern(function);
        let args: Box<str> = args.into();
        let location = self.read_file_line("the `\tfile:line` line of a frame")?;
        Ok(Frame {
            function,
            args,
            file: location.file,
            line: location.line,
            pc_offset: location.pc_offset,
            registers: location.registers,
        })
    }

    /// Reads the rest of a `created by F in goroutine N` line and its file line.
    fn read_created_by(&mut self, rest: &str) -> Result<CreatedBy> {
        let (function, parent) = split_created_by(rest);
        let function = self.interner.intern(function);
        let location = self.read_file_line("the `\tfile:line` line after `created by`")?;
        Ok(CreatedBy {
            function,
            parent,
            file: location.file,
            line: location.line,
            pc_offset: location.pc_offset,
        })
    }

    /// Reads `\t/path/file.go:123 +0x1d [fp=… sp=… pc=…]`.
    fn read_file_line(&mut self, expected: &str) -> Result<FileLine> {
        if !self.lines.advance()? {
            return Err(self.lines.eof_error(expected));
        }
        let parsed = self
            .lines
            .line()
            .strip_prefix('\t')
            .and_then(|l| parse_file_line(l, &mut self.interner));
        parsed.ok_or_else(|| self.lines.error(ErrorKind::Syntax, expected))
    }
}

impl<R: BufRead> Iterator for GoroutineDumpReader<R> {
    type Item = Result<Goroutine>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_goroutine() {
            Ok(g) => g.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// `...N frames elided...`.
pub(crate) fn parse_elided(line: &str) -> Option<u64> {
    line.strip_prefix("...")?
        .strip_suffix(" frames elided...")?
        .parse()
        .ok()
}

/// Splits `pkg.(*T).M[...](0x1, {0x2})` into the function and the text
/// inside the last, outermost parentheses.
fn split_call(line: &str) -> Option<(&str, &str)> {
    let open = call_open(line.as_bytes())?;
    let function = line.get(..open)?;
    let args = line.get(open + 1..line.len() - 1)?;
    (!function.is_empty() && !function.starts_with('\t')).then_some((function, args))
}

/// Where the arguments of a frame line `function(args)` open: the last
/// outermost `(`. On bytes, so that the fast path for big dumps
/// ([`crate::dump_blocks`]) splits lines exactly as this parser does.
pub(crate) fn call_open(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b")")?;
    // Arguments hold no parentheses (`0x1, {0x2, ...}, 0x3?`): most often
    // the last `(` opens them, found faster than by counting depth.
    if let Some(open) = memrchr(b'(', body) {
        if memchr(b')', &body[open..]).is_none() {
            return Some(open);
        }
    }
    let mut depth = 0u32;
    for (i, &b) in body.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' if depth == 0 => return Some(i),
            b'(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `F` and the parent goroutine of `created by F in goroutine N` (the text
/// after `created by `); without a valid `N`, all of it is the function.
pub(crate) fn split_created_by(rest: &str) -> (&str, Option<u64>) {
    match rest.rsplit_once(" in goroutine ") {
        Some((f, n)) => match n.parse() {
            Ok(n) => (f, Some(n)),
            Err(_) => (rest, None),
        },
        None => (rest, None),
    }
}

struct FileLine {
    file: Arc<str>,
    line: u32,
    pc_offset: Option<u64>,
    registers: Option<FrameRegisters>,
}

/// The parts of a frame's location line, borrowed.
pub(crate) struct Location<'a> {
    pub(crate) file: &'a [u8],
    pub(crate) line: u32,
    pub(crate) pc_offset: Option<u64>,
    pub(crate) registers: Option<FrameRegisters>,
}

/// Splits `file:line [+0xoff] [fp=0x… sp=0x… pc=0x…]`; the file may
/// contain spaces and colons, so the suffixes are taken off from the right.
/// Shared with the fast path for big dumps, which must accept exactly what
/// this parser accepts; on bytes, as that path reads them.
pub(crate) fn split_location(text: &[u8]) -> Option<Location<'_>> {
    let mut rest = text;
    let mut pc_offset = None;
    let mut regs = FrameRegisters::default();
    let mut has_regs = false;
    while let Some(space) = memrchr(b' ', rest) {
        let (head, word) = (&rest[..space], &rest[space + 1..]);
        let hex = |v: &[u8]| std::str::from_utf8(v).ok().and_then(parse_hex);
        if let Some(v) = word.strip_prefix(b"+") {
            pc_offset = Some(hex(v)?);
        } else if let Some(v) = word.strip_prefix(b"fp=") {
            regs.fp = hex(v)?;
            has_regs = true;
        } else if let Some(v) = word.strip_prefix(b"sp=") {
            regs.sp = hex(v)?;
            has_regs = true;
        } else if let Some(v) = word.strip_prefix(b"pc=") {
            regs.pc = hex(v)?;
            has_regs = true;
        } else {
            break;
        }
        rest = head;
    }
    let colon = memrchr(b':', rest)?;
    let line = std::str::from_utf8(&rest[colon + 1..]).ok()?;
    Some(Location {
        file: &rest[..colon],
        line: line.parse().ok()?,
        pc_offset,
        registers: has_regs.then_some(regs),
    })
}

fn parse_file_line(text: &str, interner: &mut Interner) -> Option<FileLine> {
    let location = split_location(text.as_bytes())?;
    // Cut at ASCII bytes, the file is as valid UTF-8 as `text`.
    let file = std::str::from_utf8(location.file).ok()?;
    Some(FileLine {
        file: interner.intern(file),
        line: location.line,
        pc_offset: location.pc_offset,
        registers: location.registers,
    })
}

/// A whole traceback in memory: fine for a panic or a modest dump; use
/// [`GoroutineDumpReader`] for big ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoroutineDump {
    /// Lines before the first goroutine (panic message, signal info).
    pub preamble: Vec<String>,
    /// The goroutines, in input order.
    pub goroutines: Vec<Goroutine>,
}

impl GoroutineDump {
    /// Parses tracebacks from an un-gzipped reader.
    pub fn parse<R: BufRead>(name: impl Into<Arc<str>>, reader: R) -> Result<Self> {
        Self::collect(GoroutineDumpReader::new(name, reader))
    }

    /// Drains a streaming reader.
    pub fn collect<R: BufRead>(mut reader: GoroutineDumpReader<R>) -> Result<Self> {
        let goroutines = reader.by_ref().collect::<Result<Vec<_>>>()?;
        Ok(GoroutineDump {
            preamble: std::mem::take(&mut reader.preamble),
            goroutines,
        })
    }

    /// The panic message, if the dump is a panic (`panic: …` in the preamble).
    pub fn panic_message(&self) -> Option<&str> {
        self.preamble.iter().find_map(|l| l.strip_prefix("panic: "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_with_everything() {
        let mut i = Interner::default();
        let h = parse_header(
            r#"goroutine 18 gp=0xc000007c00 m=nil [chan receive (leaked) (scan), 3 minutes, locked to thread] {role: "a b", tenant: acme}:"#,
            &mut i,
        )
        .expect("header");
        assert_eq!(h.id, 18);
        assert_eq!(h.gp, Some(0xc000007c00));
        assert_eq!(h.m, Some(None));
        assert_eq!(&*h.state.reason, "chan receive");
        assert!(h.state.leaked && h.state.scan && h.state.locked_to_thread);
        assert_eq!(h.state.minutes, Some(3));
        assert_eq!(
            h.labels,
            vec![
                ("role".into(), "a b".into()),
                ("tenant".into(), "acme".into())
            ]
        );
    }

    #[test]
    fn go126_labels_inside_brackets() {
        let mut i = Interner::default();
        let h = parse_header(
            r#"goroutine 11 [chan receive (leaked) labels:{"role": "a]b", "tenant": "acme"}]:"#,
            &mut i,
        )
        .expect("header");
        assert_eq!(&*h.state.reason, "chan receive");
        assert!(h.state.leaked);
        assert_eq!(
            h.labels,
            vec![
                ("role".into(), "a]b".into()),
                ("tenant".into(), "acme".into())
            ]
        );
        assert!(parse_header("goroutine 1 [running] trailing:", &mut i).is_none());
        let empty = parse_header("goroutine 2 [select] {}:", &mut i).expect("empty labels");
        assert!(empty.labels.is_empty());
    }

    #[test]
    fn body_lines_ancestors_and_truncation() {
        let text = "panic: x\n\ngoroutine 7 [select, 12 minutes, locked to thread]:\n\
            main.f(...)\n\t/a/b.go:3\n\
            main.g(0x1)\n\t/a/b.go:9 +0x10\n\
            ...additional frames elided...\n\
            created by main.h\n\t/a/b.go:20 +0x5\n\
            [originating from goroutine 3]:\n\
            main.h(...)\n\t/a/b.go:19 +0x4\n\
            created by main.main in goroutine 1\n\t/a/b.go:30 +0x6\n\n\
            goroutine 8 [running]:\n\tgoroutine running on other thread; stack unavailable\n";
        let dump = GoroutineDump::parse("t", text.as_bytes()).expect("parses");
        assert_eq!(dump.panic_message(), Some("x"));
        let g = &dump.goroutines[0];
        assert_eq!(g.state.minutes, Some(12));
        assert!(g.state.locked_to_thread && g.truncated);
        assert!(g.frames[0].is_inlined() && !g.frames[1].is_inlined());
        let created = g.created_by.as_ref().expect("created by");
        assert_eq!((&*created.function, created.parent), ("main.h", None));
        assert_eq!(g.ancestors.len(), 1);
        assert_eq!(g.ancestors[0].id, 3);
        assert_eq!(
            g.ancestors[0].created_by.as_ref().and_then(|c| c.parent),
            Some(1)
        );
        assert!(dump.goroutines[1].stack_unavailable);
    }

    #[test]
    fn split_call_handles_methods_and_generics() {
        assert_eq!(
            split_call("main.(*T).M(0x1, {0x2, 0x3})"),
            Some(("main.(*T).M", "0x1, {0x2, 0x3}"))
        );
        assert_eq!(split_call("main.F[...](...)"), Some(("main.F[...]", "...")));
        assert_eq!(split_call("main.main()"), Some(("main.main", "")));
        assert_eq!(split_call("garbage"), None);
    }

    #[test]
    fn arguments_parse() {
        let f = Frame {
            function: "f".into(),
            args: "0x1, {0xc0, 0x2?}, _, ...".into(),
            file: "f.go".into(),
            line: 1,
            pc_offset: None,
            registers: None,
        };
        assert_eq!(
            f.arguments(),
            Some(vec![
                Arg::Word {
                    value: 1,
                    maybe_stale: false
                },
                Arg::Group(vec![
                    Arg::Word {
                        value: 0xc0,
                        maybe_stale: false
                    },
                    Arg::Word {
                        value: 2,
                        maybe_stale: true
                    }
                ]),
                Arg::Unknown,
                Arg::Elided
            ])
        );
    }

    #[test]
    fn file_line_with_registers_and_spaces() {
        let mut i = Interner::default();
        let fl = parse_file_line("C:/my dir/x.go:12 +0x1d fp=0x10 sp=0x8 pc=0x4", &mut i)
            .expect("parses");
        assert_eq!(&*fl.file, "C:/my dir/x.go");
        assert_eq!(fl.line, 12);
        assert_eq!(fl.pc_offset, Some(0x1d));
        assert_eq!(
            fl.registers,
            Some(FrameRegisters {
                fp: 0x10,
                sp: 0x8,
                pc: 0x4
            })
        );
    }
}
