//! LG108 nil-channel-op.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::Func;
use crate::registry::Rule;
use letgo_go::ast::{Expr, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::types::Type;
use letgo_types::FileView;
use std::collections::{HashMap, HashSet};

pub const RULE: Rule = Rule {
    code: "LG108",
    name: "nil-channel-op",
    summary: "a send, receive or `range` on a channel that is always nil there",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG108 nil-channel-op

## What it does
Flags a send, a receive or a `for range` on a channel that is nil on
every path to it, and a `select` without `default` whose every case is on
such a channel. A channel is known to be nil when:
- it is a local variable, an unexported package variable or an
  unexported struct field (of a struct type of the package) that nothing
  ever sets to anything but `nil`: no assignment of another value, no
  composite literal that sets it (by key or by position), no conversion
  into its struct type, no `&` of it, no `range` that assigns it. Only the
  package can write such a field or variable, so the whole package is the
  whole story (save `unsafe`);
- or, for a local variable that no function literal writes and whose
  address is never taken, the operation comes after `var c chan T` or
  `c = nil` in the same statement list with nothing in between that
  mentions `c` (and no label to jump in).

An operation inside `if c != nil { ... }` (a conjunct of the
condition) on that same never-set channel never runs: it is dead code,
not a block, and is not reported; it stays this rule's, so the rules
that judge partners leave it alone too.

Variables and fields are program objects from the semantic model: a
field of the same name in another struct type, or a shadowing variable,
is another channel. An operation in `main.main` itself is not flagged:
parking the main goroutine forever is how some programs keep serving.
Inside a `select`, a nil case is only disabled (a common way to switch a
case off), so a `select` is flagged only when every case is nil and there
is no `default`. LG101, LG102 and LG107 leave such operations to this
rule: the channel's missing partner matters less than its missing
`make`.

## Why is this bad?
A send to or receive from a nil channel blocks forever, and so does a
`range` over one. The goroutine is never freed, with everything it
references; in the main goroutine the program deadlocks.

## Example
```go
type worker struct {
	results chan int // never made
}

func (w *worker) run() {
	go func() {
		w.results <- compute() // blocks forever: w.results is nil
	}()
}
```

## Use instead
```go
func newWorker() *worker {
	return &worker{results: make(chan int, 1)}
}
```

## Fix safety
No automatic fix: which `make` (and what buffer) the channel needs is a
design decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    // A channel operation is written `<-`, or is a `range` over a value
    // of a channel type, spelled `chan` where it is declared: a package
    // with neither has nothing to judge.
    if !cx
        .files()
        .any(|(_, sf)| sf.src.contains("<-") || sf.src.contains("chan"))
    {
        return;
    }
    // What the package writes, read once a function may hold an
    // operation.
    let mut seen = HashSet::new();
    for f in cx.functions() {
        if f.name == "main.main" || !may_operate(f, &cx.file(f.file).src) {
            continue;
        }
        let writes = Writes::of(cx);
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let fc = FuncCheck {
            claim_checked: false,
            cx,
            f,
            view,
            writes,
        };
        for (span, msg) in fc.findings() {
            if seen.insert((f.file, span.start)) {
                let d = Diagnostic::new(RULE.code, span, msg).in_function(&f.name);
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d,
                });
            }
        }
    }
}

/// Whether this rule flags an operation (or `select`) starting at offset
/// `at` of file `file`: the rules that judge a channel by its partners
/// (LG101, LG102, LG104, LG107) leave a nil channel to this one, whose
/// reason is the cause (no `make`) and whose fix is another.
pub(crate) fn flags_at(cx: &PackageContext, file: usize, at: u32) -> bool {
    let Some(view) = cx.types(file) else {
        return false;
    };
    let writes = Writes::of(cx);
    cx.functions()
        .iter()
        .filter(|f| f.file == file && f.name != "main.main")
        .filter(|f| f.body.lbrace <= at && at < f.body.end())
        .any(|f| {
            let fc = FuncCheck {
                claim_checked: true,
                cx,
                f,
                view,
                writes,
            };
            fc.findings().iter().any(|(span, _)| span.start == at)
        })
}

