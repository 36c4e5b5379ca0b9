//! What the heap-growth rules (LG301–LG304) share: which slices and maps
//! of a package live long, and which of them something ever shrinks.
//!
//! A *long-lived owner* is a package variable, or a struct type of the
//! package that
//! - a package variable holds (`var srv = &Server{}`, `var srv =
//!   NewServer()`, `var inst *T` set once by a `sync.Once`), when the
//!   type is built at most once in the package (not a sentinel value of
//!   a type built everywhere),
//! - serves HTTP requests (a method takes an `*http.Request`),
//! - runs a goroutine (`go x.loop()`, or a `go func` in a method that
//!   loops on the receiver) that the function starting it does not wait
//!   for (`wg.Wait()` after the `go`: joined goroutines end with the call),
//! - or is held in a field of one of the above (one level deep).
//!
//! What runs per request or per loop iteration is found by following
//! calls to the package's functions, each callee resolved by its object in
//! the semantic model (never by a method's name alone).
//!
//! A field or package variable is *released* when anything in the
//! package's non-test code reassigns it (other than `x.f = append(x.f,
//! ...)`, a nil-guarded lazy initialisation, an assignment in `init` or
//! through a freshly built local), re-slices it, `delete`s from or
//! `clear`s it, compares its `len`/`cap` with a bound, takes its address,
//! calls a method on it, or resets or replaces its whole owner (`*s =
//! T{}`). Fields are matched by name across the package: a reset of any
//! `.f` releases every `.f`. Silence is preferred to a guess.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use crate::channels::Identity;
use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use crate::syntax::{declares, ident_name, StmtSite};
use letgo_go::ast::{Decl, Expr, FuncDecl, Spec, Stmt};
use letgo_go::symbols::TypeKind;
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::types::Type;
use letgo_types::Model;

/// Why a struct type is long-lived.
#[derive(Debug, Clone)]
pub enum Lifetime {
    /// Held by this package variable.
    Var(String),
    /// This method serves HTTP requests.
    Handler(String),
    /// This method (or a goroutine started in it) runs as a goroutine.
    Goroutine(String),
    /// Held by this field (`Owner.field`) of a long-lived type.
    HeldBy(String),
}

impl Lifetime {
    fn describe(&self) -> String {
        match self {
            Lifetime::Var(v) => format!("held by package variable `{v}`"),
            Lifetime::Handler(m) => format!("serves HTTP in `{m}`"),
            Lifetime::Goroutine(m) => format!("runs goroutine `{m}`"),
            Lifetime::HeldBy(f) => format!("held by `{f}`"),
        }
    }
}

/// A long-lived slot: a package variable or a field of a long-lived type.
#[derive(Debug, Clone)]
pub struct Place {
    /// The field or variable name.
    pub name: String,
    /// The owning struct type, for a field.
    pub owner: Option<String>,
    /// The slot's type as written, through one named type of the package
    /// (`Items` → `[]*Item`); empty when unknown.
    pub typ: String,
    /// Why it lives long, for messages.
    pub why: String,
}

impl Place {
    pub fn is_map(&self) -> bool {
        self.typ.starts_with("map[")
    }

    pub fn is_slice(&self) -> bool {
        self.typ.starts_with("[]")
    }

    /// The element type of a slice, as written.
    pub fn elem(&self) -> Option<&str> {
        self.typ.strip_prefix("[]")
    }
}

/// The long-lived owners of one package and what releases their slots.
///
/// Each part is computed on first use: most packages have no statement
/// that makes a rule ask for them, and each part walks every function.
#[derive(Debug, Default)]
pub struct Owners {
    /// Package variables: written type, and struct type when known.
    vars: HashMap<String, (String, Option<String>)>,
    long_lived: OnceLock<BTreeMap<String, Lifetime>>,
    releases: OnceLock<Releases>,
    repeating: OnceLock<Repeating>,
    test_only: OnceLock<bool>,
    /// Struct types of the package that a function running per request
    /// or event builds.
    built_repeating: OnceLock<HashSet<String>>,
}

/// What the package's non-test code does to slots.
#[derive(Debug, Default)]
struct Releases {
    /// Names (fields or package variables) something shrinks or resets.
    released: HashSet<String>,
    /// Names that a method is called on, or that are passed to a call.
    handed: HashSet<String>,
    /// Struct types whose values are reset or replaced whole.
    replaced: HashSet<String>,
    /// `delete(x, k)`: per slot, the key each one removes.
    deletes: HashMap<String, Vec<MapKey>>,
}

/// What a map key is, as far as telling two keys apart goes: the field it
/// reads (`c.id`: the field `id` by its object), or anything else (a
/// variable, a call), which could be any key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapKey {
    Field((u32, u32, u32)),
    /// `for k := range other { delete(m, k) }`: only keys that the map
    /// `other` (its slot) has.
    KeysOf(String),
    Other,
}

impl MapKey {
    /// The key expression `k` of function `i`.
    pub fn of(cx: &PackageContext, file: usize, k: &Expr) -> MapKey {
        let Some(view) = cx.types(file) else {
            return MapKey::Other;
        };
        let m = view.model();
        match k.unparen() {
            Expr::Selector(_) => view
                .object_of_expr(k)
                .filter(|&o| m.obj(o).kind == ObjKind::Field)
                .map_or(MapKey::Other, |o| MapKey::Field(m.identity(o))),
            _ => MapKey::Other,
        }
    }

    /// Whether a delete by `self` may remove what an insert by `inserted`
    /// added: unless both read fields and the fields differ, it may.
    pub fn may_match(&self, inserted: &MapKey) -> bool {
        match (self, inserted) {
            (MapKey::Field(a), MapKey::Field(b)) => a == b,
            _ => true,
        }
    }
}

#[derive(Debug, Default)]
struct Repeating {
    /// Per function of the package: whether it runs per request or per
    /// iteration of a goroutine's loop.
    functions: Vec<bool>,
    /// Goroutines with a loop that nothing else calls: only what runs in
    /// their loop repeats.
    loop_roots: HashSet<usize>,
    /// Per function: the repeating function whose call reached it
    /// (`None` for a root), for `LETGO_GROWTH_TRACE`.
    via: Vec<Option<usize>>,
}

impl Owners {
    pub fn new(cx: &PackageContext) -> Self {
        Owners {
            vars: package_vars(cx),
            ..Owners::default()
        }
    }

    fn long_lived(&self, cx: &PackageContext) -> &BTreeMap<String, Lifetime> {
        self.long_lived
            .get_or_init(|| self.find_long_lived(cx, cx.functions()))
    }

