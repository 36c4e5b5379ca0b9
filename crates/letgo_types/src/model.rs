//! The arenas of the semantic model: packages, files, scopes, objects and
//! types, and what the checker records per file (identifier uses and
//! expression types).

use crate::constant::Value;
use crate::types::{BasicKind, Type, TypeId};
use rustc_hash::FxHashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PkgId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Append,
    Cap,
    Clear,
    Close,
    Complex,
    Copy,
    Delete,
    Imag,
    Len,
    Make,
    Max,
    Min,
    New,
    Panic,
    Print,
    Println,
    Real,
    Recover,
    // package unsafe
    Add,
    Alignof,
    Offsetof,
    Sizeof,
    Slice,
    SliceData,
    String,
    StringData,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjKind {
    Var,
    Field,
    Const,
    TypeName,
    Func,
    Method,
    PkgName,
    Builtin(Builtin),
    Nil,
    Label,
}

impl ObjKind {
    /// The word the differential dump uses for this kind.
    pub fn word(self) -> &'static str {
        match self {
            ObjKind::Var => "var",
            ObjKind::Field => "field",
            ObjKind::Const => "const",
            ObjKind::TypeName => "type",
            ObjKind::Func => "func",
            ObjKind::Method => "method",
            ObjKind::PkgName => "pkgname",
            ObjKind::Builtin(_) => "builtin",
            ObjKind::Nil => "nil",
            ObjKind::Label => "label",
        }
    }
}

/// Where a package-level object is declared, so that its type is computed
/// when first needed (Go allows any order of package-level declarations).
#[derive(Clone, Copy, Debug)]
pub enum DeclRef {
    None,
    /// `decl`/`spec` index the file's declarations; `name` the spec's names.
    Value {
        file: FileId,
        decl: u32,
        spec: u32,
        name: u32,
    },
    Type {
        file: FileId,
        decl: u32,
        spec: u32,
    },
    Func {
        file: FileId,
        decl: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Unresolved,
    Resolving,
    Done,
}

#[derive(Clone, Debug)]
pub struct Object {
    pub kind: ObjKind,
    pub name: Arc<str>,
    pub pkg: Option<PkgId>,
    pub pos: Option<(FileId, u32)>,
    pub typ: TypeId,
    pub decl: DeclRef,
    pub state: State,
    pub val: Value,
    /// For a package name, the package it imports.
    pub imported: Option<PkgId>,
    /// For a type name, whether it declares an alias.
    pub alias: bool,
}

pub struct Scope {
    pub parent: Option<ScopeId>,
    pub names: FxHashMap<Arc<str>, ObjId>,
}

pub struct Package {
    pub path: String,
    pub name: String,
    pub dir: PathBuf,
    pub scope: ScopeId,
    pub files: Vec<FileId>,
    /// Whether function bodies are checked (packages of the checked set).
    pub bodies: bool,
    pub loaded: bool,
}

pub struct SourceFile {
    pub path: PathBuf,
    /// The path the dump prints (relative to the root it was loaded from).
    pub display: String,
    pub src: String,
    /// Shared with the rules' loader, which takes the model's tree of a
    /// file rather than parsing it again.
    pub ast: Arc<letgo_go::ast::File>,
    /// The parse's syntax errors (the loader reports them).
    pub errors: Vec<letgo_go::SyntaxError>,
}

/// The mode of an expression, as go/types' operand modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Invalid,
    NoValue,
    Builtin(Builtin),
    TypeExpr,
    Constant,
    Variable,
    MapIndex,
    Value,
    CommaOk,
    CommaErr,
    Nil,
}

impl Mode {
    pub fn word(self) -> &'static str {
        match self {
            Mode::TypeExpr => "type",
            Mode::Constant => "const",
            Mode::Variable => "var",
            Mode::MapIndex => "mapindex",
            Mode::CommaOk => "commaok",
            Mode::CommaErr => "commaerr",
            Mode::Nil => "nil",
            _ => "value",
        }
    }
}