/// Whether `f`'s text may hold a channel operation: a send or receive is
/// written `<-` (a `select` case too), the rest is a `range`. Most
/// functions hold neither, and a text search is much cheaper than a walk.
fn may_operate(f: &Func, src: &str) -> bool {
    let text = f.body.span_text(src);
    text.is_empty() || text.contains("<-") || text.contains("range")
}

/// An object's identity in the semantic model.
type Identity = (u32, u32, u32);

/// What the package writes to its channel variables and fields.
#[derive(Default)]
pub(crate) struct Writes {
    /// Objects declared here with no value or `nil` (locals, unexported
    /// package variables, unexported fields of the package's structs).
    declared_nil: HashSet<Identity>,
    /// Objects that something sets to a value that may not be nil.
    non_nil: HashSet<Identity>,
    /// Objects whose address is taken: any code may write them.
    addressed: HashSet<Identity>,
    /// For each object, the functions (body offsets) that write it.
    writers: HashMap<Identity, HashSet<(usize, u32)>>,
    /// Fields and package variables: any file of the package may write
    /// them.
    shared: HashSet<Identity>,
    /// Every file of the package was checked by the model.
    complete: bool,
}

impl Writes {
    /// The package's writes, collected once per package (the channel
    /// rules ask at each operation they would report).
    fn of<'c>(cx: &'c PackageContext) -> &'c Writes {
        cx.nil_writes.get_or_init(|| Writes::collect(cx))
    }

    fn collect(cx: &PackageContext) -> Writes {
        let mut w = Writes {
            complete: cx.files().all(|(fi, _)| cx.types(fi).is_some()),
            ..Writes::default()
        };
        let bodies: Vec<(usize, u32, u32)> = cx
            .functions()
            .iter()
            .map(|f| (f.file, f.body.lbrace, f.body.end()))
            .collect();
        for (fi, sf) in cx.files() {
            let Some(view) = cx.types(fi) else { continue };
            let mut fw = FileWrites {
                w: &mut w,
                view,
                file: fi,
                bodies: &bodies,
            };
            inspect(Node::File(&sf.ast), &mut |n| {
                fw.node(n);
                true
            });
        }
        w
    }

    /// Always nil: declared nil and never set to anything else.
    fn always_nil(&self, id: Identity) -> bool {
        self.declared_nil.contains(&id)
            && !self.non_nil.contains(&id)
            && (self.complete || !self.shared.contains(&id))
    }
}

struct FileWrites<'w, 'v> {
    w: &'w mut Writes,
    view: FileView<'v>,
    file: usize,
    bodies: &'w [(usize, u32, u32)],
}

impl FileWrites<'_, '_> {
    fn node(&mut self, n: Node) {
        match n {
            Node::Spec(Spec::Value(v)) => {
                let all = v.values.len() == v.names.len();
                for (k, name) in v.names.iter().enumerate() {
                    let nil = v.values.is_empty() || (all && is_nil(&self.view, &v.values[k]));
                    self.write_ident(name, nil, name.pos);
                }
            }
            Node::Stmt(Stmt::Assign(a)) => {
                let pairs = a.lhs.len() == a.rhs.len();
                for (i, l) in a.lhs.iter().enumerate() {
                    let nil = pairs && is_nil(&self.view, &a.rhs[i]);
                    self.write(l, nil, a.tok_pos);
                }
            }
            Node::Stmt(Stmt::Range(r)) => {
                for x in [&r.key, &r.value].into_iter().flatten() {
                    self.write(x, false, r.pos);
                }
            }
            Node::Expr(Expr::Unary(u)) if u.op == Token::And => {
                if let Some(id) = self.identity(&u.x) {
                    self.w.addressed.insert(id);
                    self.w.non_nil.insert(id);
                }
            }
            Node::Expr(x @ Expr::CompositeLit(lit)) => {
                let positional = lit.elts.iter().any(|e| !matches!(e, Expr::KeyValue(_)));
                if positional {
                    self.all_fields_written(x);
                }
                for e in &lit.elts {
                    if let Expr::KeyValue(kv) = e {
                        if let Expr::Ident(k) = kv.key.unparen() {
                            let nil = is_nil(&self.view, &kv.value);
                            self.write_ident(k, nil, kv.colon);
                        }
                    }
                }
            }
            Node::Call(c) if c.args.len() == 1 => {
                // A conversion into a struct type sets its fields from
                // another struct's.
                if let Some(t) = self.converts_to(&c.fun) {
                    self.all_fields_of(t);
                }
            }
            _ => {}
        }
        self.declare_fields(n);
    }

