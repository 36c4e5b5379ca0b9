//! What a rule sees of one package: its files, their imports, its
//! package-level symbols, and the Go version of its module.

use letgo_go::ast::{Expr, Span};
use letgo_go::build_constraint::LATEST_GO;
use letgo_go::gomod::GoVersion;
use letgo_go::load::{Package, Program, SourceFile};
use letgo_go::symbols::{file_imports, Import};

use crate::channels::{channels, Channel};
use crate::diagnostic::Diagnostic;
use crate::funcs::{functions, Func};
use crate::growth::Growth;
use crate::locks::{lock_view, LockView};
use crate::owners::Owners;
use crate::summaries::channels::{ChanSummaries, LazyChanSummaries};
use crate::summaries::locks::LockSummaries;
use std::sync::OnceLock;

/// A diagnostic and the index of its file in the package.
#[derive(Debug, Clone)]
pub struct FileDiagnostic {
    pub file: usize,
    pub diagnostic: Diagnostic,
}

/// What the go command derives a program's default GODEBUG settings from
/// (cmd/go/internal/load/godebug.go): the main module's `go` line; Go 1.16
/// for a go.mod without one (`gover.DefaultGoModVersion`); Go 1.20 in
/// GOPATH mode, with no go.mod at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultsFrom {
    GoLine(GoVersion),
    NoGoLine,
    NoModule,
}

impl DefaultsFrom {
    /// The Go version whose defaults apply.
    pub fn version(self) -> GoVersion {
        match self {
            DefaultsFrom::GoLine(v) => v,
            DefaultsFrom::NoGoLine => GoVersion::new(1, 16),
            DefaultsFrom::NoModule => GoVersion::new(1, 20),
        }
    }
}

pub struct PackageContext<'a> {
    pub program: &'a Program,
    pub package: &'a Package,
    /// The module's language version (`go` line); for code outside any
    /// module, the newest Go.
    pub go_version: GoVersion,
    /// `godebug` settings of the module's `go.mod`.
    pub godebug: Vec<(String, String)>,
    /// Where the go command takes the default GODEBUG settings from (the
    /// timer behaviour of Go 1.23–1.26 follows them).
    pub defaults_from: DefaultsFrom,
    imports: Vec<Vec<Import>>,
    // Plain vectors, computed up front: a lazily filled cell would make
    // the context invariant in 'a, and rules borrow from it freely.
    functions: Vec<Func<'a>>,
    channels: Vec<Channel>,
    // Views several rules share, built on first use. They hold no borrow
    // of the tree, so the cells keep the context covariant in 'a.
    owners: OnceLock<Owners>,
    locks: OnceLock<LockView>,
    calls: OnceLock<Vec<Vec<crate::callsites::Call>>>,
    /// What the package writes to its channels (LG116's view, which the
    /// channel rules ask about each operation they would report).
    pub(crate) nil_writes: OnceLock<crate::rules::nil_channel_op::Writes>,
    /// The semantic model (objects and types), when it was built.
    semantic: Option<&'a letgo_types::Semantic>,
    /// The model's view of each file, looked up by path once: rules ask
    /// for it at every expression.
    views: Vec<Option<letgo_types::FileView<'a>>>,
    /// The run's lock summaries over the whole program, built by the
    /// first package that asks (see [`PackageContext::with_lock_summaries`]).
    lock_summaries: Option<&'a OnceLock<LockSummaries>>,
    /// Channel summaries of the run's functions (built once per run).
    chan_summaries: Option<&'a LazyChanSummaries<'a>>,
    /// Heap growth over the whole run's call graph, shared by every
    /// package and built on first use (see [`crate::growth`]).
    growth: Option<&'a OnceLock<Growth>>,
}

impl<'a> PackageContext<'a> {
    /// `with_channels`: build the channel view (only the channel rules
    /// need it, and it is the costliest analysis).
    pub fn new(
        program: &'a Program,
        package: &'a Package,
        with_channels: bool,
        semantic: Option<&'a letgo_types::Semantic>,
    ) -> Self {
        Self::with_chan_summaries(program, package, with_channels, semantic, None)
    }