    fn releases(&self, cx: &PackageContext) -> &Releases {
        self.releases.get_or_init(|| {
            let funcs = cx.functions();
            let mut r = Releases::default();
            for (i, f) in funcs.iter().enumerate() {
                if !cx.file(f.file).is_test {
                    self.scan_assignments(cx, funcs, i, &mut r);
                    self.scan_uses(cx, funcs, i, &mut r);
                }
            }
            r
        })
    }

    fn repeating(&self, cx: &PackageContext) -> &Repeating {
        self.repeating
            .get_or_init(|| self.find_repeating(cx, cx.functions()))
    }

    /// Whether the package exists only for tests (the model's fact, over
    /// the whole run: [`crate::growth::Growth::test_only`]): nothing it
    /// holds lives longer than a test.
    pub fn test_only(&self, cx: &PackageContext) -> bool {
        *self
            .test_only
            .get_or_init(|| cx.growth().is_some_and(|g| g.test_only(cx)))
    }

    /// The long-lived slot `x` names in function `i` of `funcs`, if any.
    pub fn place(&self, cx: &PackageContext, funcs: &[Func], i: usize, x: &Expr) -> Option<Place> {
        if self.test_only(cx) {
            return None;
        }
        let src = &cx.file(funcs[i].file).src;
        match x.unparen() {
            Expr::Ident(id) => {
                let name = id.name(src);
                let (typ, _) = self.package_var(funcs, i, name, src)?;
                Some(Place {
                    name: name.to_string(),
                    owner: None,
                    typ: underlying(cx, typ),
                    why: String::new(),
                })
            }
            Expr::Selector(sel) => {
                let owner = self.type_of(cx, funcs, i, &sel.x)?;
                if test_scaffolding(cx, &owner) {
                    return None;
                }
                // A struct held by value in a field (`sb.st.ips`) lives
                // and dies with the value holding it: ask about that one.
                let holder = value_holder(cx, funcs[i].file, &sel.x);
                let why = self.lifetime_of(cx, funcs, i, holder)?;
                let name = sel.sel.name(src);
                let field = cx.package.symbols.types.get(&owner)?.field(name)?;
                Some(Place {
                    name: name.to_string(),
                    typ: underlying(cx, &field.typ),
                    owner: Some(owner),
                    why,
                })
            }
            _ => None,
        }
    }

    /// Why the value `x` (of a struct type, or a pointer to one) in
    /// function `i` lives long; `None` when nothing shows it does.
    fn lifetime_of(
        &self,
        cx: &PackageContext,
        funcs: &[Func],
        i: usize,
        x: &Expr,
    ) -> Option<String> {
        let local = self
            .type_of(cx, funcs, i, x)
            .and_then(|t| self.long_lived(cx).get(&t));
        match local {
            // Held in a field of a type whose values are built per
            // request (a back-pointer `n.s` from a network a per-request
            // server builds): the holder says nothing of how long this
            // lives.
            Some(l @ Lifetime::HeldBy(h)) => {
                let holder = h.split('.').next().unwrap_or(h);
                let g = cx.growth();
                if g.is_some_and(|g| g.type_built_per_request(cx, holder))
                    || self.built_per_event(cx, holder)
                {
                    return None;
                }
                Some(l.describe())
            }
            // A handler or goroutine type whose values are also built per
            // request: this one may live for one operation (a value held
            // in a long-lived field, a tree's node, is linked in, not
            // dropped).
            Some(l) => {
                let g = cx.growth();
                let t = self.type_of(cx, funcs, i, x).unwrap_or_default();
                if g.is_some_and(|g| g.built_per_request(cx, &funcs[i], x))
                    || self.built_per_event(cx, &t)
                {
                    return None;
                }
                Some(l.describe())
            }
            // Not shown in the package: ask the whole run.
            None => Some(cx.growth()?.long_lived(cx, &funcs[i], x)?.to_string()),
        }
    }

    /// Whether a function of the package that runs per request or event
    /// builds a value of struct type `t` (`&T{...}`, `T{...}`,
    /// `new(T)`): then values of `t` live for one operation (a download,
    /// a query), whatever goroutine runs on one, and a value living long
    /// is not shown.
    fn built_per_event(&self, cx: &PackageContext, t: &str) -> bool {
        let built = self.built_repeating.get_or_init(|| {
            let funcs = cx.functions();
            let repeating = &self.repeating(cx).functions;
            let mut out = HashSet::new();
            for (i, f) in funcs.iter().enumerate() {
                if !repeating.get(i).copied().unwrap_or(false) || cx.file(f.file).is_test {
                    continue;
                }
                let src = &cx.file(f.file).src;
                inspect(Node::Block(f.body), &mut |n| {
                    let typ = match n {
                        Node::Expr(Expr::CompositeLit(l)) => l.typ.as_ref(),
                        Node::Call(c) if ident_name(&c.fun, src) == Some("new") => c.args.first(),
                        _ => None,
                    };
                    out.extend(typ.and_then(|t| struct_type(cx, t.span().text(src))));
                    true
                });
            }
            out
        });
        built.contains(t)
    }

    /// Whether function `i` runs again and again: it serves HTTP
    /// requests, is a goroutine that loops, or is called (in the package)
    /// from one of those; or the run's call graph reaches it from a
    /// per-request or per-event entry in any package ([`crate::growth`]).
    pub fn repeats(&self, cx: &PackageContext, i: usize) -> bool {
        let r = self.repeating(cx);
        let local = r.functions.get(i).copied().unwrap_or(false);
        if local && std::env::var_os("LETGO_GROWTH_TRACE").is_some() {
            let funcs = cx.functions();
            let mut chain = vec![funcs[i].name.clone()];
            let mut at = r.via[i];
            while let Some(k) = at.filter(|_| chain.len() < 32) {
                chain.push(funcs[k].name.clone());
                at = r.via[k];
            }
            chain.reverse();
            eprintln!(
                "letgo: {} repeats in its package: {}",
                funcs[i].name,
                chain.join(" -> ")
            );
        }
        local
            // Called per request or event from another package, or
            // through calls the package alone does not show.
            || cx.growth().is_some_and(|g| {
                let f = &cx.functions()[i];
                let yes = g.repeats(cx, f);
                if yes && std::env::var_os("LETGO_GROWTH_TRACE").is_some() {
                    eprintln!("letgo: {} repeats: {}", f.name, g.chain(cx, f).join(" -> "));
                }
                yes
            })
    }

    /// Whether statement `site` of function `i` runs once per goroutine
    /// rather than per iteration: `i` is a goroutine nothing else calls,
    /// and `site` is outside its loops or right before a `return`.
    pub fn once_per_goroutine(
        &self,
        cx: &PackageContext,
        funcs: &[Func],
        i: usize,
        site: &StmtSite,
    ) -> bool {
        self.repeating(cx).loop_roots.contains(&i)
            && (!site.in_loop || followed_by_return(funcs[i].body, site.stmt))
    }