    /// Unexported channel fields of a struct type declared here start
    /// nil.
    fn declare_fields(&mut self, n: Node) {
        let Node::Spec(Spec::Type(ts)) = n else {
            return;
        };
        let m = self.view.model();
        let Some(tn) = self.view.object_of(&ts.name) else {
            return;
        };
        let Type::Struct(fields) = m.ty(m.under_ro(m.obj(tn).typ)) else {
            return;
        };
        for f in fields {
            let o = m.obj(f.obj);
            if !is_exported(&o.name) && is_chan(&self.view, o.typ) {
                self.w.declared_nil.insert(m.identity(f.obj));
                self.w.shared.insert(m.identity(f.obj));
            }
        }
    }

    /// The named type `fun` denotes, when a call of it is a conversion.
    fn converts_to(&self, fun: &Expr) -> Option<letgo_types::types::TypeId> {
        let o = self.view.object_of_expr(fun)?;
        let obj = self.view.model().obj(o);
        (obj.kind == ObjKind::TypeName).then_some(obj.typ)
    }

    /// Every field of the struct `x` builds may be set by it.
    fn all_fields_written(&mut self, x: &Expr) {
        if let Some(t) = self.view.type_of(x) {
            self.all_fields_of(t);
        }
    }

    fn all_fields_of(&mut self, t: letgo_types::types::TypeId) {
        let m = self.view.model();
        if let Type::Struct(fields) = m.ty(m.under_ro(m.deref(t))) {
            for f in fields {
                self.w.non_nil.insert(m.identity(f.obj));
            }
        }
    }

    fn identity(&self, x: &Expr) -> Option<Identity> {
        let o = match x.unparen() {
            Expr::Ident(id) => self.view.object_of(id)?,
            Expr::Selector(sel) => self.view.object_of(&sel.sel)?,
            _ => return None,
        };
        Some(self.view.model().identity(o))
    }

    fn write(&mut self, lhs: &Expr, nil: bool, at: u32) {
        match lhs.unparen() {
            Expr::Ident(id) => self.write_ident(id, nil, at),
            Expr::Selector(sel) => self.write_ident(&sel.sel, nil, at),
            _ => {}
        }
    }

    fn write_ident(&mut self, id: &letgo_go::ast::Ident, nil: bool, at: u32) {
        let Some(o) = self.view.object_of(id) else {
            return;
        };
        let m = self.view.model();
        if !is_chan(&self.view, m.obj(o).typ) {
            return;
        }
        let ident = m.identity(o);
        if nil && declares(&self.view, o, id.pos) && self.may_start_nil(o) {
            self.w.declared_nil.insert(ident);
            if m.is_package_level(o) {
                self.w.shared.insert(ident);
            }
        } else if !nil {
            self.w.non_nil.insert(ident);
        }
        if let Some(&(file, lbrace, _)) = self
            .bodies
            .iter()
            .filter(|(f, s, e)| *f == self.file && *s <= at && at < *e)
            .max_by_key(|(_, s, _)| *s)
        {
            self.w
                .writers
                .entry(ident)
                .or_default()
                .insert((file, lbrace));
        }
    }