/// What the checker recorded for one file.
#[derive(Default)]
pub struct Records {
    pub uses: Vec<(u32, ObjId)>,
    /// (start, end, node) -> (mode, type), while the checker writes them
    /// (it re-records untyped operands); emptied by [`Records::freeze`].
    pub types: FxHashMap<(u32, u32, u8), (Mode, TypeId)>,
    /// The same records once checking is done, sorted by key: rules only
    /// read them, and a sorted vector holds GOROOT/src's 4.5 M expressions
    /// in about half the memory of the hash maps (a run's peak).
    typed: Vec<Typed>,
    /// Where each 64-byte stretch of the file starts in the sorted `uses`
    /// (see [`Records::index_uses`]); empty: search all of `uses`.
    use_starts: Vec<u32>,
    /// `typed` indexed by stretch of its start offsets (see
    /// [`Records::index_types`]); emptied whenever `typed` changes.
    typed_starts: Vec<u32>,
    /// How many uses [`Records::index_uses`] sorted and indexed last
    /// (`None`: never): [`Records::finish`] does it again only if uses
    /// were added since.
    uses_indexed: Option<usize>,
}

/// The stretch of a file one entry of the uses index covers, as a shift:
/// 64 bytes hold a few identifiers, and the index costs 4 bytes per 64
/// bytes of source.
const USE_BUCKET_SHIFT: u32 = 6;

/// Where each stretch of a file starts in `sorted` (entries sorted by
/// `offset`): entry `b` is the first whose offset lies in stretch `b` or
/// later. Empty when there is nothing to index.
pub(crate) fn stretch_starts<T>(sorted: &[T], offset: impl Fn(&T) -> u32) -> Vec<u32> {
    let Some(last) = sorted.last() else {
        return Vec::new();
    };
    if sorted.len() > u32::MAX as usize {
        return Vec::new();
    }
    let buckets = (offset(last) >> USE_BUCKET_SHIFT) as usize + 1;
    let mut starts = Vec::with_capacity(buckets + 1);
    let mut i = 0;
    for b in 0..=buckets {
        while i < sorted.len() && ((offset(&sorted[i]) >> USE_BUCKET_SHIFT) as usize) < b {
            i += 1;
        }
        starts.push(i as u32);
    }
    starts
}

/// The entries of `sorted` in the stretch of offset `pos` (`starts` from
/// [`stretch_starts`]; empty: all of them); `None`: past the last.
fn stretch<'s, T>(sorted: &'s [T], starts: &[u32], pos: u32) -> Option<&'s [T]> {
    match starts.get((pos >> USE_BUCKET_SHIFT) as usize..) {
        Some([start, end, ..]) => sorted.get(*start as usize..*end as usize),
        _ if starts.is_empty() => Some(sorted),
        _ => None,
    }
}

/// The object at offset `pos` of `sorted`, searched in its stretch.
pub(crate) fn find_at(sorted: &[(u32, ObjId)], starts: &[u32], pos: u32) -> Option<ObjId> {
    let here = stretch(sorted, starts, pos)?;
    let i = here.binary_search_by_key(&pos, |u| u.0).ok()?;
    Some(here[i].1)
}

/// One typed expression of [`Records`], packed (16 bytes).
#[derive(Clone, Copy)]
struct Typed {
    start: u32,
    end: u32,
    typ: TypeId,
    node: u8,
    mode: Mode,
}

/// Expression records frozen into their sorted vector.
pub struct Frozen(Vec<Typed>);

impl Frozen {
    /// Sorts `types` (made after `old`, so they win at a shared key) with
    /// the records frozen before.
    fn of(types: FxHashMap<(u32, u32, u8), (Mode, TypeId)>, old: Vec<Typed>) -> Frozen {
        let mut typed: Vec<Typed> = Vec::with_capacity(types.len() + old.len());
        typed.extend(
            types
                .into_iter()
                .map(|((start, end, node), (mode, typ))| Typed {
                    start,
                    end,
                    typ,
                    node,
                    mode,
                }),
        );
        typed.sort_unstable_by_key(Typed::key);
        Frozen::merge(typed, old)
    }

    /// `typed` (sorted, unique keys) with `old`, `typed` winning at a
    /// shared key.
    fn merge(mut typed: Vec<Typed>, mut old: Vec<Typed>) -> Frozen {
        // The usual case (one freeze per file): nothing to merge.
        if !old.is_empty() {
            // The newer records come first: the stable sort keeps them
            // ahead at a shared key, and the dedup keeps the first, as
            // the map's insert replaced the value.
            typed.append(&mut old);
            typed.sort_by_key(Typed::key);
            typed.dedup_by_key(|t| t.key());
            typed.shrink_to_fit();
        }
        Frozen(typed)
    }
}

const _: () = assert!(std::mem::size_of::<Typed>() == 16);

impl Typed {
    fn key(&self) -> (u32, u32, u8) {
        (self.start, self.end, self.node)
    }
}