    /// [`PackageContext::new`] with the run's channel summaries, so the
    /// channel view sees through calls it cannot inline.
    pub fn with_chan_summaries(
        program: &'a Program,
        package: &'a Package,
        with_channels: bool,
        semantic: Option<&'a letgo_types::Semantic>,
        chan_summaries: Option<&'a LazyChanSummaries<'a>>,
    ) -> Self {
        let gomod = program.module_of(package).and_then(|m| m.gomod.as_ref());
        let go_version = gomod.map_or(LATEST_GO, |m| m.language_version());
        let godebug = gomod.map(|m| m.godebug.clone()).unwrap_or_default();
        let defaults_from = match (program.module_of(package), gomod) {
            (Some(_), Some(m)) => match m.go_version {
                Some(v) => DefaultsFrom::GoLine(v.lang()),
                None => DefaultsFrom::NoGoLine,
            },
            // A go.mod that could not be read: its error is reported;
            // judge the package as the language version does.
            (Some(_), None) => DefaultsFrom::GoLine(go_version),
            (None, _) => DefaultsFrom::NoModule,
        };
        let imports = package
            .files
            .iter()
            .map(|f| file_imports(&f.ast, &f.src))
            .collect();
        let mut cx = PackageContext {
            program,
            package,
            go_version,
            godebug,
            defaults_from,
            imports,
            functions: Vec::new(),
            channels: Vec::new(),
            owners: OnceLock::new(),
            locks: OnceLock::new(),
            calls: OnceLock::new(),
            nil_writes: OnceLock::new(),
            semantic,
            views: package
                .files
                .iter()
                .map(|f| semantic.and_then(|s| s.file(&f.path)))
                .collect(),
            lock_summaries: None,
            chan_summaries,
            growth: None,
        };
        cx.functions = functions(&cx);
        if with_channels {
            cx.channels = channels(&cx, &cx.functions);
        }
        cx
    }

    /// Shares the run's program-wide summaries (one cell per run: every
    /// package of the run reads the same summaries).
    pub fn with_lock_summaries(mut self, locks: &'a OnceLock<LockSummaries>) -> Self {
        self.lock_summaries = Some(locks);
        self
    }