    /// A local, or a package variable other packages cannot write.
    fn may_start_nil(&self, o: ObjId) -> bool {
        let m = self.view.model();
        let obj = m.obj(o);
        obj.kind == ObjKind::Var && (!m.is_package_level(o) || !is_exported(&obj.name))
    }
}

/// `id` (at `pos`) is where `o` is declared.
fn declares(view: &FileView, o: ObjId, pos: u32) -> bool {
    view.model().obj(o).pos == Some((view.file_id(), pos))
}

fn is_chan(view: &FileView, t: letgo_types::types::TypeId) -> bool {
    let m = view.model();
    matches!(m.ty(m.under_ro(t)), Type::Chan(..))
}

/// `nil`, the universe's, or `nil` converted to a channel type.
fn is_nil(view: &FileView, x: &Expr) -> bool {
    match x.unparen() {
        Expr::Ident(id) => view
            .object_of(id)
            .is_some_and(|o| view.model().obj(o).kind == ObjKind::Nil),
        Expr::Call(c) if c.args.len() == 1 => {
            is_nil(view, &c.args[0]) && view.type_of(x).is_some_and(|t| is_chan(view, t))
        }
        _ => false,
    }
}

fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// One function's operations on channels known to be nil.
struct FuncCheck<'c, 'a> {
    /// Whether operations under `if ch != nil` count too: LG108 does not
    /// report them (dead code), but they stay its, so the rules that
    /// judge partners leave them alone as well.
    claim_checked: bool,
    cx: &'c PackageContext<'a>,
    f: &'c Func<'a>,
    view: FileView<'a>,
    writes: &'c Writes,
}

impl FuncCheck<'_, '_> {
    fn findings(&self) -> Vec<(Span, String)> {
        let mut out = Vec::new();
        self.always_nil_ops(&mut out);
        self.after_nil_ops(&mut out);
        out
    }

    fn src(&self) -> &str {
        &self.cx.file(self.f.file).src
    }

    fn name(&self, x: &Expr) -> String {
        x.span().text(self.src()).to_string()
    }

    fn identity(&self, x: &Expr) -> Option<Identity> {
        let o = match x.unparen() {
            Expr::Ident(id) => self.view.object_of(id)?,
            Expr::Selector(sel) => self.view.object_of(&sel.sel)?,
            _ => return None,
        };
        Some(self.view.model().identity(o))
    }

    fn always_nil(&self, x: &Expr) -> bool {
        self.identity(x)
            .is_some_and(|id| self.writes.always_nil(id))
    }

    /// Operations anywhere in the body (not in nested literals: those are
    /// functions of their own) on a channel that is never set.
    fn always_nil_ops(&self, out: &mut Vec<(Span, String)>) {
        inspect(Node::Block(self.f.body), &mut |n| self.op_node(n, out));
    }