    /// Whether anything in the package shrinks, resets, bounds or hands
    /// on the slot (a `delete` aside: see [`Owners::deletes`]).
    /// `passed_counts`: a slot passed to a call counts too (a callee can
    /// delete from a map, never shorten a slice).
    pub fn released(&self, cx: &PackageContext, place: &Place, passed_counts: bool) -> bool {
        let r = self.releases(cx);
        let keys = match &place.owner {
            Some(t) => vec![format!("{t}.{}", place.name), format!(".{}", place.name)],
            None => vec![place.name.clone()],
        };
        keys.iter()
            .any(|k| r.released.contains(k) || (passed_counts && r.handed.contains(k)))
            || place.owner.as_ref().is_some_and(|t| r.replaced.contains(t))
    }

    /// The key of the slot `x` names in function `i`: `T.f` for a field
    /// of a known type, `.f` for a field of an unknown one, `v` for a
    /// package variable.
    pub(crate) fn slot_key(
        &self,
        cx: &PackageContext,
        funcs: &[Func],
        i: usize,
        x: &Expr,
    ) -> Option<String> {
        let src = &cx.file(funcs[i].file).src;
        match x.unparen() {
            Expr::Selector(s) => {
                let owner = self.type_of(cx, funcs, i, &s.x).unwrap_or_default();
                Some(format!("{owner}.{}", s.sel.name(src)))
            }
            Expr::Ident(id) => {
                let name = id.name(src);
                self.package_var(funcs, i, name, src)?;
                Some(name.to_string())
            }
            _ => None,
        }
    }

    /// Why the slot lives long, for messages.
    pub fn lifetime(place: &Place) -> String {
        match &place.owner {
            None => "it is a package variable".to_string(),
            Some(t) => format!("`{t}` is long-lived ({})", place.why),
        }
    }

    /// A package variable not shadowed in function `i`: its written type
    /// and struct type.
    fn package_var(
        &self,
        funcs: &[Func],
        i: usize,
        name: &str,
        src: &str,
    ) -> Option<&(String, Option<String>)> {
        let v = self.vars.get(name)?;
        (!declared_in_chain(funcs, i, name, src, true)).then_some(v)
    }

    /// The package struct type of `x` (or of what `x` points to) in
    /// function `i`, from the semantic model; `None` when unknown.
    fn type_of(&self, cx: &PackageContext, funcs: &[Func], i: usize, x: &Expr) -> Option<String> {
        let view = cx.types(funcs[i].file)?;
        let m = view.model();
        let t = m.deref(view.type_of(x)?);
        let Type::Named(n) = m.ty(t) else {
            return None;
        };
        let name = &m.obj(n.obj).name;
        if !declared_here(cx, m, n.obj) {
            return None;
        }
        struct_type(cx, name)
    }

    fn find_long_lived(&self, cx: &PackageContext, funcs: &[Func]) -> BTreeMap<String, Lifetime> {
        let mut found: Vec<(String, Lifetime)> = Vec::new();
        let built = constructions(cx);
        for (name, (_, t)) in &self.vars {
            // A type built in many places is not a singleton: its package
            // variable is a sentinel or a default, not the only instance.
            if let Some(t) = t
                .as_ref()
                .filter(|t| built.get(*t).copied().unwrap_or(0) <= 1)
            {
                found.push((t.clone(), Lifetime::Var(name.clone())));
            }
        }
        for (i, f) in funcs.iter().enumerate() {
            if cx.file(f.file).is_test {
                continue;
            }
            if let Some(t) = serves_http(cx, f) {
                found.push(t);
            }
            found.extend(self.goroutines(cx, funcs, i));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut long_lived = BTreeMap::new();
        for (t, why) in found {
            long_lived.entry(t).or_insert(why);
        }
        add_held(cx, &mut long_lived);
        long_lived
    }

    /// Types started as goroutines in function `i`: `go x.m()`, or a
    /// `go func` that loops in a method of the receiver's type.
    fn goroutines(&self, cx: &PackageContext, funcs: &[Func], i: usize) -> Vec<(String, Lifetime)> {
        let f = &funcs[i];
        let src = &cx.file(f.file).src;
        let mut out = Vec::new();
        // The spawner's body is walked only for a looping goroutine: every
        // closure has a parent, and most are not such goroutines.
        let spawner_waits = || {
            f.parent
                .is_some_and(|p| waits_after(cx, &funcs[p], f.body.lbrace))
        };
        if f.spawned && has_loop(f) && !spawner_waits() {
            if let Some((recv, typ)) = receiver(funcs, i, src) {
                if crate::syntax::mentions(Node::Block(f.body), recv, src) {
                    let short = f.name.rsplit('/').next().unwrap_or(&f.name);
                    out.push((typ.to_string(), Lifetime::Goroutine(short.to_string())));
                }
            }
        }
        for site in f.sites.iter().copied() {
            let Stmt::Go(g) = site.stmt else { continue };
            // The body walk of `waits_after` only for a method started.
            let Some((t, m)) = started_method(cx, f.file, &g.call) else {
                continue;
            };
            if !waits_after(cx, f, g.pos) {
                let m = format!("{t}.{m}");
                out.push((t, Lifetime::Goroutine(m)));
            }
        }
        out
    }
}

/// `go x.m()` for a method `m` of a struct type of the package, by the
/// callee's object: the type's and the method's names.
fn started_method(
    cx: &PackageContext,
    file: usize,
    call: &letgo_go::ast::CallExpr,
) -> Option<(String, String)> {
    let view = cx.types(file)?;
    let m = view.model();
    let callee = view.object_of_expr(&call.fun)?;
    if m.obj(callee).kind != ObjKind::Method || !declared_here(cx, m, callee) {
        return None;
    }
    let (_, name) = m.named(m.receiver_named(callee)?)?;
    Some((struct_type(cx, name)?, m.obj(callee).name.to_string()))
}

/// Whether object `o` is declared in a file of the package.
fn declared_here(cx: &PackageContext, m: &Model, o: ObjId) -> bool {
    m.decl_path(o).is_some() && cx.declares(o)
}

/// Adds the struct types held in fields of the long-lived types found so
/// far, one level deep: deeper chains reach per-operation values.
fn add_held(cx: &PackageContext, long_lived: &mut BTreeMap<String, Lifetime>) {
    let mut added = Vec::new();
    for owner in long_lived.keys() {
        let Some(def) = cx.package.symbols.types.get(owner) else {
            continue;
        };
        for field in def.fields.iter().filter(|f| !f.embedded) {
            if let Some(t) = struct_type(cx, &field.typ) {
                added.push((t, Lifetime::HeldBy(format!("{owner}.{}", field.name))));
            }
        }
    }
    for (t, why) in added {
        long_lived.entry(t).or_insert(why);
    }
}

impl Owners {
    /// Reassignments and whole-owner resets in function `i`.
    fn scan_assignments(&self, cx: &PackageContext, funcs: &[Func], i: usize, r: &mut Releases) {
        let f = &funcs[i];
        if is_init(&f.name) {
            return;
        }
        let src = &cx.file(f.file).src;
        let guards = nil_guards(f, src);
        for site in f.sites.iter().copied() {
            let Stmt::Assign(a) = site.stmt else { continue };
            if a.tok == Token::Define {
                continue;
            }
            for (k, lhs) in a.lhs.iter().enumerate() {
                let rhs = (a.lhs.len() == a.rhs.len()).then(|| &a.rhs[k]);
                if rhs.is_some_and(|r| grows(lhs, r, src)) || a.tok != Token::Assign {
                    continue;
                }
                let text = lhs.span().text(src);
                if guards
                    .iter()
                    .any(|(g, body)| g == text && body.contains(&a.tok_pos))
                {
                    continue;
                }
                self.note_assignment(cx, funcs, i, lhs, r);
            }
        }
    }

