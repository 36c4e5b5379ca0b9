//! Walking the tree in `go/ast.Walk` order.
//!
//! [`Node`] is a borrowed view of any node, normalised so that every
//! `go/ast` node kind is one variant (an `Expr::Ident` and a field name are
//! both [`Node::Ident`]). [`walk`] visits nodes depth-first with enter and
//! leave calls, like `ast.Inspect`.

use crate::ast::*;

#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    File(&'a File),
    BadDecl(Span),
    GenDecl(&'a GenDecl),
    FuncDecl(&'a FuncDecl),
    Spec(&'a Spec),
    Expr(&'a Expr),
    Ident(&'a Ident),
    BasicLit(&'a BasicLit),
    FuncType(&'a FuncType),
    FieldList(&'a FieldList),
    Field(&'a Field),
    Stmt(&'a Stmt),
    Block(&'a BlockStmt),
    Call(&'a CallExpr),
    CaseBody(&'a ClauseBlock<CaseClause>),
    CommBody(&'a ClauseBlock<CommClause>),
    CaseClause(&'a CaseClause),
    CommClause(&'a CommClause),
}

impl<'a> Node<'a> {
    pub fn decl(d: &'a Decl) -> Self {
        match d {
            Decl::Bad(s) => Node::BadDecl(*s),
            Decl::Gen(g) => Node::GenDecl(g),
            Decl::Func(f) => Node::FuncDecl(f),
        }
    }

    pub fn expr(x: &'a Expr) -> Self {
        match x {
            Expr::Ident(id) => Node::Ident(id),
            Expr::BasicLit(l) => Node::BasicLit(l),
            Expr::FuncType(t) => Node::FuncType(t),
            Expr::Call(c) => Node::Call(c),
            _ => Node::Expr(x),
        }
    }

    pub fn stmt(s: &'a Stmt) -> Self {
        match s {
            Stmt::Block(b) => Node::Block(b),
            _ => Node::Stmt(s),
        }
    }

    /// The `go/ast` type name of this node, e.g. `CallExpr`.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::File(_) => "File",
            Node::BadDecl(_) => "BadDecl",
            Node::GenDecl(_) => "GenDecl",
            Node::FuncDecl(_) => "FuncDecl",
            Node::Spec(Spec::Import(_)) => "ImportSpec",
            Node::Spec(Spec::Value(_)) => "ValueSpec",
            Node::Spec(Spec::Type(_)) => "TypeSpec",
            Node::Expr(x) => expr_kind(x),
            Node::Ident(_) => "Ident",
            Node::BasicLit(_) => "BasicLit",
            Node::FuncType(_) => "FuncType",
            Node::FieldList(_) => "FieldList",
            Node::Field(_) => "Field",
            Node::Stmt(s) => stmt_kind(s),
            Node::Block(_) | Node::CaseBody(_) | Node::CommBody(_) => "BlockStmt",
            Node::Call(_) => "CallExpr",
            Node::CaseClause(_) => "CaseClause",
            Node::CommClause(_) => "CommClause",
        }
    }

    pub fn pos(&self) -> u32 {
        match self {
            Node::File(f) => f.pos(),
            Node::BadDecl(s) => s.start,
            Node::GenDecl(g) => g.tok_pos,
            Node::FuncDecl(f) => f.pos(),
            Node::Spec(s) => s.pos(),
            Node::Expr(x) => x.pos(),
            Node::Ident(i) => i.pos,
            Node::BasicLit(l) => l.pos,
            Node::FuncType(t) => t.pos(),
            Node::FieldList(l) => l.pos(),
            Node::Field(f) => f.pos(),
            Node::Stmt(s) => s.pos(),
            Node::Block(b) => b.lbrace,
            Node::Call(c) => c.pos(),
            Node::CaseBody(b) => b.lbrace,
            Node::CommBody(b) => b.lbrace,
            Node::CaseClause(c) => c.pos,
            Node::CommClause(c) => c.pos,
        }
    }

    pub fn end(&self) -> u32 {
        match self {
            Node::File(f) => f.end(),
            Node::BadDecl(s) => s.end,
            Node::GenDecl(g) => g.end(),
            Node::FuncDecl(f) => f.end(),
            Node::Spec(s) => s.end(),
            Node::Expr(x) => x.end(),
            Node::Ident(i) => i.end,
            Node::BasicLit(l) => l.end,
            Node::FuncType(t) => t.end(),
            Node::FieldList(l) => l.end(),
            Node::Field(f) => f.end(),
            Node::Stmt(s) => s.end(),
            Node::Block(b) => b.end(),
            Node::Call(c) => c.end(),
            Node::CaseBody(b) => b.end(),
            Node::CommBody(b) => b.end(),
            Node::CaseClause(c) => c.end(),
            Node::CommClause(c) => c.end(),
        }
    }

    /// Calls `f` on each direct child, in `go/ast.Walk` order.
    pub fn for_each_child(&self, f: &mut dyn FnMut(Node<'a>)) {
        self.children(f)
    }

    /// [`Node::for_each_child`] for a callback of a known type: the walks
    /// below ([`inspect`], [`walk`]) call it at every node of every tree,
    /// and a direct call of their closure spares one dynamic call a node.
    #[inline]
    fn children<F: FnMut(Node<'a>) + ?Sized>(&self, f: &mut F) {
        match *self {
            Node::File(file) => {
                f(Node::Ident(&file.name));
                file.decls.iter().for_each(|d| f(Node::decl(d)));
            }
            Node::BadDecl(_) | Node::Ident(_) | Node::BasicLit(_) => {}
            Node::GenDecl(g) => g.specs.iter().for_each(|s| f(Node::Spec(s))),
            Node::FuncDecl(d) => {
                if let Some(r) = &d.recv {
                    f(Node::FieldList(r));
                }
                f(Node::Ident(&d.name));
                f(Node::FuncType(&d.typ));
                if let Some(b) = &d.body {
                    f(Node::Block(b));
                }
            }
            Node::Spec(s) => spec_children(s, f),
            Node::Expr(x) => expr_children(x, f),
            Node::FuncType(t) => {
                if let Some(tp) = &t.type_params {
                    f(Node::FieldList(tp));
                }
                f(Node::FieldList(&t.params));
                if let Some(r) = &t.results {
                    f(Node::FieldList(r));
                }
            }
            Node::FieldList(l) => l.list.iter().for_each(|x| f(Node::Field(x))),
            Node::Field(fd) => {
                fd.names.iter().for_each(|n| f(Node::Ident(n)));
                f(Node::expr(&fd.typ));
                if let Some(t) = &fd.tag {
                    f(Node::BasicLit(t));
                }
            }
            Node::Stmt(s) => stmt_children(s, f),
            Node::Block(b) => b.list.iter().for_each(|s| f(Node::stmt(s))),
            Node::Call(c) => {
                f(Node::expr(&c.fun));
                c.args.iter().for_each(|a| f(Node::expr(a)));
            }
            Node::CaseBody(b) => b.clauses.iter().for_each(|c| f(Node::CaseClause(c))),
            Node::CommBody(b) => b.clauses.iter().for_each(|c| f(Node::CommClause(c))),
            Node::CaseClause(c) => {
                c.list.iter().for_each(|x| f(Node::expr(x)));
                c.body.iter().for_each(|s| f(Node::stmt(s)));
            }
            Node::CommClause(c) => {
                if let Some(s) = &c.comm {
                    f(Node::stmt(s));
                }
                c.body.iter().for_each(|s| f(Node::stmt(s)));
            }
        }
    }
}

fn opt_expr<'a, F: FnMut(Node<'a>) + ?Sized>(x: &'a Option<Expr>, f: &mut F) {
    if let Some(x) = x {
        f(Node::expr(x));
    }
}

fn opt_stmt<'a, F: FnMut(Node<'a>) + ?Sized>(s: &'a Option<Stmt>, f: &mut F) {
    if let Some(s) = s {
        f(Node::stmt(s));
    }
}

fn spec_children<'a, F: FnMut(Node<'a>) + ?Sized>(s: &'a Spec, f: &mut F) {
    match s {
        Spec::Import(i) => {
            if let Some(n) = &i.name {
                f(Node::Ident(n));
            }
            f(Node::BasicLit(&i.path));
        }
        Spec::Value(v) => {
            v.names.iter().for_each(|n| f(Node::Ident(n)));
            opt_expr(&v.typ, f);
            v.values.iter().for_each(|x| f(Node::expr(x)));
        }
        Spec::Type(t) => {
            f(Node::Ident(&t.name));
            if let Some(tp) = &t.type_params {
                f(Node::FieldList(tp));
            }
            f(Node::expr(&t.typ));
        }
    }
}

fn expr_children<'a, F: FnMut(Node<'a>) + ?Sized>(x: &'a Expr, f: &mut F) {
    match x {
        Expr::Bad(_) | Expr::Ident(_) | Expr::BasicLit(_) => {}
        Expr::Ellipsis(e) => opt_expr(&e.elt, f),
        Expr::FuncLit(l) => {
            f(Node::FuncType(&l.typ));
            f(Node::Block(&l.body));
        }
        Expr::CompositeLit(c) => {
            opt_expr(&c.typ, f);
            c.elts.iter().for_each(|e| f(Node::expr(e)));
        }
        Expr::Paren(p) => f(Node::expr(&p.x)),
        Expr::Selector(s) => {
            f(Node::expr(&s.x));
            f(Node::Ident(&s.sel));
        }
        Expr::Index(i) => {
            f(Node::expr(&i.x));
            f(Node::expr(&i.index));
        }
        Expr::IndexList(i) => {
            f(Node::expr(&i.x));
            i.indices.iter().for_each(|e| f(Node::expr(e)));
        }
        Expr::Slice(s) => {
            f(Node::expr(&s.x));
            opt_expr(&s.low, f);
            opt_expr(&s.high, f);
            opt_expr(&s.max, f);
        }
        Expr::TypeAssert(t) => {
            f(Node::expr(&t.x));
            opt_expr(&t.typ, f);
        }
        Expr::Call(c) => Node::Call(c).children(f),
        Expr::Star(s) => f(Node::expr(&s.x)),
        Expr::Unary(u) => f(Node::expr(&u.x)),
        Expr::Binary(b) => {
            f(Node::expr(&b.x));
            f(Node::expr(&b.y));
        }
        Expr::KeyValue(kv) => {
            f(Node::expr(&kv.key));
            f(Node::expr(&kv.value));
        }
        Expr::ArrayType(a) => {
            opt_expr(&a.len, f);
            f(Node::expr(&a.elt));
        }
        Expr::StructType(s) => f(Node::FieldList(&s.fields)),
        Expr::FuncType(t) => Node::FuncType(t).children(f),
        Expr::InterfaceType(i) => f(Node::FieldList(&i.methods)),
        Expr::MapType(m) => {
            f(Node::expr(&m.key));
            f(Node::expr(&m.value));
        }
        Expr::ChanType(c) => f(Node::expr(&c.value)),
    }
}

fn stmt_children<'a, F: FnMut(Node<'a>) + ?Sized>(s: &'a Stmt, f: &mut F) {
    match s {
        Stmt::Bad(_) | Stmt::Empty(_) => {}
        Stmt::Decl(g) => f(Node::GenDecl(g)),
        Stmt::Labeled(l) => {
            f(Node::Ident(&l.label));
            f(Node::stmt(&l.stmt));
        }
        Stmt::Expr(x) => f(Node::expr(x)),
        Stmt::Send(s) => {
            f(Node::expr(&s.chan));
            f(Node::expr(&s.value));
        }
        Stmt::IncDec(s) => f(Node::expr(&s.x)),
        Stmt::Assign(a) => {
            a.lhs.iter().for_each(|x| f(Node::expr(x)));
            a.rhs.iter().for_each(|x| f(Node::expr(x)));
        }
        Stmt::Go(c) | Stmt::Defer(c) => f(Node::Call(&c.call)),
        Stmt::Return(r) => r.results.iter().for_each(|x| f(Node::expr(x))),
        Stmt::Branch(b) => {
            if let Some(l) = &b.label {
                f(Node::Ident(l));
            }
        }
        Stmt::Block(b) => Node::Block(b).children(f),
        Stmt::If(i) => {
            opt_stmt(&i.init, f);
            f(Node::expr(&i.cond));
            f(Node::Block(&i.body));
            opt_stmt(&i.els, f);
        }
        Stmt::Switch(sw) => {
            opt_stmt(&sw.init, f);
            opt_expr(&sw.tag, f);
            f(Node::CaseBody(&sw.body));
        }
        Stmt::TypeSwitch(sw) => {
            opt_stmt(&sw.init, f);
            f(Node::stmt(&sw.assign));
            f(Node::CaseBody(&sw.body));
        }
        Stmt::Select(s) => f(Node::CommBody(&s.body)),
        Stmt::For(fs) => {
            opt_stmt(&fs.init, f);
            opt_expr(&fs.cond, f);
            opt_stmt(&fs.post, f);
            f(Node::Block(&fs.body));
        }
        Stmt::Range(r) => {
            opt_expr(&r.key, f);
            opt_expr(&r.value, f);
            f(Node::expr(&r.x));
            f(Node::Block(&r.body));
        }
    }
}

fn expr_kind(x: &Expr) -> &'static str {
    match x {
        Expr::Bad(_) => "BadExpr",
        Expr::Ident(_) => "Ident",
        Expr::Ellipsis(_) => "Ellipsis",
        Expr::BasicLit(_) => "BasicLit",
        Expr::FuncLit(_) => "FuncLit",
        Expr::CompositeLit(_) => "CompositeLit",
        Expr::Paren(_) => "ParenExpr",
        Expr::Selector(_) => "SelectorExpr",
        Expr::Index(_) => "IndexExpr",
        Expr::IndexList(_) => "IndexListExpr",
        Expr::Slice(_) => "SliceExpr",
        Expr::TypeAssert(_) => "TypeAssertExpr",
        Expr::Call(_) => "CallExpr",
        Expr::Star(_) => "StarExpr",
        Expr::Unary(_) => "UnaryExpr",
        Expr::Binary(_) => "BinaryExpr",
        Expr::KeyValue(_) => "KeyValueExpr",
        Expr::ArrayType(_) => "ArrayType",
        Expr::StructType(_) => "StructType",
        Expr::FuncType(_) => "FuncType",
        Expr::InterfaceType(_) => "InterfaceType",
        Expr::MapType(_) => "MapType",
        Expr::ChanType(_) => "ChanType",
    }
}

fn stmt_kind(s: &Stmt) -> &'static str {
    match s {
        Stmt::Bad(_) => "BadStmt",
        Stmt::Decl(_) => "DeclStmt",
        Stmt::Empty(_) => "EmptyStmt",
        Stmt::Labeled(_) => "LabeledStmt",
        Stmt::Expr(_) => "ExprStmt",
        Stmt::Send(_) => "SendStmt",
        Stmt::IncDec(_) => "IncDecStmt",
        Stmt::Assign(_) => "AssignStmt",
        Stmt::Go(_) => "GoStmt",
        Stmt::Defer(_) => "DeferStmt",
        Stmt::Return(_) => "ReturnStmt",
        Stmt::Branch(_) => "BranchStmt",
        Stmt::Block(_) => "BlockStmt",
        Stmt::If(_) => "IfStmt",
        Stmt::Switch(_) => "SwitchStmt",
        Stmt::TypeSwitch(_) => "TypeSwitchStmt",
        Stmt::Select(_) => "SelectStmt",
        Stmt::For(_) => "ForStmt",
        Stmt::Range(_) => "RangeStmt",
    }
}

/// Callbacks for [`walk`]: `enter` returns false to skip a node's children.
pub trait Visitor<'a> {
    fn enter(&mut self, node: Node<'a>) -> bool;
    fn leave(&mut self, _node: Node<'a>) {}
}

/// Visits `node` and its descendants depth-first, in `go/ast.Walk` order.
pub fn walk<'a>(node: Node<'a>, v: &mut dyn Visitor<'a>) {
    if !v.enter(node) {
        return;
    }
    node.children(&mut |child| walk(child, v));
    v.leave(node);
}

/// Calls `f` on `node` and every descendant in pre-order (like
/// `ast.Inspect`); `f` returns false to skip a node's children.
///
/// Generic over `f`: each caller gets a walk of its own with `f` inlined
/// into it, not a call through a pointer at every node (the rules walk
/// the trees many times over; a fifth of a run's time is in walks).
pub fn inspect<'a, F: FnMut(Node<'a>) -> bool + ?Sized>(node: Node<'a>, f: &mut F) {
    if f(node) {
        node.children(&mut |child| inspect(child, f));
    }
}