    /// Reports a send, receive, range or `select` on always-nil channels;
    /// returns whether to look inside `n`.
    fn op_node(&self, n: Node, out: &mut Vec<(Span, String)>) -> bool {
        const WHY: &str = "is never set to anything but nil";
        match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Stmt(Stmt::Select(sel)) => {
                if let Some(x) = all_cases_nil(sel, &|x| self.always_nil(x)) {
                    let span = Span::new(sel.pos, sel.pos + "select".len() as u32);
                    out.push((span, select_msg(&self.name(x), WHY)));
                }
                // Its cases are judged together, above; their bodies alone.
                for c in &sel.body.clauses {
                    for s in &c.body {
                        inspect(Node::stmt(s), &mut |n| self.op_node(n, out));
                    }
                }
                false
            }
            _ => {
                if let Some((span, ch, verb)) = op_of(n) {
                    if self.always_nil(ch)
                        && (self.claim_checked || !self.checked_non_nil(ch, span))
                    {
                        out.push((span, op_msg(verb, &self.name(ch), WHY)));
                    }
                }
                true
            }
        }
    }

    /// Whether the operation at `span` is inside `if ch != nil { ... }`
    /// (a conjunct of the condition) on the same channel: it runs only
    /// when the channel is set, so a channel that never is makes it dead
    /// code, not a block.
    fn checked_non_nil(&self, ch: &Expr, span: Span) -> bool {
        let Some(id) = self.identity(ch) else {
            return false;
        };
        let mut found = false;
        inspect(Node::Block(self.f.body), &mut |n| {
            if let Node::Stmt(Stmt::If(i)) = n {
                let inside = i.body.lbrace <= span.start && span.end <= i.body.end();
                found |= inside && self.non_nil_conjunct(&i.cond, id);
            }
            !found && !matches!(n, Node::Expr(Expr::FuncLit(_)))
        });
        found
    }

    fn non_nil_conjunct(&self, cond: &Expr, id: Identity) -> bool {
        match cond.unparen() {
            Expr::Binary(b) if b.op == Token::Land => {
                self.non_nil_conjunct(&b.x, id) || self.non_nil_conjunct(&b.y, id)
            }
            Expr::Binary(b) if b.op == Token::Neq => {
                (is_nil(&self.view, &b.y) && self.identity(&b.x) == Some(id))
                    || (is_nil(&self.view, &b.x) && self.identity(&b.y) == Some(id))
            }
            _ => false,
        }
    }

    /// Operations that directly follow `var c chan T` or `c = nil` in the
    /// same statement list, with nothing in between that mentions `c`.
    fn after_nil_ops(&self, out: &mut Vec<(Span, String)>) {
        for list in statement_lists(self.f.body) {
            for (i, s) in list.iter().enumerate() {
                let Some((id, what)) = self.sets_nil(s) else {
                    continue;
                };
                if self.writes.always_nil(id) || !self.only_written_here(id) {
                    continue;
                }
                if let Some((span, msg)) = self.next_use_is_op(&list[i + 1..], id, what) {
                    out.push((span, msg));
                }
            }
        }
    }

    /// `var c chan T`, `var c chan T = nil` or `c = nil` for a local
    /// channel variable: its identity and how it became nil.
    fn sets_nil(&self, s: &Stmt) -> Option<(Identity, &'static str)> {
        let (name, what) = match s {
            Stmt::Decl(g) if g.tok == Token::Var && g.specs.len() == 1 => {
                let Spec::Value(v) = &g.specs[0] else {
                    return None;
                };
                let ok = v.names.len() == 1
                    && (v.values.is_empty()
                        || (v.values.len() == 1 && is_nil(&self.view, &v.values[0])));
                (ok.then_some(Expr::Ident(v.names[0]))?, "is declared nil")
            }
            Stmt::Assign(a)
                if a.lhs.len() == 1 && a.rhs.len() == 1 && is_nil(&self.view, &a.rhs[0]) =>
            {
                (a.lhs[0].unparen().clone(), "is set to nil")
            }
            _ => return None,
        };
        let Expr::Ident(id) = &name else { return None };
        let o = self.view.object_of(id)?;
        let m = self.view.model();
        let local = m.obj(o).kind == ObjKind::Var && !m.is_package_level(o);
        (local && is_chan(&self.view, m.obj(o).typ)).then(|| (m.identity(o), what))
    }

    /// Every write of the variable is in this very function (not in a
    /// closure that may run meanwhile), and its address is never taken.
    fn only_written_here(&self, id: Identity) -> bool {
        let me = (self.f.file, self.f.body.lbrace);
        !self.writes.addressed.contains(&id)
            && self
                .writes
                .writers
                .get(&id)
                .is_some_and(|w| w.iter().all(|&x| x == me))
    }

    fn next_use_is_op(&self, rest: &[Stmt], id: Identity, what: &str) -> Option<(Span, String)> {
        let is_it = |x: &Expr| self.identity(x) == Some(id);
        for s in rest {
            if matches!(s, Stmt::Labeled(_)) {
                return None;
            }
            let why = format!("{what} just before");
            if let Stmt::Select(sel) = s {
                let nil = |x: &Expr| is_it(x) || self.always_nil(x);
                let x = all_cases_nil(sel, &nil)?;
                let span = Span::new(sel.pos, sel.pos + "select".len() as u32);
                return Some((span, select_msg(&self.name(x), &why)));
            }
            if let Some((span, ch, verb)) = stmt_op(s) {
                if is_it(ch) {
                    return Some((span, op_msg(verb, &self.name(ch), &why)));
                }
            }
            if self.mentions(s, id) {
                return None;
            }
        }
        None
    }

    fn mentions(&self, s: &Stmt, id: Identity) -> bool {
        let mut found = false;
        inspect(Node::stmt(s), &mut |n| {
            if let Node::Ident(i) = n {
                found |= self
                    .view
                    .object_of(i)
                    .is_some_and(|o| self.view.model().identity(o) == id);
            }
            !found
        });
        found
    }
}

