//! The Go syntax tree. Node kinds and their fields mirror `go/ast`, so that a
//! Go engineer recognises them; positions are `u32` byte offsets into the
//! file, and every node's `pos()`/`end()` follows the `Pos`/`End` methods of
//! its `go/ast` counterpart. Names and literal values are not copied: read
//! them from the source with [`Ident::name`] and [`BasicLit::value`].

use crate::token::Token;

/// A half-open byte range `[start, end)` in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// The text of this span in `src` (empty when out of range).
    pub fn text(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// A parsed file. `package` is the offset of the `package` keyword.
#[derive(Debug, Clone)]
pub struct File {
    pub package: u32,
    pub name: Ident,
    pub decls: Vec<Decl>,
    /// Every comment of the file, in source order.
    pub comments: Vec<Comment>,
}

impl File {
    pub fn pos(&self) -> u32 {
        self.package
    }
    pub fn end(&self) -> u32 {
        self.decls.last().map_or(self.name.end(), Decl::end)
    }
    /// The import declarations' specs, in order.
    pub fn imports(&self) -> impl Iterator<Item = &ImportSpec> {
        self.decls
            .iter()
            .flat_map(|d| match d {
                Decl::Gen(g) => g.specs.as_slice(),
                _ => &[],
            })
            .filter_map(|s| match s {
                Spec::Import(i) => Some(i),
                _ => None,
            })
    }
}

/// A `//` or `/* */` comment; `span` covers its source text.
#[derive(Debug, Clone, Copy)]
pub struct Comment {
    pub span: Span,
}

impl Comment {
    pub fn text(self, src: &str) -> &str {
        self.span.text(src)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ident {
    pub pos: u32,
    pub end: u32,
}

impl Ident {
    pub fn pos(&self) -> u32 {
        self.pos
    }
    pub fn end(&self) -> u32 {
        self.end
    }
    /// The identifier's name; `_` for one the parser made up on an error.
    pub fn name<'a>(&self, src: &'a str) -> &'a str {
        if self.pos == self.end {
            return "_";
        }
        Span::new(self.pos, self.end).text(src)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct BasicLit {
    pub pos: u32,
    pub end: u32,
    /// `Int`, `Float`, `Imag`, `Char` or `String`.
    pub kind: Token,
}

impl BasicLit {
    /// The literal as written, quotes included.
    pub fn value<'a>(&self, src: &'a str) -> &'a str {
        Span::new(self.pos, self.end).text(src)
    }
}

#[derive(Debug, Clone)]
pub enum Expr {
    Bad(Span),
    Ident(Ident),
    Ellipsis(Box<Ellipsis>),
    BasicLit(BasicLit),
    FuncLit(Box<FuncLit>),
    CompositeLit(Box<CompositeLit>),
    Paren(Box<ParenExpr>),
    Selector(Box<SelectorExpr>),
    Index(Box<IndexExpr>),
    IndexList(Box<IndexListExpr>),
    Slice(Box<SliceExpr>),
    TypeAssert(Box<TypeAssertExpr>),
    Call(Box<CallExpr>),
    Star(Box<StarExpr>),
    Unary(Box<UnaryExpr>),
    Binary(Box<BinaryExpr>),
    KeyValue(Box<KeyValueExpr>),
    ArrayType(Box<ArrayType>),
    StructType(Box<StructType>),
    FuncType(Box<FuncType>),
    InterfaceType(Box<InterfaceType>),
    MapType(Box<MapType>),
    ChanType(Box<ChanType>),
}

/// `...T` in a parameter list, or `...` as an array length.
#[derive(Debug, Clone)]
pub struct Ellipsis {
    pub pos: u32,
    pub elt: Option<Expr>,
}

#[derive(Debug, Clone)]
pub struct FuncLit {
    pub typ: FuncType,
    pub body: BlockStmt,
}

#[derive(Debug, Clone)]
pub struct CompositeLit {
    pub typ: Option<Expr>,
    pub lbrace: u32,
    pub elts: Vec<Expr>,
    pub rbrace: u32,
}

#[derive(Debug, Clone)]
pub struct ParenExpr {
    pub lparen: u32,
    pub x: Expr,
    pub rparen: u32,
}

#[derive(Debug, Clone)]
pub struct SelectorExpr {
    pub x: Expr,
    pub sel: Ident,
}

#[derive(Debug, Clone)]
pub struct IndexExpr {
    pub x: Expr,
    pub lbrack: u32,
    pub index: Expr,
    pub rbrack: u32,
}

/// `x[A, B]`: an instantiation with several type arguments.
#[derive(Debug, Clone)]
pub struct IndexListExpr {
    pub x: Expr,
    pub lbrack: u32,
    pub indices: Vec<Expr>,
    pub rbrack: u32,
}

#[derive(Debug, Clone)]
pub struct SliceExpr {
    pub x: Expr,
    pub lbrack: u32,
    pub low: Option<Expr>,
    pub high: Option<Expr>,
    pub max: Option<Expr>,
    pub slice3: bool,
    pub rbrack: u32,
}

/// `x.(T)`, or `x.(type)` in a type switch (then `typ` is `None`).
#[derive(Debug, Clone)]
pub struct TypeAssertExpr {
    pub x: Expr,
    pub lparen: u32,
    pub typ: Option<Expr>,
    pub rparen: u32,
}

#[derive(Debug, Clone)]
pub struct CallExpr {
    pub fun: Expr,
    pub lparen: u32,
    pub args: Vec<Expr>,
    /// The `...` of `f(xs...)`.
    pub ellipsis: Option<u32>,
    pub rparen: u32,
}

#[derive(Debug, Clone)]
pub struct StarExpr {
    pub star: u32,
    pub x: Expr,
}

#[derive(Debug, Clone)]
pub struct UnaryExpr {
    pub op_pos: u32,
    pub op: Token,
    pub x: Expr,
}

#[derive(Debug, Clone)]
pub struct BinaryExpr {
    pub x: Expr,
    pub op_pos: u32,
    pub op: Token,
    pub y: Expr,
}

#[derive(Debug, Clone)]
pub struct KeyValueExpr {
    pub key: Expr,
    pub colon: u32,
    pub value: Expr,
}

/// `[N]T`, `[...]T` (len is an [`Ellipsis`]) or `[]T` (no len).
#[derive(Debug, Clone)]
pub struct ArrayType {
    pub lbrack: u32,
    pub len: Option<Expr>,
    pub elt: Expr,
}

#[derive(Debug, Clone)]
pub struct StructType {
    pub pos: u32,
    pub fields: FieldList,
}

#[derive(Debug, Clone)]
pub struct FuncType {
    /// The `func` keyword; `None` for an interface method.
    pub func: Option<u32>,
    pub type_params: Option<FieldList>,
    pub params: FieldList,
    pub results: Option<FieldList>,
}

#[derive(Debug, Clone)]
pub struct InterfaceType {
    pub pos: u32,
    pub methods: FieldList,
}

#[derive(Debug, Clone)]
pub struct MapType {
    pub pos: u32,
    pub key: Expr,
    pub value: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChanDir {
    Send,
    Recv,
    Both,
}

#[derive(Debug, Clone)]
pub struct ChanType {
    pub begin: u32,
    pub arrow: Option<u32>,
    pub dir: ChanDir,
    pub value: Expr,
}

/// A parameter, result, struct field, method or embedded element.
#[derive(Debug, Clone)]
pub struct Field {
    pub names: Vec<Ident>,
    pub typ: Expr,
    pub tag: Option<BasicLit>,
}

#[derive(Debug, Clone, Default)]
pub struct FieldList {
    pub opening: Option<u32>,
    pub list: Vec<Field>,
    pub closing: Option<u32>,
}

impl FieldList {
    /// The number of parameters, counting each name.
    pub fn num_fields(&self) -> usize {
        self.list.iter().map(|f| f.names.len().max(1)).sum()
    }
}

#[derive(Debug, Clone)]
pub enum Stmt {
    Bad(Span),
    Decl(Box<GenDecl>),
    Empty(EmptyStmt),
    Labeled(Box<LabeledStmt>),
    Expr(Box<Expr>),
    Send(Box<SendStmt>),
    IncDec(Box<IncDecStmt>),
    Assign(Box<AssignStmt>),
    Go(Box<CallStmt>),
    Defer(Box<CallStmt>),
    Return(Box<ReturnStmt>),
    Branch(Box<BranchStmt>),
    Block(Box<BlockStmt>),
    If(Box<IfStmt>),
    Switch(Box<SwitchStmt>),
    TypeSwitch(Box<TypeSwitchStmt>),
    Select(Box<SelectStmt>),
    For(Box<ForStmt>),
    Range(Box<RangeStmt>),
}

/// An explicit `;` or one implied before a closing `}` or by a newline.
#[derive(Debug, Clone, Copy)]
pub struct EmptyStmt {
    pub semicolon: u32,
    pub implicit: bool,
}

#[derive(Debug, Clone)]
pub struct LabeledStmt {
    pub label: Ident,
    pub colon: u32,
    pub stmt: Stmt,
}

#[derive(Debug, Clone)]
pub struct SendStmt {
    pub chan: Expr,
    pub arrow: u32,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub struct IncDecStmt {
    pub x: Expr,
    pub tok_pos: u32,
    /// `Inc` or `Dec`.
    pub tok: Token,
}

#[derive(Debug, Clone)]
pub struct AssignStmt {
    pub lhs: Vec<Expr>,
    pub tok_pos: u32,
    pub tok: Token,
    pub rhs: Vec<Expr>,
}

/// `go f()` or `defer f()`: `pos` is the keyword.
#[derive(Debug, Clone)]
pub struct CallStmt {
    pub pos: u32,
    pub call: CallExpr,
}

#[derive(Debug, Clone)]
pub struct ReturnStmt {
    pub pos: u32,
    pub results: Vec<Expr>,
}

/// `break`, `continue`, `goto` or `fallthrough`, with an optional label.
#[derive(Debug, Clone)]
pub struct BranchStmt {
    pub tok_pos: u32,
    pub tok: Token,
    pub label: Option<Ident>,
}

#[derive(Debug, Clone)]
pub struct BlockStmt {
    pub lbrace: u32,
    pub list: Vec<Stmt>,
    /// `None` when the closing brace is missing.
    pub rbrace: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct IfStmt {
    pub pos: u32,
    pub init: Option<Stmt>,
    pub cond: Expr,
    pub body: BlockStmt,
    /// Another `IfStmt`, a block, or a bad statement.
    pub els: Option<Stmt>,
}

/// A `case` or `default` clause of an expression or type switch.
#[derive(Debug, Clone)]
pub struct CaseClause {
    pub pos: u32,
    /// Empty for `default` (a `case` always has at least one expression).
    pub list: Vec<Expr>,
    pub colon: u32,
    pub body: Vec<Stmt>,
}

/// The braces of a `switch` or `select` body and its clauses.
#[derive(Debug, Clone)]
pub struct ClauseBlock<C> {
    pub lbrace: u32,
    pub clauses: Vec<C>,
    pub rbrace: u32,
}

#[derive(Debug, Clone)]
pub struct SwitchStmt {
    pub pos: u32,
    pub init: Option<Stmt>,
    pub tag: Option<Expr>,
    pub body: ClauseBlock<CaseClause>,
}

/// `switch [init;] x := y.(type) { ... }`; `assign` is an `ExprStmt` or an
/// `AssignStmt` with `:=`.
#[derive(Debug, Clone)]
pub struct TypeSwitchStmt {
    pub pos: u32,
    pub init: Option<Stmt>,
    pub assign: Stmt,
    pub body: ClauseBlock<CaseClause>,
}

/// A `case` of a `select`: `comm` is a send, a receive (expression or
/// assignment), or `None` for `default`.
#[derive(Debug, Clone)]
pub struct CommClause {
    pub pos: u32,
    pub comm: Option<Stmt>,
    pub colon: u32,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub struct SelectStmt {
    pub pos: u32,
    pub body: ClauseBlock<CommClause>,
}

#[derive(Debug, Clone)]
pub struct ForStmt {
    pub pos: u32,
    pub init: Option<Stmt>,
    pub cond: Option<Expr>,
    pub post: Option<Stmt>,
    pub body: BlockStmt,
}

/// `for k, v := range x { ... }`; `tok` is `Define`, `Assign`, or
/// `Illegal` when there is no key.
#[derive(Debug, Clone)]
pub struct RangeStmt {
    pub pos: u32,
    pub key: Option<Expr>,
    pub value: Option<Expr>,
    pub tok_pos: Option<u32>,
    pub tok: Token,
    pub range: u32,
    pub x: Expr,
    pub body: BlockStmt,
}

#[derive(Debug, Clone)]
pub enum Decl {
    Bad(Span),
    Gen(Box<GenDecl>),
    Func(Box<FuncDecl>),
}

/// `import`, `const`, `type` or `var`, grouped in parentheses or not.
#[derive(Debug, Clone)]
pub struct GenDecl {
    pub tok_pos: u32,
    pub tok: Token,
    pub lparen: Option<u32>,
    pub specs: Vec<Spec>,
    pub rparen: Option<u32>,
}

#[derive(Debug, Clone)]
pub enum Spec {
    Import(ImportSpec),
    Value(ValueSpec),
    Type(TypeSpec),
}

#[derive(Debug, Clone)]
pub struct ImportSpec {
    /// The local name, `.` or `_`, when given.
    pub name: Option<Ident>,
    pub path: BasicLit,
}

impl ImportSpec {
    /// The import path without quotes.
    pub fn path_value<'a>(&self, src: &'a str) -> &'a str {
        let v = self.path.value(src);
        v.get(1..v.len().saturating_sub(1)).unwrap_or("")
    }
}

/// A `const` or `var` spec. `iota` is its index in its group.
#[derive(Debug, Clone)]
pub struct ValueSpec {
    pub names: Vec<Ident>,
    pub typ: Option<Expr>,
    pub values: Vec<Expr>,
    pub iota: u32,
}

#[derive(Debug, Clone)]
pub struct TypeSpec {
    pub name: Ident,
    pub type_params: Option<FieldList>,
    /// The `=` of an alias declaration.
    pub assign: Option<u32>,
    pub typ: Expr,
}

#[derive(Debug, Clone)]
pub struct FuncDecl {
    pub recv: Option<FieldList>,
    pub name: Ident,
    /// Holds the `func` position, type parameters, parameters and results.
    pub typ: FuncType,
    pub body: Option<BlockStmt>,
}

// ---- positions, following go/ast's Pos and End methods ----

impl Expr {
    /// Where the expression starts. A loop, not recursion, down the left
    /// spine (`a.b.c`, `x + y + z`, `f()()`), which nests as deep as Go
    /// allows.
    pub fn pos(&self) -> u32 {
        let mut x = self;
        loop {
            x = match x {
                Expr::Bad(s) => return s.start,
                Expr::Ident(x) => return x.pos,
                Expr::Ellipsis(x) => return x.pos,
                Expr::BasicLit(x) => return x.pos,
                Expr::FuncLit(x) => return x.typ.pos(),
                Expr::CompositeLit(c) => match &c.typ {
                    Some(t) => t,
                    None => return c.lbrace,
                },
                Expr::Paren(x) => return x.lparen,
                Expr::Selector(s) => &s.x,
                Expr::Index(i) => &i.x,
                Expr::IndexList(i) => &i.x,
                Expr::Slice(s) => &s.x,
                Expr::TypeAssert(t) => &t.x,
                Expr::Call(c) => &c.fun,
                Expr::Star(x) => return x.star,
                Expr::Unary(x) => return x.op_pos,
                Expr::Binary(b) => &b.x,
                Expr::KeyValue(k) => &k.key,
                Expr::ArrayType(x) => return x.lbrack,
                Expr::StructType(x) => return x.pos,
                Expr::FuncType(x) => return x.pos(),
                Expr::InterfaceType(x) => return x.pos,
                Expr::MapType(x) => return x.pos,
                Expr::ChanType(x) => return x.begin,
            };
        }
    }

    /// Where the expression ends; a loop down the right spine (`***T`,
    /// `!!x`, `[][]T`), as [`Expr::pos`].
    pub fn end(&self) -> u32 {
        let mut x = self;
        loop {
            x = match x {
                Expr::Bad(s) => return s.end,
                Expr::Ident(x) => return x.end,
                Expr::Ellipsis(e) => match &e.elt {
                    Some(t) => t,
                    None => return e.pos + 3,
                },
                Expr::BasicLit(x) => return x.end,
                Expr::FuncLit(x) => return x.body.end(),
                Expr::CompositeLit(x) => return x.rbrace + 1,
                Expr::Paren(x) => return x.rparen + 1,
                Expr::Selector(x) => return x.sel.end,
                Expr::Index(x) => return x.rbrack + 1,
                Expr::IndexList(x) => return x.rbrack + 1,
                Expr::Slice(x) => return x.rbrack + 1,
                Expr::TypeAssert(x) => return x.rparen + 1,
                Expr::Call(x) => return x.rparen + 1,
                Expr::Star(s) => &s.x,
                Expr::Unary(u) => &u.x,
                Expr::Binary(b) => &b.y,
                Expr::KeyValue(k) => &k.value,
                Expr::ArrayType(a) => &a.elt,
                Expr::StructType(x) => return x.fields.end(),
                Expr::FuncType(x) => return x.end(),
                Expr::InterfaceType(x) => return x.methods.end(),
                Expr::MapType(m) => &m.value,
                Expr::ChanType(c) => &c.value,
            };
        }
    }

    pub fn span(&self) -> Span {
        Span::new(self.pos(), self.end())
    }

    /// The expression without any enclosing parentheses.
    pub fn unparen(&self) -> &Expr {
        let mut x = self;
        while let Expr::Paren(p) = x {
            x = &p.x;
        }
        x
    }

    pub fn as_ident(&self) -> Option<&Ident> {
        match self {
            Expr::Ident(id) => Some(id),
            _ => None,
        }
    }
}

impl FuncType {
    pub fn pos(&self) -> u32 {
        self.func.unwrap_or_else(|| self.params.pos())
    }
    pub fn end(&self) -> u32 {
        match &self.results {
            Some(r) => r.end(),
            None => self.params.end(),
        }
    }
}

impl FieldList {
    pub fn pos(&self) -> u32 {
        match (self.opening, self.list.first()) {
            (Some(p), _) => p,
            (None, Some(f)) => f.pos(),
            (None, None) => 0,
        }
    }
    pub fn end(&self) -> u32 {
        match (self.closing, self.list.last()) {
            (Some(p), _) => p + 1,
            (None, Some(f)) => f.end(),
            (None, None) => 0,
        }
    }
}

impl Field {
    pub fn pos(&self) -> u32 {
        self.names.first().map_or_else(|| self.typ.pos(), |n| n.pos)
    }
    pub fn end(&self) -> u32 {
        self.tag.map_or_else(|| self.typ.end(), |t| t.end)
    }
}

impl BlockStmt {
    /// The block's source text, braces included.
    pub fn span_text<'s>(&self, src: &'s str) -> &'s str {
        Span::new(self.lbrace, self.end()).text(src)
    }

    pub fn pos(&self) -> u32 {
        self.lbrace
    }
    pub fn end(&self) -> u32 {
        match self.rbrace {
            Some(r) => r + 1,
            None => self.list.last().map_or(self.lbrace + 1, Stmt::end),
        }
    }
}

impl<C> ClauseBlock<C> {
    pub fn end(&self) -> u32 {
        self.rbrace + 1
    }
}

impl CaseClause {
    pub fn is_default(&self) -> bool {
        self.list.is_empty()
    }

    pub fn end(&self) -> u32 {
        self.body.last().map_or(self.colon + 1, Stmt::end)
    }
}

impl CommClause {
    pub fn end(&self) -> u32 {
        self.body.last().map_or(self.colon + 1, Stmt::end)
    }
}

impl CallExpr {
    pub fn pos(&self) -> u32 {
        self.fun.pos()
    }
    pub fn end(&self) -> u32 {
        self.rparen + 1
    }
}

impl Stmt {
    pub fn pos(&self) -> u32 {
        match self {
            Stmt::Bad(s) => s.start,
            Stmt::Decl(d) => d.tok_pos,
            Stmt::Empty(e) => e.semicolon,
            Stmt::Labeled(s) => s.label.pos,
            Stmt::Expr(x) => x.pos(),
            Stmt::Send(s) => s.chan.pos(),
            Stmt::IncDec(s) => s.x.pos(),
            Stmt::Assign(s) => s.lhs.first().map_or(s.tok_pos, Expr::pos),
            Stmt::Go(s) | Stmt::Defer(s) => s.pos,
            Stmt::Return(s) => s.pos,
            Stmt::Branch(s) => s.tok_pos,
            Stmt::Block(b) => b.lbrace,
            Stmt::If(s) => s.pos,
            Stmt::Switch(s) => s.pos,
            Stmt::TypeSwitch(s) => s.pos,
            Stmt::Select(s) => s.pos,
            Stmt::For(s) => s.pos,
            Stmt::Range(s) => s.pos,
        }
    }

    pub fn end(&self) -> u32 {
        match self {
            Stmt::Bad(s) => s.end,
            Stmt::Decl(d) => d.end(),
            Stmt::Empty(e) => e.semicolon + u32::from(!e.implicit),
            Stmt::Labeled(s) => s.stmt.end(),
            Stmt::Expr(x) => x.end(),
            Stmt::Send(s) => s.value.end(),
            Stmt::IncDec(s) => s.tok_pos + 2,
            Stmt::Assign(s) => s.rhs.last().map_or(s.tok_pos, Expr::end),
            Stmt::Go(s) | Stmt::Defer(s) => s.call.end(),
            Stmt::Return(s) => s.results.last().map_or(s.pos + 6, Expr::end),
            Stmt::Branch(s) => match &s.label {
                Some(l) => l.end,
                None => s.tok_pos + s.tok.as_str().len() as u32,
            },
            Stmt::Block(b) => b.end(),
            Stmt::If(s) => s.els.as_ref().map_or_else(|| s.body.end(), Stmt::end),
            Stmt::Switch(s) => s.body.end(),
            Stmt::TypeSwitch(s) => s.body.end(),
            Stmt::Select(s) => s.body.end(),
            Stmt::For(s) => s.body.end(),
            Stmt::Range(s) => s.body.end(),
        }
    }

    pub fn span(&self) -> Span {
        Span::new(self.pos(), self.end())
    }
}

impl GenDecl {
    pub fn end(&self) -> u32 {
        match self.rparen {
            Some(r) => r + 1,
            None => self.specs.first().map_or(self.tok_pos, Spec::end),
        }
    }
}

impl Spec {
    pub fn pos(&self) -> u32 {
        match self {
            Spec::Import(s) => s.name.map_or(s.path.pos, |n| n.pos),
            Spec::Value(s) => s.names.first().map_or(0, |n| n.pos),
            Spec::Type(s) => s.name.pos,
        }
    }
    pub fn end(&self) -> u32 {
        match self {
            Spec::Import(s) => s.path.end,
            Spec::Value(s) => match (s.values.last(), &s.typ) {
                (Some(v), _) => v.end(),
                (None, Some(t)) => t.end(),
                (None, None) => s.names.last().map_or(0, |n| n.end),
            },
            Spec::Type(s) => s.typ.end(),
        }
    }
}

impl FuncDecl {
    pub fn pos(&self) -> u32 {
        self.typ.pos()
    }
    pub fn end(&self) -> u32 {
        self.body
            .as_ref()
            .map_or_else(|| self.typ.end(), BlockStmt::end)
    }
}

impl Decl {
    pub fn pos(&self) -> u32 {
        match self {
            Decl::Bad(s) => s.start,
            Decl::Gen(g) => g.tok_pos,
            Decl::Func(f) => f.pos(),
        }
    }
    pub fn end(&self) -> u32 {
        match self {
            Decl::Bad(s) => s.end,
            Decl::Gen(g) => g.end(),
            Decl::Func(f) => f.end(),
        }
    }
}
