//! The checker: loads packages from source, declares their package-level
//! objects, resolves them lazily, and checks function bodies, recording the
//! object of every identifier use and the type of every expression.

mod builtins;
mod call;
mod decl;
mod expr;
mod infer;
mod load;
mod lookup;
mod sizes;
mod stmt;
mod subst;
mod typexpr;

use crate::constant::Value;
use crate::model::{FileId, Mode, Model, ObjId, PkgId, ScopeId};
use crate::types::TypeId;
use letgo_go::build_constraint::BuildContext;
use rustc_hash::FxHashMap;
use std::path::PathBuf;

/// The result of checking an expression, as go/types' operand.
#[derive(Clone, Debug)]
pub struct Operand {
    pub mode: Mode,
    pub typ: TypeId,
    pub val: Value,
}

/// Where the checker is: file, scope, enclosing function, iota.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub file: FileId,
    pub pkg: PkgId,
    pub scope: ScopeId,
    /// The signature of the function whose body is being checked.
    pub sig: Option<TypeId>,
    pub iota: Option<i128>,
    pub labels: Option<ScopeId>,
}

pub struct Checker {
    pub m: Model,
    pub goroot: PathBuf,
    pub build: BuildContext,
    /// Packages by directory.
    pub(crate) by_dir: FxHashMap<PathBuf, PkgId>,
    /// Methods declared for each type name, by the type name's object.
    pub(crate) methods_of: FxHashMap<ObjId, Vec<ObjId>>,
    /// Methods of the package being declared, by receiver base name.
    pub(crate) pending: Vec<(ScopeId, std::sync::Arc<str>, ObjId)>,
    /// Function and method objects by their declaration (file, index).
    pub(crate) func_decls: FxHashMap<(FileId, u32), ObjId>,
    /// Methods declared through an alias, per package, until resolved.
    pub(crate) alias_methods: FxHashMap<PkgId, Vec<(ObjId, ObjId)>>,
    /// The scope holding a function's type parameters, by its object.
    pub(crate) func_scopes: FxHashMap<ObjId, ScopeId>,
    /// A generic type's method's own receiver type parameters.
    pub(crate) recv_tparams: FxHashMap<ObjId, Vec<TypeId>>,
    pub(crate) cx: Ctx,
    /// Modules whose packages and requirements imports resolve against.
    pub modules: Vec<crate::modules::ModuleRoot>,
    pub modcache: Option<PathBuf>,
    /// Folders whose `_test.go` files are checked with them.
    pub test_dirs: rustc_hash::FxHashSet<PathBuf>,
    pub(crate) dir_has_go: std::cell::RefCell<FxHashMap<PathBuf, bool>>,
    pub(crate) dir_has_vendor: std::cell::RefCell<FxHashMap<PathBuf, bool>>,
    /// Import paths resolved, by importing folder (see
    /// [`Checker::resolve_import_cached`]).
    pub(crate) imports_of: FxHashMap<PathBuf, FxHashMap<String, Option<PathBuf>>>,
    pub(crate) pending_xtests: Vec<(PathBuf, String, Vec<crate::model::SourceFile>)>,
    /// Texts that replace files on disk (sources being fixed in memory).
    pub overlay: FxHashMap<PathBuf, String>,
    /// Package files parsed ahead, in parallel, by folder, until loaded.
    pub(crate) parsed: FxHashMap<PathBuf, Vec<crate::model::SourceFile>>,
    /// A method's signature without its receiver (the type of a method
    /// value `x.M`), by the method's signature: made once per method, not
    /// once per selector (types are never changed once made).
    pub(crate) recvless: FxHashMap<TypeId, TypeId>,
}

impl Checker {
    pub fn new(goroot: PathBuf) -> Checker {
        // What `go list` sees on linux/amd64 with CGO_ENABLED=0: the
        // toolchain's default GOEXPERIMENT tags included.
        let build = BuildContext {
            cgo: false,
            ..BuildContext::default()
        };
        let m = Model::new();
        let universe = m.universe;
        Checker {
            m,
            goroot,
            build,
            by_dir: FxHashMap::default(),
            methods_of: FxHashMap::default(),
            pending: Vec::new(),
            func_scopes: FxHashMap::default(),
            alias_methods: FxHashMap::default(),
            func_decls: FxHashMap::default(),
            overlay: FxHashMap::default(),
            parsed: FxHashMap::default(),
            recvless: FxHashMap::default(),
            modules: Vec::new(),
            modcache: None,
            test_dirs: Default::default(),
            pending_xtests: Vec::new(),
            dir_has_go: Default::default(),
            dir_has_vendor: Default::default(),
            imports_of: FxHashMap::default(),
            recv_tparams: FxHashMap::default(),
            cx: Ctx {
                file: FileId(0),
                pkg: PkgId(0),
                scope: universe,
                sig: None,
                iota: None,
                labels: None,
            },
        }
    }

    pub(crate) fn invalid_op(&self) -> Operand {
        Operand {
            mode: Mode::Invalid,
            typ: self.m.invalid,
            val: Value::Unknown,
        }
    }

    pub(crate) fn value_op(&self, typ: TypeId) -> Operand {
        Operand {
            mode: Mode::Value,
            typ,
            val: Value::Unknown,
        }
    }

    /// Records the object an identifier use denotes.
    pub(crate) fn record_use(&mut self, offset: u32, obj: ObjId) {
        self.m.records[self.cx.file.0 as usize]
            .uses
            .push((offset, obj));
    }

    /// Records the mode and type of an expression.
    pub(crate) fn record_type(&mut self, start: u32, end: u32, node: u8, mode: Mode, typ: TypeId) {
        self.m.records[self.cx.file.0 as usize]
            .types
            .insert((start, end, node), (mode, typ));
    }

    /// Runs `f` with the checker moved to another place (a declaration in
    /// another file or package), then comes back.
    pub(crate) fn with_ctx<R>(&mut self, cx: Ctx, f: impl FnOnce(&mut Checker) -> R) -> R {
        let saved = self.cx;
        self.cx = cx;
        let r = f(self);
        self.cx = saved;
        r
    }
}