/// A send, receive or range node: its span, channel and verb.
fn op_of<'n>(n: Node<'n>) -> Option<(Span, &'n Expr, &'static str)> {
    match n {
        Node::Stmt(st @ Stmt::Send(s)) => Some((st.span(), &s.chan, "send on")),
        Node::Stmt(Stmt::Range(r)) => Some((r.x.span(), &r.x, "range over")),
        Node::Expr(x @ Expr::Unary(u)) if u.op == Token::Arrow => {
            Some((x.span(), &u.x, "receive from"))
        }
        _ => None,
    }
}

/// A statement that is itself one blocking operation: `c <- v`, `<-c`,
/// `v := <-c`, `for range c`.
fn stmt_op(s: &Stmt) -> Option<(Span, &Expr, &'static str)> {
    match s {
        Stmt::Send(_) | Stmt::Range(_) => op_of(Node::stmt(s)),
        Stmt::Expr(x) => op_of(Node::expr(x.unparen())),
        Stmt::Assign(a) if a.rhs.len() == 1 => op_of(Node::expr(a.rhs[0].unparen())),
        _ => None,
    }
}

/// For a `select` with no `default` whose every case is on a channel
/// `nil` accepts: one of those channels.
fn all_cases_nil<'s>(
    sel: &'s letgo_go::ast::SelectStmt,
    nil: &dyn Fn(&Expr) -> bool,
) -> Option<&'s Expr> {
    let mut first = None;
    for c in &sel.body.clauses {
        let ch = match c.comm.as_ref()? {
            Stmt::Send(s) => &s.chan,
            other => stmt_op(other)?.1,
        };
        if !nil(ch) {
            return None;
        }
        first.get_or_insert(ch);
    }
    first
}

fn op_msg(verb: &str, name: &str, why: &str) -> String {
    format!(
        "{verb} nil channel `{name}` blocks forever: it {why}, and a nil channel is never ready"
    )
}

fn select_msg(name: &str, why: &str) -> String {
    format!(
        "select blocks forever: every case is on a nil channel (`{name}` {why}) and there is no default"
    )
}

/// Every statement list of a body (blocks and clause bodies), without
/// entering function literals.
fn statement_lists(body: &letgo_go::ast::BlockStmt) -> Vec<&[Stmt]> {
    let mut out: Vec<&[Stmt]> = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Block(b) => out.push(&b.list),
            Node::CaseClause(c) => out.push(&c.body),
            Node::CommClause(c) => out.push(&c.body),
            _ => {}
        }
        true
    });
    out
}