    /// The lock summaries over the call graph of every checked package,
    /// built on first use; `None` without a semantic model.
    pub fn lock_summaries(&self) -> Option<&'a LockSummaries> {
        let s = self.semantic?;
        let built = self.lock_summaries?.get_or_init(|| {
            if self.growth.is_some_and(|g| g.get().is_some()) {
                s.last_use_of_calls();
            }
            crate::apart::build_apart(|| LockSummaries::build(s))
        });
        self.release_shared_walk();
        Some(built)
    }

    /// Frees the model's shared call walk once both views made from it
    /// (lock summaries, heap growth) are built: it is not read again, and
    /// freed here its memory serves the rules that run after.
    fn release_shared_walk(&self) {
        let (Some(s), Some(locks), Some(growth)) =
            (self.semantic, self.lock_summaries, self.growth)
        else {
            return;
        };
        if locks.get().is_some() && growth.get().is_some() {
            s.release_calls();
        }
    }

    /// Whether the model's object `o` is declared in one of the package's
    /// files (by the model's file, not by comparing paths: rules ask this
    /// at every call).
    pub fn declares(&self, o: letgo_types::model::ObjId) -> bool {
        let Some(s) = self.semantic else {
            return false;
        };
        let Some((file, _)) = s.model.obj(o).pos else {
            return false;
        };
        self.views.iter().flatten().any(|v| v.id() == file)
    }

    /// The semantic model, when it was built.
    pub fn semantic(&self) -> Option<&'a letgo_types::Semantic> {
        self.semantic
    }

    /// The semantic model's view of file `fi` (types of expressions,
    /// objects of identifiers); `None` when the model did not check it.
    pub fn types(&self, fi: usize) -> Option<letgo_types::FileView<'a>> {
        self.views.get(fi).copied().flatten()
    }

    /// Shares `cell` as the run's heap-growth view: the engine gives every
    /// package the same cell, so the call graph is built once.
    pub fn with_growth(mut self, cell: &'a OnceLock<Growth>) -> Self {
        self.growth = Some(cell);
        self
    }

    /// Heap growth across the packages of the run (LG301/LG302), when the
    /// semantic model was built and the engine shares a cell for it.
    pub fn growth(&self) -> Option<&'a Growth> {
        let semantic = self.semantic?;
        let built = self.growth?.get_or_init(|| {
            let start = std::time::Instant::now();
            if self.lock_summaries.is_some_and(|l| l.get().is_some()) {
                semantic.last_use_of_calls();
            }
            let g = crate::apart::build_apart(|| Growth::build(semantic));
            // `LETGO_TIMINGS=1`: its share of a run, as the summaries'.
            if std::env::var_os("LETGO_TIMINGS").is_some() {
                eprintln!("letgo: heap growth: {:.3} s", start.elapsed().as_secs_f64());
            }
            g
        });
        self.release_shared_walk();
        Some(built)
    }

    /// The run's channel summaries, with the model they were built from.
    pub fn chan_summaries(&self) -> Option<(&'a letgo_types::Semantic, &'a ChanSummaries)> {
        self.chan_summaries.map(|l| (l.semantic(), l.get()))
    }

    /// Every function body of the package, computed once for all rules.
    pub fn functions(&self) -> &[Func<'a>] {
        &self.functions
    }

    /// The channel view of the package, computed once for all rules.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The long-lived owners of slices and maps (LG301–LG304).
    pub fn owners(&self) -> &Owners {
        self.owners.get_or_init(|| Owners::new(self))
    }

    /// The lock view (LG110–LG115).
    pub fn locks(&self) -> &LockView {
        self.locks.get_or_init(|| lock_view(self))
    }

    /// The same-package calls of every function (LG101's uncancelled
    /// contexts and the bystanders of blocking findings both read them).
    pub fn calls(&self) -> &[Vec<crate::callsites::Call>] {
        self.calls.get_or_init(|| crate::callsites::calls(self))
    }

    pub fn files(&self) -> impl Iterator<Item = (usize, &'a SourceFile)> {
        self.package.files.iter().enumerate()
    }

    pub fn file(&self, index: usize) -> &'a SourceFile {
        &self.package.files[index]
    }

    /// The name file `file` uses for the package at `path`, if it imports
    /// it under a usable name (not `_` or `.`).
    pub fn import_name(&self, file: usize, path: &str) -> Option<&str> {
        self.imports[file]
            .iter()
            .find(|i| i.path == path && i.name != "_" && i.name != ".")
            .map(|i| i.name.as_str())
    }

    /// Whether `name` is an import name in file `file` (so `name.F` is a
    /// call into another package, not a method).
    pub fn imports_name(&self, file: usize, name: &str) -> bool {
        self.imports[file].iter().any(|i| i.name == name)
    }

    /// If `x` is `pkg.Name` for the package at `path` (as file `file`
    /// names it), the `Name`.
    pub fn qualified_name(&self, file: usize, x: &Expr, path: &str) -> Option<&'a str> {
        let Expr::Selector(sel) = x.unparen() else {
            return None;
        };
        let Expr::Ident(pkg) = sel.x.unparen() else {
            return None;
        };
        let src = &self.file(file).src;
        let local = self.import_name(file, path)?;
        (pkg.name(src) == local).then(|| sel.sel.name(src))
    }

    /// The text of `span` in file `file`.
    pub fn text(&self, file: usize, span: Span) -> &'a str {
        span.text(&self.file(file).src)
    }

    /// The package as Go's stack traces name it: `main` for a command,
    /// otherwise its import path (or its name outside a module).
    pub fn trace_package(&self) -> String {
        if self.package.name == "main" {
            return "main".to_string();
        }
        self.package
            .import_path
            .clone()
            .unwrap_or_else(|| self.package.name.clone())
    }
}