    fn note_assignment(
        &self,
        cx: &PackageContext,
        funcs: &[Func],
        i: usize,
        lhs: &Expr,
        r: &mut Releases,
    ) {
        let src = &cx.file(funcs[i].file).src;
        if let Expr::Star(s) = lhs.unparen() {
            // `*at = &node{}` through a `**node` sets a pointer slot
            // (a tree's link), it does not reset a node.
            if is_pointer_slot(cx, funcs[i].file, lhs) {
                return;
            }
            if let Some(t) = self.type_of(cx, funcs, i, &s.x) {
                r.replaced.insert(t);
            }
            return;
        }
        // Through a local built in this function: initialisation. A
        // local that refers to an existing value (`ws := &s.ws`) resets
        // that value's slots.
        if base_ident(lhs, src).is_some_and(|b| {
            receiver(funcs, i, src).is_none_or(|(r, _)| r != b)
                && declared_in_chain(funcs, i, b, src, false)
                && fresh_local(cx, funcs, i, b)
        }) {
            return;
        }
        // Rebinding a local (`at = &n.left` walking a tree) changes no
        // value it pointed to.
        let local =
            |id: &letgo_go::ast::Ident| declared_in_chain(funcs, i, id.name(src), src, true);
        if matches!(lhs.unparen(), Expr::Ident(id) if local(id)) {
            return;
        }
        // `m[k] = v` into a map inserts a value (`pools[name] = p`): it
        // resets no value of `v`'s type.
        if !is_map_index(cx, funcs[i].file, lhs) {
            if let Some(t) = self.type_of(cx, funcs, i, lhs) {
                r.replaced.insert(t);
            }
        }
        r.released.extend(self.slot_key(cx, funcs, i, lhs));
    }

    /// `delete`, `clear`, `len(x) > n`, `&x`, `x.M()`, `f(x)` in function
    /// `i` (not in the literals inside it, which are functions of their
    /// own).
    fn scan_uses(&self, cx: &PackageContext, funcs: &[Func], i: usize, r: &mut Releases) {
        let src = &cx.file(funcs[i].file).src;
        let mut released: Vec<&Expr> = Vec::new();
        let mut handed: Vec<&Expr> = Vec::new();
        let mut deleted: Vec<(&Expr, &Expr)> = Vec::new();
        inspect(Node::Block(funcs[i].body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Call(c) if ident_name(&c.fun, src) == Some("delete") => {
                    if let [m, k] = &c.args[..] {
                        deleted.push((m, k));
                    }
                }
                Node::Call(c) => note_call(c, src, &mut released, &mut handed),
                Node::Expr(Expr::Binary(b)) if is_comparison(b.op) => {
                    for (side, other) in [(&b.x, &b.y), (&b.y, &b.x)] {
                        if let Some(x) = len_or_cap(side, src) {
                            if !is_zero(other, src) {
                                released.push(x);
                            }
                        }
                    }
                }
                Node::Expr(Expr::Unary(u)) if u.op == Token::And => released.push(&u.x),
                _ => {}
            }
            true
        });
        for x in released {
            r.released.extend(self.slot_key(cx, funcs, i, x));
        }
        for x in handed {
            r.handed.extend(self.slot_key(cx, funcs, i, x));
        }
        for (x, k) in deleted {
            if let Some(slot) = self.slot_key(cx, funcs, i, x) {
                let key = match self.ranged_from(cx, funcs, i, k) {
                    Some(other) if other != slot => MapKey::KeysOf(other),
                    _ => MapKey::of(cx, funcs[i].file, k),
                };
                r.deletes.entry(slot).or_default().push(key);
            }
        }
    }

    /// The slot of the map `k` is the key of a `range` over, in function
    /// `i` (`for k := range t.other`).
    fn ranged_from(
        &self,
        cx: &PackageContext,
        funcs: &[Func],
        i: usize,
        k: &Expr,
    ) -> Option<String> {
        let view = cx.types(funcs[i].file)?;
        let Expr::Ident(id) = k.unparen() else {
            return None;
        };
        let obj = view.object_of(id)?;
        funcs[i].sites.iter().find_map(|site| {
            let Stmt::Range(r) = site.stmt else {
                return None;
            };
            let binds = matches!(r.key.as_ref().map(Expr::unparen),
                Some(Expr::Ident(rk)) if view.object_of(rk) == Some(obj));
            let m = view.model();
            let is_map = view
                .type_of(&r.x)
                .is_some_and(|t| matches!(m.ty(m.under_ro(t)), Type::Map(..)));
            (binds && is_map)
                .then(|| self.slot_key(cx, funcs, i, &r.x))
                .flatten()
        })
    }

    /// The keys `delete` removes from the slot anywhere in the package's
    /// non-test code (empty: nothing deletes from it).
    pub fn deletes(&self, cx: &PackageContext, place: &Place) -> Vec<MapKey> {
        let r = self.releases(cx);
        self.slot_keys(place)
            .iter()
            .filter_map(|k| r.deletes.get(k))
            .flatten()
            .cloned()
            .collect()
    }

    fn slot_keys(&self, place: &Place) -> Vec<String> {
        match &place.owner {
            Some(t) => vec![format!("{t}.{}", place.name), format!(".{}", place.name)],
            None => vec![place.name.clone()],
        }
    }
}