impl Records {
    /// Sorts the uses and indexes them by stretch of the file: a lookup
    /// then searches a few entries, not the whole file's (rules ask at
    /// nearly every identifier). A file where one offset has two
    /// different objects is left unindexed: only a search of all of
    /// `uses` gives the answer it always gave there.
    pub fn index_uses(&mut self) {
        self.uses.sort_unstable();
        self.use_starts.clear();
        self.uses_indexed = Some(self.uses.len());
        let ambiguous = self
            .uses
            .windows(2)
            .any(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1);
        if !ambiguous {
            self.use_starts = stretch_starts(&self.uses, |u| u.0);
        }
    }

    /// The object used at offset `pos` (after [`Records::index_uses`]).
    pub fn use_at(&self, pos: u32) -> Option<ObjId> {
        find_at(&self.uses, &self.use_starts, pos)
    }

    /// Indexes the frozen expression records by stretch of their start
    /// offsets, for [`Records::type_at`]; called once they are final
    /// (freezing or thawing again drops the index).
    pub fn index_types(&mut self) {
        self.typed_starts = stretch_starts(&self.typed, |t| t.start);
    }

    /// Moves the expression records into the sorted vector read by
    /// [`Records::type_at`]; called once the checker is done.
    pub fn freeze(&mut self) {
        if self.types.is_empty() {
            return;
        }
        let types = std::mem::take(&mut self.types);
        let old = std::mem::take(&mut self.typed);
        self.typed_starts.clear();
        self.typed = Frozen::of(types, old).0;
    }

    /// Makes the records ready for queries: uses sorted and indexed,
    /// expression records frozen and indexed; what is already so is not
    /// done again (the file's records may have been finished beside the
    /// checker, see [`Records::absorb`]).
    pub fn finish(&mut self) {
        if self.uses_indexed != Some(self.uses.len()) {
            self.index_uses();
        }
        if !self.types.is_empty() || self.typed_starts.is_empty() {
            self.freeze();
            self.index_types();
        }
    }

    /// Adds the records `late` (made after these were taken from the
    /// checker and finished elsewhere) as if they had been made here:
    /// its uses join these, its expression records win at a shared key,
    /// as the checker's later records replace earlier ones.
    pub fn absorb(&mut self, late: Records) {
        if !late.uses.is_empty() {
            self.uses.extend(late.uses);
            self.uses_indexed = None;
        }
        if !late.typed.is_empty() {
            let old = std::mem::take(&mut self.typed);
            self.typed = Frozen::merge(late.typed, old).0;
            self.typed_starts.clear();
        }
        if !late.types.is_empty() {
            let mut types = late.types;
            for (k, v) in std::mem::take(&mut self.types) {
                types.entry(k).or_insert(v);
            }
            self.types = types;
        }
        self.finish();
    }

    /// How many expressions have a recorded type.
    pub fn expressions(&self) -> usize {
        self.types.len() + self.typed.len()
    }

    /// The mode and type recorded for the expression at `key`
    /// (start, end, node code), frozen or not.
    pub fn type_at(&self, key: (u32, u32, u8)) -> Option<(Mode, TypeId)> {
        // Rules read frozen records: the map is empty, skip hashing.
        if !self.types.is_empty() {
            if let Some(&v) = self.types.get(&key) {
                return Some(v);
            }
        }
        // Keys are unique: the stretch holds the one the whole list would.
        let here = stretch(&self.typed, &self.typed_starts, key.0)?;
        let i = here.binary_search_by_key(&key, Typed::key).ok()?;
        let t = &here[i];
        Some((t.mode, t.typ))
    }
}

pub struct Model {
    pub objects: Vec<Object>,
    pub types: Vec<Type>,
    pub scopes: Vec<Scope>,
    pub packages: Vec<Package>,
    pub files: Vec<Arc<SourceFile>>,
    pub records: Vec<Records>,
    pub file_scopes: Vec<ScopeId>,
    pub file_pkgs: Vec<PkgId>,
    pub universe: ScopeId,
    pub unsafe_pkg: PkgId,
    /// Basic types by kind, and the `byte`/`rune` aliases.
    pub basic: FxHashMap<BasicKindKey, TypeId>,
    pub byte: TypeId,
    pub rune: TypeId,
    pub any: TypeId,
    pub error: TypeId,
    pub comparable: TypeId,
    pub invalid: TypeId,
    pub empty_iface: TypeId,
    /// Structural types already built, so that equal ones share an id.
    pub(crate) intern: FxHashMap<InternKey, TypeId>,
}