/// Whether struct type `owner` of the package is test scaffolding: its
/// package is test support by its path, or it holds a `*testing.T`
/// (`TB`, `B`, `F`) or embeds a testify `suite.Suite`. Such a value lives for one test, in whatever file it is
/// declared (a fake server under `test/`, a suite in a helper package):
/// what it records is dropped with the test.
pub fn test_scaffolding(cx: &PackageContext, owner: &str) -> bool {
    if test_support_package(cx) {
        return true;
    }
    let Some(def) = cx.package.symbols.types.get(owner) else {
        return false;
    };
    let file = def.at.file;
    let testing = cx.import_name(file, "testing");
    let suite = cx.import_name(file, "github.com/stretchr/testify/suite");
    def.fields.iter().any(|f| {
        let Some((q, name)) = f.typ.trim_start_matches('*').split_once('.') else {
            return false;
        };
        (Some(q) == testing && matches!(name, "T" | "TB" | "B" | "F"))
            || (Some(q) == suite && name == "Suite")
    }) || holds_test_reporter(cx, owner)
}

/// Whether struct type `owner` of the package has a field of an
/// interface type that stands for a test's `*testing.T`: its methods
/// include `Helper` (only `testing`'s types have it) and one that fails
/// the test (`Fatal`, `Fatalf`, `Error`, `Errorf`, `FailNow`). A test
/// double shipped in a library (a mock broker taking such a reporter)
/// is made by tests, and what it records lives for one test. Loggers
/// with `Errorf`/`Fatalf` have no `Helper`.
fn holds_test_reporter(cx: &PackageContext, owner: &str) -> bool {
    let Some(view) = (0..cx.package.files.len()).find_map(|f| cx.types(f)) else {
        return false;
    };
    let m = view.model();
    let p = m.file_pkgs[view.file_id().0 as usize];
    let Some(t) = m.lookup_parent(m.packages[p.0 as usize].scope, owner) else {
        return false;
    };
    let Type::Struct(fields) = m.ty(m.under_ro(m.obj(t).typ)) else {
        return false;
    };
    fields.iter().any(|f| {
        let Type::Interface(i) = m.ty(m.under_ro(m.obj(f.obj).typ)) else {
            return false;
        };
        let names: Vec<&str> = i.methods.iter().map(|&o| &*m.obj(o).name).collect();
        names.contains(&"Helper")
            && names
                .iter()
                .any(|n| matches!(*n, "Fatal" | "Fatalf" | "Error" | "Errorf" | "FailNow"))
    })
}

/// Whether the package is test support by its import path: a segment
/// `test`, `tests` or `e2e`, or one that starts with `test`, `fake` or
/// `mock` or ends with `testing` or `testutil` (`test/workers`,
/// `testutil`, `grpctesting`, `fakeserver`; not `latest`). Go code puts fakes, suites
/// and harnesses there; what they record lives for a test run.
pub(crate) fn test_support_package(cx: &PackageContext) -> bool {
    let path = cx
        .package
        .import_path
        .as_deref()
        .unwrap_or(&cx.package.name);
    path.split('/').any(|seg| {
        let seg = seg.to_ascii_lowercase();
        matches!(seg.as_str(), "test" | "tests" | "e2e")
            || ["test", "fake", "mock"].iter().any(|p| seg.starts_with(p))
            || ["testing", "testutil"].iter().any(|p| seg.ends_with(p))
    }) || under_test_helper(cx, path)
}

/// Whether `path` lies in (or is) a test-helper package named as the
/// standard library names its own (`net/http/httptest`, `testing/fstest`,
/// `testing/iotest`): a segment ending in `test` whose package, checked
/// with this one, imports `testing` in its non-test files. The import
/// tells it from a word that merely ends so (`latest`, `contest`): a
/// package that hands out `*testing.T` helpers serves tests, and so does
/// what lies below it (a test runner's report in `fstest/runs`).
fn under_test_helper(cx: &PackageContext, path: &str) -> bool {
    let Some(view) = (0..cx.package.files.len()).find_map(|f| cx.types(f)) else {
        return false;
    };
    let m = view.model();
    let segs: Vec<&str> = path.split('/').collect();
    (0..segs.len()).any(|i| {
        let seg = segs[i].to_ascii_lowercase();
        if seg.len() <= 4 || !seg.ends_with("test") {
            return false;
        }
        let prefix = segs[..=i].join("/");
        m.packages.iter().filter(|p| p.path == prefix).any(|p| {
            p.files.iter().any(|f| {
                let sf = &m.files[f.0 as usize];
                !sf.path.to_string_lossy().ends_with("_test.go")
                    && sf.ast.imports().any(|i| i.path_value(&sf.src) == "testing")
            })
        })
    })
}

/// The value whose lifetime `x` shares: `x` itself, or, while `x` is a
/// field holding a struct by value (`sb.st`), the value holding it (`sb`).
/// A struct field is part of its holder's memory, never freed apart.
fn value_holder<'x>(cx: &PackageContext, file: usize, x: &'x Expr) -> &'x Expr {
    let Some(view) = cx.types(file) else {
        return x;
    };
    let m = view.model();
    let mut at = x;
    while let Expr::Selector(s) = at.unparen() {
        let by_value = view
            .object_of_expr(at)
            .filter(|&o| m.obj(o).kind == ObjKind::Field)
            .is_some_and(|o| {
                let t = m.obj(o).typ;
                matches!(m.ty(t), Type::Named(_)) && matches!(m.ty(m.under_ro(t)), Type::Struct(_))
            });
        if !by_value {
            break;
        }
        at = &s.x;
    }
    at
}

/// Whether `x` is `m[k]` with `m` a map, by the model.
fn is_map_index(cx: &PackageContext, file: usize, x: &Expr) -> bool {
    let Expr::Index(ix) = x.unparen() else {
        return false;
    };
    cx.types(file).is_some_and(|v| {
        let m = v.model();
        v.type_of(&ix.x)
            .is_some_and(|t| matches!(m.ty(m.under_ro(t)), Type::Map(..)))
    })
}

/// Whether `x` (a `*p` being assigned) has a pointer type, by the model.
fn is_pointer_slot(cx: &PackageContext, file: usize, x: &Expr) -> bool {
    cx.types(file).is_some_and(|v| {
        v.type_of(x)
            .is_some_and(|t| matches!(v.model().ty(t), Type::Pointer(_)))
    })
}

/// `clear(x)` releases `x` (`delete(x, k)` is kept apart, with its key);
/// `x.M()` and `f(x)` hand it on.
fn note_call<'a>(
    c: &'a letgo_go::ast::CallExpr,
    src: &str,
    released: &mut Vec<&'a Expr>,
    handed: &mut Vec<&'a Expr>,
) {
    match ident_name(&c.fun, src) {
        Some("clear") => {
            released.extend(c.args.first());
            return;
        }
        Some("len" | "cap" | "append" | "copy" | "make" | "new" | "print" | "println") => return,
        _ => {}
    }
    if let Expr::Selector(sel) = c.fun.unparen() {
        handed.push(&sel.x);
    }
    handed.extend(c.args.iter());
}

/// Package variables (outside tests): written type, and the package
/// struct type they hold, from the declared type or the initial value.
fn package_vars(cx: &PackageContext) -> HashMap<String, (String, Option<String>)> {
    let mut out = HashMap::new();
    for (_, sf) in cx.files().filter(|(_, sf)| !sf.is_test) {
        for decl in &sf.ast.decls {
            let Decl::Gen(g) = decl else { continue };
            if g.tok != Token::Var {
                continue;
            }
            for spec in &g.specs {
                let Spec::Value(v) = spec else { continue };
                for (k, name) in v.names.iter().enumerate() {
                    let value = v.values.get(k);
                    let written = match (&v.typ, value) {
                        (Some(t), _) => t.span().text(&sf.src).to_string(),
                        (None, Some(x)) => value_type(x, &sf.src),
                        (None, None) => String::new(),
                    };
                    let st = struct_type(cx, &written)
                        .or_else(|| value.and_then(|x| constructed(cx, x, &sf.src)));
                    out.insert(name.name(&sf.src).to_string(), (written, st));
                }
            }
        }
    }
    out
}

/// How many times each struct type of the package is built in non-test
/// code: `T{...}`, `&T{...}`, `new(T)`.
fn constructions(cx: &PackageContext) -> HashMap<String, usize> {
    let mut out: HashMap<String, usize> = HashMap::new();
    for (_, sf) in cx.files().filter(|(_, sf)| !sf.is_test) {
        let src = &sf.src;
        inspect(Node::File(&sf.ast), &mut |n| {
            let typ = match n {
                Node::Expr(Expr::CompositeLit(l)) => l.typ.as_ref(),
                Node::Call(c) if ident_name(&c.fun, src) == Some("new") => c.args.first(),
                _ => None,
            };
            if let Some(t) = typ.and_then(|t| struct_type(cx, t.span().text(src))) {
                *out.entry(t).or_default() += 1;
            }
            true
        });
    }
    out
}

/// The type an initial value spells: `[]T{}`, `make(map[K]V)`, `new(T)`.
fn value_type(x: &Expr, src: &str) -> String {
    match x.unparen() {
        Expr::CompositeLit(l) => l.typ.as_ref().map_or("", |t| t.span().text(src)).into(),
        Expr::Unary(u) if u.op == Token::And => match u.x.unparen() {
            Expr::CompositeLit(l) => l
                .typ
                .as_ref()
                .map_or(String::new(), |t| format!("*{}", t.span().text(src))),
            _ => String::new(),
        },
        Expr::Call(c) if matches!(ident_name(&c.fun, src), Some("make" | "new")) => {
            let t = c.args.first().map_or("", |t| t.span().text(src));
            match ident_name(&c.fun, src) {
                Some("new") => format!("*{t}"),
                _ => t.to_string(),
            }
        }
        _ => String::new(),
    }
}

/// The struct type a package function called in `x` returns (`NewT()`).
fn constructed(cx: &PackageContext, x: &Expr, src: &str) -> Option<String> {
    let Expr::Call(c) = x.unparen() else {
        return None;
    };
    let fref = cx.package.symbols.funcs.get(ident_name(&c.fun, src)?)?;
    let sf = cx.file(fref.at.file);
    let Decl::Func(fd) = sf.ast.decls.get(fref.decl)? else {
        return None;
    };
    let first = fd.typ.results.as_ref()?.list.first()?;
    struct_type(cx, first.typ.span().text(&sf.src))
}

/// `T` or `*T` for a struct type `T` of the package.
fn struct_type(cx: &PackageContext, written: &str) -> Option<String> {
    let base = written.trim_start_matches('*');
    let base = base.split('[').next().unwrap_or(base);
    let def = cx.package.symbols.types.get(base)?;
    (def.kind == TypeKind::Struct).then(|| base.to_string())
}

/// A named slice or map type of the package, replaced by what it names.
fn underlying(cx: &PackageContext, written: &str) -> String {
    match cx.package.symbols.types.get(written) {
        Some(def) if def.kind == TypeKind::Other && !def.generic => def.typ.clone(),
        _ => written.to_string(),
    }
}

/// `x = append(x, ...)`.
pub fn grows(lhs: &Expr, rhs: &Expr, src: &str) -> bool {
    let Expr::Call(c) = rhs.unparen() else {
        return false;
    };
    ident_name(&c.fun, src) == Some("append")
        && c.args
            .first()
            .is_some_and(|a| a.unparen().span().text(src) == lhs.unparen().span().text(src))
}

/// The receiver name and base type of the method function `i` is (or is
/// a closure inside).
pub fn receiver<'s>(funcs: &[Func], i: usize, src: &'s str) -> Option<(&'s str, &'s str)> {
    let mut f = &funcs[i];
    while let Some(p) = f.parent {
        f = &funcs[p];
    }
    let FuncKind::Decl(d) = f.kind else {
        return None;
    };
    let field = d.recv.as_ref()?.list.first()?;
    let name = field.names.first()?.name(src);
    let (typ, _) = letgo_go::symbols::receiver_base(&field.typ, src);
    Some((name, typ))
}

/// Whether `name` is declared in function `i` or a function enclosing
/// it; `with_params` counts parameters and receivers too.
fn declared_in_chain(funcs: &[Func], i: usize, name: &str, src: &str, with_params: bool) -> bool {
    let mut at = Some(i);
    while let Some(k) = at {
        let f = &funcs[k];
        let found = if with_params {
            declares(f, name, src)
        } else {
            declares_locally(f, name, src)
        };
        if found {
            return true;
        }
        at = f.parent;
    }
    false
}

/// Whether the local `name` of function `i` (or an enclosing one) holds a
/// value built there: `x := &T{...}`, `x := T{}`, `x := new(T)`,
/// `x := NewT()`, `var x T`.
fn fresh_local(cx: &PackageContext, funcs: &[Func], i: usize, name: &str) -> bool {
    let src = &cx.file(funcs[i].file).src;
    let mut at = Some(i);
    while let Some(k) = at {
        for site in funcs[k].sites.iter().copied() {
            match site.stmt {
                Stmt::Assign(a) if a.tok == Token::Define => {
                    if let Some(at) = a.lhs.iter().position(|l| ident_name(l, src) == Some(name)) {
                        return a.lhs.len() == a.rhs.len() && builds(cx, &a.rhs[at], src);
                    }
                }
                Stmt::Decl(g) => {
                    for sp in &g.specs {
                        let Spec::Value(v) = sp else { continue };
                        if let Some(at) = v.names.iter().position(|n| n.name(src) == name) {
                            return v.values.is_empty()
                                || v.values.get(at).is_some_and(|x| builds(cx, x, src));
                        }
                    }
                }
                _ => {}
            }
        }
        at = funcs[k].parent;
    }
    false
}