pub type BasicKindKey = u8;

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum InternKey {
    Pointer(TypeId),
    Slice(TypeId),
    Array(Option<i64>, TypeId),
    Map(TypeId, TypeId),
    Chan(u8, TypeId),
}

impl Model {
    pub fn obj(&self, id: ObjId) -> &Object {
        &self.objects[id.0 as usize]
    }
    pub fn obj_mut(&mut self, id: ObjId) -> &mut Object {
        &mut self.objects[id.0 as usize]
    }
    pub fn ty(&self, id: TypeId) -> &Type {
        &self.types[id.0 as usize]
    }
    pub fn new_type(&mut self, t: Type) -> TypeId {
        self.types.push(t);
        TypeId(self.types.len() as u32 - 1)
    }
    pub fn new_obj(&mut self, obj: Object) -> ObjId {
        self.objects.push(obj);
        ObjId(self.objects.len() as u32 - 1)
    }
    pub fn new_scope(&mut self, parent: Option<ScopeId>) -> ScopeId {
        self.scopes.push(Scope {
            parent,
            names: FxHashMap::default(),
        });
        ScopeId(self.scopes.len() as u32 - 1)
    }
    pub fn basic(&self, kind: BasicKind) -> TypeId {
        self.basic[&(kind as u8)]
    }
    /// A plain object with no declaration to resolve.
    pub fn simple_obj(
        &mut self,
        kind: ObjKind,
        name: &str,
        pkg: Option<PkgId>,
        pos: Option<(FileId, u32)>,
        typ: TypeId,
    ) -> ObjId {
        self.new_obj(Object {
            kind,
            name: name.into(),
            pkg,
            pos,
            typ,
            decl: DeclRef::None,
            state: State::Done,
            val: Value::Unknown,
            imported: None,
            alias: false,
        })
    }
    pub fn lookup_parent(&self, mut scope: ScopeId, name: &str) -> Option<ObjId> {
        loop {
            let s = &self.scopes[scope.0 as usize];
            if let Some(&o) = s.names.get(name) {
                return Some(o);
            }
            scope = s.parent?;
        }
    }
    pub fn insert(&mut self, scope: ScopeId, name: &str, obj: ObjId) {
        if name == "_" {
            return;
        }
        self.scopes[scope.0 as usize].names.insert(name.into(), obj);
    }
    fn intern(&mut self, key: InternKey, t: Type) -> TypeId {
        if let Some(&id) = self.intern.get(&key) {
            return id;
        }
        let id = self.new_type(t);
        self.intern.insert(key, id);
        id
    }
    pub fn pointer(&mut self, elem: TypeId) -> TypeId {
        self.intern(InternKey::Pointer(elem), Type::Pointer(elem))
    }
    pub fn slice(&mut self, elem: TypeId) -> TypeId {
        self.intern(InternKey::Slice(elem), Type::Slice(elem))
    }
    pub fn array(&mut self, len: Option<i64>, elem: TypeId) -> TypeId {
        self.intern(InternKey::Array(len, elem), Type::Array(len, elem))
    }
    pub fn map(&mut self, k: TypeId, v: TypeId) -> TypeId {
        self.intern(InternKey::Map(k, v), Type::Map(k, v))
    }
    pub fn chan(&mut self, dir: letgo_go::ast::ChanDir, elem: TypeId) -> TypeId {
        self.intern(InternKey::Chan(dir as u8, elem), Type::Chan(dir, elem))
    }
    /// A tuple of unnamed values.
    pub fn tuple_of(&mut self, types: &[TypeId]) -> TypeId {
        let vars = types
            .iter()
            .map(|&t| self.simple_obj(ObjKind::Var, "", None, None, t))
            .collect();
        self.new_type(Type::Tuple(vars))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets spread over several stretches, with gaps, runs in one
    /// stretch and stretch boundaries (63/64, 127/128).
    fn offsets() -> Vec<u32> {
        vec![
            0, 3, 63, 64, 65, 127, 128, 200, 201, 202, 640, 703, 704, 5000,
        ]
    }

    #[test]
    fn indexed_uses_answer_as_a_search_of_all_of_them() {
        let mut r = Records::default();
        for (i, &off) in offsets().iter().enumerate().rev() {
            r.uses.push((off, ObjId(i as u32)));
            // The same use recorded twice (one object): still indexed.
            r.uses.push((off, ObjId(i as u32)));
        }
        r.index_uses();
        assert!(!r.use_starts.is_empty());
        for pos in 0..5100 {
            let all = r
                .uses
                .binary_search_by_key(&pos, |u| u.0)
                .ok()
                .map(|i| r.uses[i].1);
            assert_eq!(r.use_at(pos), all, "offset {pos}");
        }
        assert_eq!(r.use_at(u32::MAX), None);
        assert_eq!(Records::default().use_at(5), None);
    }

    #[test]
    fn two_objects_at_one_offset_leave_the_uses_unindexed() {
        let mut r = Records {
            uses: vec![(70, ObjId(2)), (10, ObjId(1)), (70, ObjId(3))],
            ..Records::default()
        };
        r.index_uses();
        assert!(r.use_starts.is_empty());
        assert_eq!(r.use_at(10), Some(ObjId(1)));
        assert!(matches!(r.use_at(70), Some(ObjId(2 | 3))));
        assert_eq!(r.use_at(11), None);
    }

    #[test]
    fn indexed_types_answer_as_unindexed_ones_and_thawing_drops_the_index() {
        let mut r = Records::default();
        for (i, &off) in offsets().iter().enumerate() {
            r.types
                .insert((off, off + 4, 1), (Mode::Value, TypeId(i as u32)));
            r.types
                .insert((off, off + 9, 2), (Mode::Variable, TypeId(100 + i as u32)));
        }
        r.freeze();
        let keys: Vec<(u32, u32, u8)> = (0..5100)
            .flat_map(|p| [(p, p + 4, 1), (p, p + 9, 2), (p, p + 4, 2)])
            .collect();
        let before: Vec<_> = keys.iter().map(|&k| r.type_at(k)).collect();
        r.index_types();
        assert!(!r.typed_starts.is_empty());
        let after: Vec<_> = keys.iter().map(|&k| r.type_at(k)).collect();
        assert_eq!(before, after);
        assert_eq!(r.type_at((5000, 5004, 1)), Some((Mode::Value, TypeId(13))));
        // A record made later moves the entries: the index is made again.
        let mut later = Records::default();
        later.types.insert((1, 2, 1), (Mode::Value, TypeId(50)));
        r.absorb(later);
        assert_eq!(r.typed_starts, stretch_starts(&r.typed, |t| t.start));
        assert_eq!(r.type_at((1, 2, 1)), Some((Mode::Value, TypeId(50))));
        assert_eq!(r.type_at((5000, 5004, 1)), Some((Mode::Value, TypeId(13))));
    }

    #[test]
    fn frozen_records_answer_as_the_map_did_and_later_records_win() {
        let mut r = Records::default();
        r.types.insert((10, 20, 3), (Mode::Variable, TypeId(7)));
        r.types.insert((0, 5, 1), (Mode::Value, TypeId(2)));
        r.types.insert((10, 20, 4), (Mode::Constant, TypeId(9)));
        r.freeze();
        assert!(r.types.is_empty());
        assert_eq!(r.expressions(), 3);
        assert_eq!(r.type_at((10, 20, 3)), Some((Mode::Variable, TypeId(7))));
        assert_eq!(r.type_at((10, 20, 4)), Some((Mode::Constant, TypeId(9))));
        assert_eq!(r.type_at((0, 5, 1)), Some((Mode::Value, TypeId(2))));
        assert_eq!(r.type_at((0, 5, 2)), None);
        // A record made after the freeze (an untyped operand re-recorded)
        // is read first, and replaces the old one when frozen again.
        r.types.insert((10, 20, 3), (Mode::Variable, TypeId(8)));
        assert_eq!(r.type_at((10, 20, 3)), Some((Mode::Variable, TypeId(8))));
        r.freeze();
        assert_eq!(r.expressions(), 3);
        assert_eq!(r.type_at((10, 20, 3)), Some((Mode::Variable, TypeId(8))));
        // Taken, finished elsewhere, and given the records made since:
        // the same answers, the later record winning.
        r.types.insert((30, 31, 1), (Mode::Value, TypeId(1)));
        r.uses.push((30, ObjId(4)));
        let mut taken = std::mem::take(&mut r);
        taken.finish();
        r.types.insert((10, 20, 3), (Mode::Variable, TypeId(9)));
        r.uses.push((10, ObjId(5)));
        taken.absorb(r);
        let r = taken;
        assert_eq!(r.expressions(), 4);
        assert_eq!(r.type_at((10, 20, 3)), Some((Mode::Variable, TypeId(9))));
        assert_eq!(r.type_at((30, 31, 1)), Some((Mode::Value, TypeId(1))));
        assert_eq!(r.use_at(10), Some(ObjId(5)));
        assert_eq!(r.use_at(30), Some(ObjId(4)));
    }
}