/// `T{...}`, `&T{...}`, `new(T)`, `make(...)` or a package function
/// returning a struct of the package (`NewT()`).
fn builds(cx: &PackageContext, x: &Expr, src: &str) -> bool {
    !value_type(x, src).is_empty() || constructed(cx, x, src).is_some()
}

/// `name := ...` or `var name` in the body of `f` itself.
fn declares_locally(f: &Func, name: &str, src: &str) -> bool {
    f.sites.iter().any(|site| match site.stmt {
        Stmt::Assign(a) if a.tok == Token::Define => {
            a.lhs.iter().any(|l| ident_name(l, src) == Some(name))
        }
        Stmt::Decl(g) => g
            .specs
            .iter()
            .any(|sp| matches!(sp, Spec::Value(v) if v.names.iter().any(|n| n.name(src) == name))),
        _ => false,
    })
}

/// `init` and the closures inside it, which run once.
pub fn is_init(func: &str) -> bool {
    func.ends_with(".init") || func.contains(".init.")
}

/// The innermost identifier of `a.b.c`, `a[i].b`, `(*a).b`.
fn base_ident<'s>(x: &Expr, src: &'s str) -> Option<&'s str> {
    match x.unparen() {
        Expr::Ident(id) => Some(id.name(src)),
        Expr::Selector(s) => base_ident(&s.x, src),
        Expr::Index(ix) => base_ident(&ix.x, src),
        Expr::Star(s) => base_ident(&s.x, src),
        _ => None,
    }
}

/// `x` of `len(x)` or `cap(x)`.
fn len_or_cap<'x>(x: &'x Expr, src: &str) -> Option<&'x Expr> {
    let Expr::Call(c) = x.unparen() else {
        return None;
    };
    matches!(ident_name(&c.fun, src), Some("len" | "cap"))
        .then(|| c.args.first())
        .flatten()
}

fn is_comparison(op: Token) -> bool {
    matches!(
        op,
        Token::Lss | Token::Gtr | Token::Leq | Token::Geq | Token::Eql | Token::Neq
    )
}

fn is_zero(x: &Expr, src: &str) -> bool {
    matches!(x.unparen(), Expr::BasicLit(l) if l.value(src) == "0")
}

/// `if x == nil { ... }` in `f`: the text of `x` and the body's range.
fn nil_guards(f: &Func, src: &str) -> Vec<(String, std::ops::Range<u32>)> {
    let mut out = Vec::new();
    for site in f.sites.iter().copied() {
        let Stmt::If(s) = site.stmt else { continue };
        let body = s.body.lbrace..s.body.rbrace.unwrap_or(u32::MAX);
        inspect(Node::expr(&s.cond), &mut |n| {
            if let Node::Expr(Expr::Binary(b)) = n {
                if b.op == Token::Eql && b.y.unparen().span().text(src) == "nil" {
                    out.push((b.x.unparen().span().text(src).to_string(), body.clone()));
                }
            }
            true
        });
    }
    out
}

/// A method taking an `*http.Request`: its type serves requests.
fn serves_http(cx: &PackageContext, f: &Func) -> Option<(String, Lifetime)> {
    let FuncKind::Decl(d) = f.kind else {
        return None;
    };
    let src = &cx.file(f.file).src;
    let (typ, _) = recv_type(d, src)?;
    takes_request(cx, f).then(|| {
        (
            typ.to_string(),
            Lifetime::Handler(format!("{typ}.{}", d.name.name(src))),
        )
    })
}

fn recv_type<'s>(d: &FuncDecl, src: &'s str) -> Option<(&'s str, bool)> {
    let field = d.recv.as_ref()?.list.first()?;
    Some(letgo_go::symbols::receiver_base(&field.typ, src))
}

/// Whether function `f` waits on a `sync.WaitGroup` after offset `pos`
/// (not in a closure): the goroutines it started there end before it
/// returns, and say nothing of how long their owner lives (a multipart
/// upload's workers, joined before the upload returns).
fn waits_after(cx: &PackageContext, f: &Func, pos: u32) -> bool {
    cx.types(f.file)
        .is_some_and(|view| waits_on_group_after(view.model(), view.file_id(), f.body, pos))
}

/// [`waits_after`] from the model alone: whether `body` (in `file`) calls
/// `Wait` on a `sync.WaitGroup` after offset `pos`, outside closures.
pub(crate) fn waits_on_group_after(
    m: &letgo_types::Model,
    file: letgo_types::model::FileId,
    body: &letgo_go::ast::BlockStmt,
    pos: u32,
) -> bool {
    let mut waits = false;
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Call(c) if c.fun.pos() > pos => {
            if let Expr::Selector(s) = c.fun.unparen() {
                waits |= m.use_at(file, s.sel.pos).is_some_and(|w| {
                    m.is_func(w, "sync", "Wait")
                        && m.receiver_named(w)
                            .is_some_and(|t| m.is_named(m.deref(t), "sync", "WaitGroup"))
                });
            }
            !waits
        }
        _ => !waits,
    });
    waits
}

/// Whether the function's own body has a `for` loop.
fn has_loop(f: &Func) -> bool {
    f.sites
        .iter()
        .any(|s| matches!(s.stmt, Stmt::For(_) | Stmt::Range(_)))
}

impl Owners {
    /// Which functions run per request or per loop iteration of a
    /// goroutine: the roots (a function taking an `*http.Request`, a
    /// goroutine with a loop) and everything they reach by same-package
    /// calls, closures included.
    fn find_repeating(&self, cx: &PackageContext, funcs: &[Func]) -> Repeating {
        let decls = declared_functions(cx, funcs);
        let mut started: HashSet<usize> = HashSet::new();
        // A test's goroutines and handlers run for one test: what they
        // call does not repeat in the program (as across packages,
        // crate::growth leaves test files out).
        let in_test = |f: &Func| cx.file(f.file).is_test;
        for (i, f) in funcs.iter().enumerate().filter(|(_, f)| !in_test(f)) {
            for site in f.sites.iter().copied() {
                if let Stmt::Go(g) = site.stmt {
                    started.extend(self.callees(cx, funcs, i, &g.call, &decls));
                }
            }
        }
        let work: Vec<usize> = (0..funcs.len())
            .filter(|&i| {
                let f = &funcs[i];
                !in_test(f)
                    && (takes_request(cx, f)
                        || ((f.spawned || started.contains(&i)) && has_loop(f)))
            })
            .collect();
        let roots: HashSet<usize> = work
            .iter()
            .copied()
            .filter(|&i| !takes_request(cx, &funcs[i]))
            .collect();
        let mut seen = vec![false; funcs.len()];
        let mut via = vec![None; funcs.len()];
        let mut called = HashSet::new();
        let mut work: Vec<(usize, Option<usize>)> = work.into_iter().map(|i| (i, None)).collect();
        while let Some((i, from)) = work.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            via[i] = from;
            inspect(Node::Block(funcs[i].body), &mut |n| {
                if let Node::Call(c) = n {
                    let next = self.callees(cx, funcs, i, c, &decls);
                    called.extend(next.iter().copied());
                    work.extend(next.map(|k| (k, Some(i))));
                }
                true
            });
            work.extend(
                (0..funcs.len())
                    .filter(|&k| funcs[k].parent == Some(i))
                    .map(|k| (k, Some(i))),
            );
        }
        Repeating {
            functions: seen,
            loop_roots: roots.difference(&called).copied().collect(),
            via,
        }
    }

    /// The package function a call in function `i` runs: the callee's
    /// object, from the semantic model, among the package's declared
    /// functions. `s.n.Add(1)` on an `atomic.Int64` is sync/atomic's
    /// method, whatever methods of the package are called `Add`; calls
    /// through interfaces and function values resolve to none.
    fn callees(
        &self,
        cx: &PackageContext,
        funcs: &[Func],
        i: usize,
        c: &letgo_go::ast::CallExpr,
        decls: &HashMap<Identity, usize>,
    ) -> Option<usize> {
        let view = cx.types(funcs[i].file)?;
        let callee = view.object_of_expr(&c.fun)?;
        decls.get(&view.model().identity(callee)).copied()
    }
}

/// The package's declared functions and methods by their objects'
/// identities.
fn declared_functions(cx: &PackageContext, funcs: &[Func]) -> HashMap<Identity, usize> {
    let mut out = HashMap::new();
    for (i, f) in funcs.iter().enumerate() {
        let FuncKind::Decl(d) = f.kind else { continue };
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        if let Some(o) = view.object_of(&d.name) {
            out.insert(view.model().identity(o), i);
        }
    }
    out
}

/// Whether `f` takes an `*http.Request`.
fn takes_request(cx: &PackageContext, f: &Func) -> bool {
    let Some(http) = cx.import_name(f.file, "net/http") else {
        return false;
    };
    let src = &cx.file(f.file).src;
    let request = format!("*{http}.Request");
    f.typ
        .params
        .list
        .iter()
        .any(|p| p.typ.span().text(src) == request)
}

/// Whether `stmt` is directly followed, in its statement list, by a
/// `return`.
fn followed_by_return(body: &letgo_go::ast::BlockStmt, stmt: &Stmt) -> bool {
    let check = |list: &[Stmt]| {
        list.iter()
            .position(|s| std::ptr::eq(s, stmt))
            .is_some_and(|k| list[k + 1..].iter().any(|s| matches!(s, Stmt::Return(_))))
    };
    let mut found = check(&body.list);
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Block(b) => found |= check(&b.list),
            Node::CaseClause(c) => found |= check(&c.body),
            Node::CommClause(c) => found |= check(&c.body),
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => {}
        }
        !found
    });
    found
}

/// Whether `x` (`s.f`) fills the receiver of an unexported method that
/// only initialises values being built: every call of the method in the
/// package (where all its calls are) is on a local its caller built
/// there (`s := &Store{...}; s.init()`), or on the receiver of a method
/// that is itself such an initialiser (`init` calling
/// `s.storeForPeriod(p)` once per configured period). Like an append to
/// a value built in the same function, that is initialising a fresh
/// value, bounded by its constructor's own work.
pub fn initialises(cx: &PackageContext, funcs: &[Func], i: usize, x: &Expr) -> bool {
    let src = &cx.file(funcs[i].file).src;
    let Some((recv, _)) = receiver(funcs, i, src) else {
        return false;
    };
    matches!(x.unparen(), Expr::Selector(_) | Expr::Index(_))
        && base_ident(x, src) == Some(recv)
        && init_method(cx, funcs, outermost(funcs, i), 3)
}

fn outermost(funcs: &[Func], mut i: usize) -> usize {
    while let Some(p) = funcs[i].parent {
        i = p;
    }
    i
}

/// Whether declared method `i` is unexported and every call of it in
/// the package is on a value its caller built, or on the receiver of a
/// method that is such an initialiser itself (`depth` levels up), and
/// none starts it as a goroutine.
fn init_method(cx: &PackageContext, funcs: &[Func], i: usize, depth: usize) -> bool {
    let FuncKind::Decl(d) = funcs[i].kind else {
        return false;
    };
    let src = &cx.file(funcs[i].file).src;
    let name = d.name.name(src);
    let exported = name.chars().next().is_some_and(char::is_uppercase);
    let Some(me) = cx.types(funcs[i].file).and_then(|v| v.object_of(&d.name)) else {
        return false;
    };
    if depth == 0 || exported || d.recv.is_none() {
        return false;
    }
    let mut calls = 0;
    let mut all = true;
    for (k, g) in funcs.iter().enumerate() {
        let Some(view) = cx.types(g.file) else {
            return false;
        };
        let gsrc = &cx.file(g.file).src;
        inspect(Node::Block(g.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                // A goroutine started on a fresh value runs for that
                // value's life: an event loop, not an initialiser.
                Node::Stmt(Stmt::Go(g)) if view.object_of_expr(&g.call.fun) == Some(me) => {
                    all = false;
                }
                Node::Call(c) if view.object_of_expr(&c.fun) == Some(me) => {
                    calls += 1;
                    let base = match c.fun.unparen() {
                        Expr::Selector(sel) => base_ident(&sel.x, gsrc),
                        _ => None,
                    };
                    all &= base.is_some_and(|b| {
                        let on_recv = receiver(funcs, k, gsrc).is_some_and(|(r, _)| r == b);
                        if on_recv {
                            let top = outermost(funcs, k);
                            top != i && init_method(cx, funcs, top, depth - 1)
                        } else {
                            declared_in_chain(funcs, k, b, gsrc, false)
                                && fresh_local(cx, funcs, k, b)
                        }
                    });
                }
                _ => {}
            }
            all
        });
        if !all {
            return false;
        }
    }
    calls > 0
}

impl Owners {
    /// Whether `x` (`w.f`, `w.f[k]`) is reached through a local of
    /// function `i` that holds a value built there (`w := &T{...}`,
    /// `new(T)`, `NewT()`): filling a fresh value is initialising it,
    /// bounded by the function's own work, not growth of a long-lived
    /// owner (a constructor appending one entry per option).
    pub fn built_here(cx: &PackageContext, funcs: &[Func], i: usize, x: &Expr) -> bool {
        let src = &cx.file(funcs[i].file).src;
        matches!(x.unparen(), Expr::Selector(_) | Expr::Index(_))
            && base_ident(x, src).is_some_and(|b| {
                receiver(funcs, i, src).is_none_or(|(r, _)| r != b)
                    && declared_in_chain(funcs, i, b, src, false)
                    && fresh_local(cx, funcs, i, b)
            })
    }
}
