//! A recursive-descent parser for Go 1.27, ported from `go/parser` so that
//! its trees, positions and error messages agree with Go's own on the whole
//! standard library (checked by the differential test). On a syntax error it
//! records a [`SyntaxError`] and resynchronises at the next statement or
//! declaration, so the rest of the file still reaches the rules.

use crate::ast::*;
use crate::scanner::{Scanned, Scanner};
use crate::token::{Token, LOWEST_PREC};
use crate::SyntaxError;

/// The deepest nesting accepted, as in `go/parser`, counted where it
/// counts: each statement, unary operator, type, composite literal and
/// each operator of a binary chain or suffix of a primary expression (the
/// chains are parsed in a loop, but each link deepens the tree that the
/// walks and `Drop` recurse over). Threads holding trees run on
/// [`crate::PARSE_STACK_SIZE`], sized for this.
const MAX_NEST: u32 = 100_000;
/// A file with more errors than this is abandoned: what follows is noise
/// (a binary named `x.go` would give thousands). `go/parser` stops after
/// 10 too, and keeps one error per line, as [`parse_file`] does.
const MAX_ERRORS: usize = 10;

/// The result of parsing one file: a tree (always, even for broken input)
/// and its syntax errors in source order.
#[derive(Debug)]
pub struct Parsed {
    pub file: File,
    pub errors: Vec<SyntaxError>,
}

/// Parses one Go source file.
pub fn parse_file(src: &str) -> Parsed {
    let mut p = Parser::new(src.as_bytes());
    let file = p.parse_file();
    let mut errors = p.errors;
    errors.extend(p.scanner.errors);
    // Recovery can place a node's end one past a missing closing token at
    // the end of the file; an error there points at the end instead.
    for e in &mut errors {
        e.offset = e.offset.min(src.len() as u32);
    }
    errors.sort_by_key(|e| e.offset);
    first_per_line(src, &mut errors);
    Parsed { file, errors }
}

/// Keeps the first error of each line, and the first [`MAX_ERRORS`] of
/// those; `errors` is sorted by offset.
pub fn first_per_line(src: &str, errors: &mut Vec<SyntaxError>) {
    if errors.len() > 1 {
        let lines = crate::LineIndex::new(src);
        errors.dedup_by_key(|e| lines.line_col(e.offset).0);
        errors.truncate(MAX_ERRORS);
    }
}

/// Unwinds the parse when it must stop (too deep, too many errors).
struct Bailout;

type PResult<T> = Result<T, Bailout>;

#[derive(Clone, Copy, PartialEq)]
enum SimpleMode {
    Basic,
    LabelOk,
    RangeOk,
}

struct Parser<'a> {
    src: &'a [u8],
    scanner: Scanner<'a>,
    errors: Vec<SyntaxError>,
    comments: Vec<Comment>,
    pos: u32,
    end: u32,
    tok: Token,
    auto_semi: bool,
    sync_pos: u32,
    sync_cnt: u32,
    expr_lev: i32,
    in_rhs: bool,
    nest_lev: u32,
}

fn is_stmt_start(t: Token) -> bool {
    use Token::*;
    matches!(
        t,
        Break
            | Const
            | Continue
            | Defer
            | Fallthrough
            | For
            | Go
            | Goto
            | If
            | Return
            | Select
            | Switch
            | Type
            | Var
    )
}

/// go/parser resynchronises statements at `stmtStart` only; stopping at a
/// `}` or `func` too keeps one broken statement or declaration from
/// swallowing the functions after it (only the recovery differs, never a
/// valid file's tree).
fn is_sync_point(t: Token) -> bool {
    is_stmt_start(t) || t == Token::Rbrace || t == Token::Func
}

fn is_decl_start(t: Token) -> bool {
    matches!(t, Token::Import | Token::Const | Token::Type | Token::Var)
}

fn is_expr_end(t: Token) -> bool {
    use Token::*;
    matches!(t, Comma | Colon | Semicolon | Rparen | Rbrack | Rbrace)
}

impl<'a> Parser<'a> {
    fn new(src: &'a [u8]) -> Self {
        let mut p = Parser {
            src,
            scanner: Scanner::new(src),
            errors: Vec::new(),
            comments: Vec::new(),
            pos: 0,
            end: 0,
            tok: Token::Illegal,
            auto_semi: false,
            sync_pos: 0,
            sync_cnt: 0,
            expr_lev: 0,
            in_rhs: false,
            nest_lev: 0,
        };
        p.next();
        p
    }

    // ---- tokens ----

    fn next(&mut self) {
        loop {
            let Scanned {
                pos,
                end,
                tok,
                auto_semi,
            } = self.scanner.scan();
            if tok == Token::Comment {
                self.comments.push(Comment {
                    span: Span::new(pos, end),
                });
                continue;
            }
            (self.pos, self.end, self.tok, self.auto_semi) = (pos, end, tok, auto_semi);
            return;
        }
    }

    fn lit(&self) -> &'a str {
        std::str::from_utf8(&self.src[self.pos as usize..self.end as usize]).unwrap_or("?")
    }

    fn error(&mut self, pos: u32, msg: impl Into<String>) -> PResult<()> {
        self.errors.push(SyntaxError {
            offset: pos,
            msg: msg.into(),
        });
        if self.errors.len() + self.scanner.errors.len() > MAX_ERRORS {
            return Err(Bailout);
        }
        Ok(())
    }

    fn error_expected(&mut self, pos: u32, what: &str) -> PResult<()> {
        let mut msg = format!("expected {what}");
        if pos == self.pos {
            if self.tok == Token::Semicolon && self.auto_semi {
                msg.push_str(", found newline");
            } else if self.tok.is_literal() {
                msg.push_str(", found ");
                msg.push_str(self.lit());
            } else {
                msg.push_str(&format!(", found '{}'", self.tok));
            }
        }
        self.error(pos, msg)
    }

    fn expect(&mut self, tok: Token) -> PResult<u32> {
        let pos = self.pos;
        if self.tok != tok {
            self.error_expected(pos, &format!("'{tok}'"))?;
        }
        self.next();
        Ok(pos)
    }

    /// Like `expect`, but gives `None` when the token is missing.
    fn expect2(&mut self, tok: Token) -> PResult<Option<u32>> {
        let pos = if self.tok == tok {
            Some(self.pos)
        } else {
            self.error_expected(self.pos, &format!("'{tok}'"))?;
            None
        };
        self.next();
        Ok(pos)
    }

    fn expect_closing(&mut self, tok: Token, context: &str) -> PResult<u32> {
        if self.tok != tok && self.tok == Token::Semicolon && self.auto_semi {
            self.error(self.pos, format!("missing ',' before newline in {context}"))?;
            self.next();
        }
        self.expect(tok)
    }

    fn expect_semi(&mut self) -> PResult<()> {
        match self.tok {
            Token::Rparen | Token::Rbrace => {}
            Token::Comma | Token::Semicolon => {
                if self.tok == Token::Comma {
                    self.error_expected(self.pos, "';'")?;
                }
                self.next();
            }
            _ => {
                self.error_expected(self.pos, "';'")?;
                self.advance(is_sync_point);
            }
        }
        Ok(())
    }

    fn at_comma(&mut self, context: &str, follow: Token) -> PResult<bool> {
        if self.tok == Token::Comma {
            return Ok(true);
        }
        if self.tok != follow {
            let mut msg = String::from("missing ','");
            if self.tok == Token::Semicolon && self.auto_semi {
                msg.push_str(" before newline");
            }
            self.error(self.pos, format!("{msg} in {context}"))?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Skips to the next token in `to`, with go/parser's guard against
    /// resynchronising at the same place forever.
    fn advance(&mut self, to: fn(Token) -> bool) {
        while self.tok != Token::Eof {
            if to(self.tok) {
                if self.pos == self.sync_pos && self.sync_cnt < 10 {
                    self.sync_cnt += 1;
                    return;
                }
                if self.pos > self.sync_pos {
                    self.sync_pos = self.pos;
                    self.sync_cnt = 0;
                    return;
                }
            }
            self.next();
        }
    }

    fn inc_nest(&mut self) -> PResult<()> {
        self.nest_lev += 1;
        if self.nest_lev > MAX_NEST {
            self.errors.push(SyntaxError {
                offset: self.pos,
                msg: "exceeded max nesting depth".into(),
            });
            return Err(Bailout);
        }
        Ok(())
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.inc_nest()?;
        let r = f(self);
        self.nest_lev -= 1;
        r
    }

    // ---- identifiers and lists ----

    fn parse_ident(&mut self) -> PResult<Ident> {
        let pos = self.pos;
        if self.tok == Token::Ident {
            let end = self.end;
            self.next();
            return Ok(Ident { pos, end });
        }
        self.expect(Token::Ident)?;
        Ok(Ident { pos, end: pos })
    }

    fn parse_ident_list(&mut self) -> PResult<Vec<Ident>> {
        let mut list = vec![self.parse_ident()?];
        while self.tok == Token::Comma {
            self.next();
            list.push(self.parse_ident()?);
        }
        Ok(list)
    }

    fn parse_expr_list(&mut self) -> PResult<Vec<Expr>> {
        let mut list = vec![self.parse_expr()?];
        while self.tok == Token::Comma {
            self.next();
            list.push(self.parse_expr()?);
        }
        Ok(list)
    }

    fn parse_list(&mut self, in_rhs: bool) -> PResult<Vec<Expr>> {
        let old = self.in_rhs;
        self.in_rhs = in_rhs;
        let list = self.parse_expr_list();
        self.in_rhs = old;
        list
    }

    // ---- types ----

    fn bad_expr_here(&mut self, what: &str, sync: fn(Token) -> bool) -> PResult<Expr> {
        let pos = self.pos;
        self.error_expected(pos, what)?;
        self.advance(sync);
        Ok(Expr::Bad(Span::new(pos, self.pos)))
    }

    fn parse_type(&mut self) -> PResult<Expr> {
        match self.try_ident_or_type()? {
            Some(t) => Ok(t),
            None => self.bad_expr_here("type", is_expr_end),
        }
    }

    fn parse_qualified_ident(&mut self, ident: Option<Ident>) -> PResult<Expr> {
        let typ = self.parse_type_name(ident)?;
        if self.tok == Token::Lbrack {
            return self.parse_type_instance(typ);
        }
        Ok(typ)
    }

    fn parse_type_name(&mut self, ident: Option<Ident>) -> PResult<Expr> {
        let ident = match ident {
            Some(i) => i,
            None => self.parse_ident()?,
        };
        if self.tok == Token::Period {
            self.next();
            let sel = self.parse_ident()?;
            return Ok(Expr::Selector(Box::new(SelectorExpr {
                x: Expr::Ident(ident),
                sel,
            })));
        }
        Ok(Expr::Ident(ident))
    }

    fn parse_array_type(&mut self, lbrack: u32, len: Option<Expr>) -> PResult<Expr> {
        let mut len = len;
        if len.is_none() {
            self.expr_lev += 1;
            if self.tok == Token::Ellipsis {
                len = Some(Expr::Ellipsis(Box::new(Ellipsis {
                    pos: self.pos,
                    elt: None,
                })));
                self.next();
            } else if self.tok != Token::Rbrack {
                len = Some(self.parse_rhs()?);
            }
            self.expr_lev -= 1;
        }
        if self.tok == Token::Comma {
            self.error(self.pos, "unexpected comma; expecting ]")?;
            self.next();
        }
        self.expect(Token::Rbrack)?;
        let elt = self.parse_type()?;
        Ok(Expr::ArrayType(Box::new(ArrayType { lbrack, len, elt })))
    }

    /// After `name [`: an array field `name [N]T` or an instantiated
    /// embedded type `name[T]` (then the name is consumed: `None`).
    fn parse_array_field_or_type_instance(&mut self, x: Ident) -> PResult<(Option<Ident>, Expr)> {
        let lbrack = self.expect(Token::Lbrack)?;
        let mut trailing_comma = None;
        let mut args = Vec::new();
        if self.tok != Token::Rbrack {
            self.expr_lev += 1;
            args.push(self.parse_rhs()?);
            while self.tok == Token::Comma {
                let comma = self.pos;
                self.next();
                if self.tok == Token::Rbrack {
                    trailing_comma = Some(comma);
                    break;
                }
                args.push(self.parse_rhs()?);
            }
            self.expr_lev -= 1;
        }
        let rbrack = self.expect(Token::Rbrack)?;
        if args.is_empty() {
            let elt = self.parse_type()?;
            let t = ArrayType {
                lbrack,
                len: None,
                elt,
            };
            return Ok((Some(x), Expr::ArrayType(Box::new(t))));
        }
        if args.len() == 1 {
            if let Some(elt) = self.try_ident_or_type()? {
                if let Some(c) = trailing_comma {
                    self.error(c, "unexpected comma; expecting ]")?;
                }
                let len = args.pop();
                let t = ArrayType { lbrack, len, elt };
                return Ok((Some(x), Expr::ArrayType(Box::new(t))));
            }
        }
        Ok((None, pack_index_expr(Expr::Ident(x), lbrack, args, rbrack)))
    }

    fn parse_field_decl(&mut self) -> PResult<Field> {
        let mut names = Vec::new();
        let typ;
        match self.tok {
            Token::Ident => {
                let name = self.parse_ident()?;
                if matches!(
                    self.tok,
                    Token::Period | Token::String | Token::Semicolon | Token::Rbrace
                ) {
                    typ = if self.tok == Token::Period {
                        self.parse_qualified_ident(Some(name))?
                    } else {
                        Expr::Ident(name)
                    };
                } else {
                    names.push(name);
                    while self.tok == Token::Comma {
                        self.next();
                        names.push(self.parse_ident()?);
                    }
                    if names.len() == 1 && self.tok == Token::Lbrack {
                        let (n, t) = self.parse_array_field_or_type_instance(name)?;
                        if n.is_none() {
                            names.clear();
                        }
                        typ = t;
                    } else {
                        typ = self.parse_type()?;
                    }
                }
            }
            Token::Mul => {
                let star = self.pos;
                self.next();
                let x = if self.tok == Token::Lparen {
                    self.error(self.pos, "cannot parenthesize embedded type")?;
                    self.next();
                    let t = self.parse_qualified_ident(None)?;
                    if self.tok == Token::Rparen {
                        self.next();
                    }
                    t
                } else {
                    self.parse_qualified_ident(None)?
                };
                typ = Expr::Star(Box::new(StarExpr { star, x }));
            }
            Token::Lparen => {
                self.error(self.pos, "cannot parenthesize embedded type")?;
                self.next();
                typ = if self.tok == Token::Mul {
                    let star = self.pos;
                    self.next();
                    let x = self.parse_qualified_ident(None)?;
                    Expr::Star(Box::new(StarExpr { star, x }))
                } else {
                    self.parse_qualified_ident(None)?
                };
                if self.tok == Token::Rparen {
                    self.next();
                }
            }
            _ => typ = self.bad_expr_here("field name or embedded type", is_expr_end)?,
        }
        let tag = self.parse_tag();
        self.expect_semi()?;
        Ok(Field { names, typ, tag })
    }

    fn parse_tag(&mut self) -> Option<BasicLit> {
        if self.tok != Token::String {
            return None;
        }
        let tag = self.basic_lit();
        self.next();
        Some(tag)
    }

    fn basic_lit(&self) -> BasicLit {
        BasicLit {
            pos: self.pos,
            end: self.end,
            kind: self.tok,
        }
    }

    fn parse_struct_type(&mut self) -> PResult<Expr> {
        let pos = self.expect(Token::Struct)?;
        let lbrace = self.expect(Token::Lbrace)?;
        let mut list = Vec::new();
        while matches!(self.tok, Token::Ident | Token::Mul | Token::Lparen) {
            list.push(self.parse_field_decl()?);
        }
        let rbrace = self.expect(Token::Rbrace)?;
        Ok(Expr::StructType(Box::new(StructType {
            pos,
            fields: delimited(lbrace, list, rbrace),
        })))
    }

    fn parse_pointer_type(&mut self) -> PResult<Expr> {
        let star = self.expect(Token::Mul)?;
        let x = self.parse_type()?;
        Ok(Expr::Star(Box::new(StarExpr { star, x })))
    }

    fn parse_dots_type(&mut self) -> PResult<Expr> {
        let pos = self.expect(Token::Ellipsis)?;
        let elt = Some(self.parse_type()?);
        Ok(Expr::Ellipsis(Box::new(Ellipsis { pos, elt })))
    }

    /// One parameter declaration: a name, a type, or both.
    fn parse_param_decl(
        &mut self,
        name: Option<Ident>,
        type_sets_ok: bool,
    ) -> PResult<(Option<Ident>, Option<Expr>)> {
        use Token::*;
        if name.is_none() && type_sets_ok && self.tok == Tilde {
            return Ok((None, Some(self.embedded_elem(None)?)));
        }
        let (mut fname, mut ftyp) = (None, None);
        if name.is_some() || self.tok == Ident {
            let n = match name {
                Some(n) => n,
                None => self.parse_ident()?,
            };
            fname = Some(n);
            match self.tok {
                Ident | Mul | Arrow | Func | Chan | Map | Struct | Interface | Lparen => {
                    ftyp = Some(self.parse_type()?)
                }
                Lbrack => {
                    let (n2, t) = self.parse_array_field_or_type_instance(n)?;
                    fname = n2;
                    ftyp = Some(t);
                }
                Ellipsis => return Ok((fname, Some(self.parse_dots_type()?))),
                Period => {
                    ftyp = Some(self.parse_qualified_ident(Some(n))?);
                    fname = None;
                }
                Tilde if type_sets_ok => return Ok((fname, Some(self.embedded_elem(None)?))),
                Or if type_sets_ok => {
                    return Ok((None, Some(self.embedded_elem(Some(Expr::Ident(n)))?)))
                }
                _ => {}
            }
        } else {
            match self.tok {
                Mul | Arrow | Func | Lbrack | Chan | Map | Struct | Interface | Lparen => {
                    ftyp = Some(self.parse_type()?)
                }
                Ellipsis => return Ok((None, Some(self.parse_dots_type()?))),
                _ => {
                    self.error_expected(self.pos, "')'")?;
                    self.advance(is_expr_end);
                }
            }
        }
        if type_sets_ok && self.tok == Or {
            if let Some(t) = ftyp.take() {
                ftyp = Some(self.embedded_elem(Some(t))?);
            }
        }
        Ok((fname, ftyp))
    }

    fn parse_parameter_list(
        &mut self,
        mut name0: Option<Ident>,
        mut typ0: Option<Expr>,
        closing: Token,
        dddok: bool,
    ) -> PResult<Vec<Field>> {
        let tparams = closing == Token::Rbrack;
        let pos0 = match (&name0, &typ0) {
            (Some(n), _) => n.pos,
            (None, Some(t)) => t.pos(),
            _ => self.pos,
        };
        let mut list: Vec<(Option<Ident>, Option<Expr>)> = Vec::new();
        let (mut named, mut typed) = (0usize, 0usize);
        while name0.is_some() || self.tok != closing && self.tok != Token::Eof {
            let par = if let Some(t) = typ0.take() {
                let t = if tparams {
                    self.embedded_elem(Some(t))?
                } else {
                    t
                };
                (name0.take(), Some(t))
            } else {
                self.parse_param_decl(name0.take(), tparams)?
            };
            if par.0.is_some() || par.1.is_some() {
                if par.0.is_some() && par.1.is_some() {
                    named += 1;
                }
                if par.1.is_some() {
                    typed += 1;
                }
                list.push(par);
            }
            if !self.at_comma("parameter list", closing)? {
                break;
            }
            self.next();
        }
        if list.is_empty() {
            return Ok(Vec::new());
        }
        if named == 0 {
            for par in &mut list {
                if let Some(n) = par.0.take() {
                    par.1 = Some(Expr::Ident(n));
                }
            }
            if tparams {
                let (err_pos, mut msg) = if named == typed {
                    (self.pos, "missing type constraint".to_string())
                } else {
                    (pos0, "missing type parameter name".to_string())
                };
                if named != typed && list.len() == 1 {
                    msg.push_str(" or invalid array length");
                }
                self.error(err_pos, msg)?;
            }
        } else if named != list.len() {
            self.distribute_param_types(&mut list, named, typed, tparams)?;
        }
        self.check_ellipsis(&mut list, dddok)?;
        Ok(group_params(list, named == 0))
    }

    /// In a list that mixes `a, b T` forms, gives every name the type that
    /// follows it, and reports names or types that are missing.
    fn distribute_param_types(
        &mut self,
        list: &mut [(Option<Ident>, Option<Expr>)],
        named: usize,
        typed: usize,
        tparams: bool,
    ) -> PResult<()> {
        let mut err_pos = None;
        let mut typ: Option<Expr> = None;
        for par in list.iter_mut().rev() {
            if let Some(t) = &par.1 {
                typ = Some(t.clone());
                if par.0.is_none() {
                    let p = t.pos();
                    err_pos = Some(p);
                    par.0 = Some(Ident { pos: p, end: p });
                }
            } else if let Some(t) = &typ {
                par.1 = Some(t.clone());
            } else if let Some(n) = par.0 {
                err_pos = Some(n.pos);
                par.1 = Some(Expr::Bad(Span::new(n.pos, self.pos)));
            }
        }
        let Some(mut err_pos) = err_pos else {
            return Ok(());
        };
        let msg = if named == typed {
            err_pos = self.pos;
            if tparams {
                "missing type constraint"
            } else {
                "missing parameter type"
            }
            .to_string()
        } else if tparams {
            let mut m = "missing type parameter name".to_string();
            if list.len() == 1 {
                m.push_str(" or invalid array length");
            }
            m
        } else {
            "missing parameter name".to_string()
        };
        self.error(err_pos, msg)
    }

    fn check_ellipsis(
        &mut self,
        list: &mut [(Option<Ident>, Option<Expr>)],
        dddok: bool,
    ) -> PResult<()> {
        let n = list.len();
        let mut first = true;
        for (i, par) in list.iter_mut().enumerate() {
            let Some(Expr::Ellipsis(e)) = &par.1 else {
                continue;
            };
            if dddok && i + 1 == n {
                continue;
            }
            let (pos, end) = (e.pos, Expr::Ellipsis(e.clone()).end());
            if first {
                first = false;
                let msg = if dddok {
                    "can only use ... with final parameter"
                } else {
                    "invalid use of ..."
                };
                self.error(pos, msg)?;
            }
            par.1 = Some(Expr::Bad(Span::new(pos, end)));
        }
        Ok(())
    }

    fn parse_type_parameters(&mut self) -> PResult<Option<FieldList>> {
        let lbrack = self.expect(Token::Lbrack)?;
        let mut list = Vec::new();
        if self.tok != Token::Rbrack {
            list = self.parse_parameter_list(None, None, Token::Rbrack, false)?;
        }
        let rbrack = self.expect(Token::Rbrack)?;
        if list.is_empty() {
            self.error(rbrack, "empty type parameter list")?;
            return Ok(None);
        }
        Ok(Some(delimited(lbrack, list, rbrack)))
    }

    /// A parenthesized parameter list; `...T` is allowed last only in
    /// parameters, not results.
    fn parse_paren_params(&mut self, dddok: bool) -> PResult<FieldList> {
        let lparen = self.expect(Token::Lparen)?;
        let mut list = Vec::new();
        if self.tok != Token::Rparen {
            list = self.parse_parameter_list(None, None, Token::Rparen, dddok)?;
        }
        let rparen = self.expect(Token::Rparen)?;
        Ok(delimited(lparen, list, rparen))
    }

    fn parse_params(&mut self) -> PResult<FieldList> {
        self.parse_paren_params(true)
    }

    fn parse_results(&mut self) -> PResult<Option<FieldList>> {
        if self.tok == Token::Lparen {
            return self.parse_paren_params(false).map(Some);
        }
        Ok(self.try_ident_or_type()?.map(|typ| FieldList {
            opening: None,
            list: vec![unnamed_field(typ)],
            closing: None,
        }))
    }

    fn parse_func_type(&mut self) -> PResult<FuncType> {
        let pos = self.expect(Token::Func)?;
        if self.tok == Token::Lbrack {
            if let Some(tp) = self.parse_type_parameters()? {
                let at = tp.opening.unwrap_or(pos);
                self.error(at, "function type must have no type parameters")?;
            }
        }
        let params = self.parse_params()?;
        let results = self.parse_results()?;
        Ok(FuncType {
            func: Some(pos),
            type_params: None,
            params,
            results,
        })
    }

    fn parse_method_spec(&mut self) -> PResult<Field> {
        let x = self.parse_type_name(None)?;
        let Expr::Ident(ident) = x else {
            let typ = if self.tok == Token::Lbrack {
                self.parse_type_instance(x)?
            } else {
                x
            };
            return Ok(unnamed_field(typ));
        };
        match self.tok {
            Token::Lbrack => {
                let lbrack = self.pos;
                self.next();
                self.expr_lev += 1;
                let x = self.parse_expr()?;
                self.expr_lev -= 1;
                if let (Expr::Ident(name0), false) =
                    (&x, matches!(self.tok, Token::Comma | Token::Rbrack))
                {
                    let name0 = *name0;
                    self.parse_parameter_list(Some(name0), None, Token::Rbrack, false)?;
                    self.expect(Token::Rbrack)?;
                    self.error(lbrack, "interface method must have no type parameters")?;
                    return self.method_signature(ident);
                }
                let mut list = vec![x];
                if self.at_comma("type argument list", Token::Rbrack)? {
                    self.expr_lev += 1;
                    self.next();
                    while self.tok != Token::Rbrack && self.tok != Token::Eof {
                        list.push(self.parse_type()?);
                        if !self.at_comma("type argument list", Token::Rbrack)? {
                            break;
                        }
                        self.next();
                    }
                    self.expr_lev -= 1;
                }
                let rbrack = self.expect_closing(Token::Rbrack, "type argument list")?;
                Ok(unnamed_field(pack_index_expr(
                    Expr::Ident(ident),
                    lbrack,
                    list,
                    rbrack,
                )))
            }
            Token::Lparen => self.method_signature(ident),
            _ => Ok(unnamed_field(Expr::Ident(ident))),
        }
    }

    fn method_signature(&mut self, name: Ident) -> PResult<Field> {
        let params = self.parse_params()?;
        let results = self.parse_results()?;
        let typ = FuncType {
            func: None,
            type_params: None,
            params,
            results,
        };
        Ok(Field {
            names: vec![name],
            typ: Expr::FuncType(Box::new(typ)),
            tag: None,
        })
    }

    fn embedded_elem(&mut self, x: Option<Expr>) -> PResult<Expr> {
        let mut x = match x {
            Some(x) => x,
            None => self.embedded_term()?,
        };
        while self.tok == Token::Or {
            let op_pos = self.pos;
            self.next();
            let y = self.embedded_term()?;
            x = Expr::Binary(Box::new(BinaryExpr {
                x,
                op_pos,
                op: Token::Or,
                y,
            }));
        }
        Ok(x)
    }

    fn embedded_term(&mut self) -> PResult<Expr> {
        if self.tok == Token::Tilde {
            let op_pos = self.pos;
            self.next();
            let x = self.parse_type()?;
            return Ok(Expr::Unary(Box::new(UnaryExpr {
                op_pos,
                op: Token::Tilde,
                x,
            })));
        }
        match self.try_ident_or_type()? {
            Some(t) => Ok(t),
            None => self.bad_expr_here("~ term or type", is_expr_end),
        }
    }

    fn parse_interface_type(&mut self) -> PResult<Expr> {
        let pos = self.expect(Token::Interface)?;
        let lbrace = self.expect(Token::Lbrace)?;
        let mut list = Vec::new();
        loop {
            let f = match self.tok {
                Token::Ident => {
                    let mut f = self.parse_method_spec()?;
                    if f.names.is_empty() {
                        let t = std::mem::replace(&mut f.typ, Expr::Bad(Span::default()));
                        f.typ = self.embedded_elem(Some(t))?;
                    }
                    f
                }
                Token::Tilde => unnamed_field(self.embedded_elem(None)?),
                _ => match self.try_ident_or_type()? {
                    Some(t) => unnamed_field(self.embedded_elem(Some(t))?),
                    None => break,
                },
            };
            self.expect_semi()?;
            list.push(f);
        }
        let rbrace = self.expect(Token::Rbrace)?;
        Ok(Expr::InterfaceType(Box::new(InterfaceType {
            pos,
            methods: delimited(lbrace, list, rbrace),
        })))
    }

    fn parse_map_type(&mut self) -> PResult<Expr> {
        let pos = self.expect(Token::Map)?;
        self.expect(Token::Lbrack)?;
        let key = self.parse_type()?;
        self.expect(Token::Rbrack)?;
        let value = self.parse_type()?;
        Ok(Expr::MapType(Box::new(MapType { pos, key, value })))
    }

    fn parse_chan_type(&mut self) -> PResult<Expr> {
        let begin = self.pos;
        let (dir, arrow);
        if self.tok == Token::Chan {
            self.next();
            if self.tok == Token::Arrow {
                arrow = Some(self.pos);
                self.next();
                dir = ChanDir::Send;
            } else {
                arrow = None;
                dir = ChanDir::Both;
            }
        } else {
            arrow = Some(self.expect(Token::Arrow)?);
            self.expect(Token::Chan)?;
            dir = ChanDir::Recv;
        }
        let value = self.parse_type()?;
        Ok(Expr::ChanType(Box::new(ChanType {
            begin,
            arrow,
            dir,
            value,
        })))
    }

    fn parse_type_instance(&mut self, typ: Expr) -> PResult<Expr> {
        let opening = self.expect(Token::Lbrack)?;
        self.expr_lev += 1;
        let mut list = Vec::new();
        while self.tok != Token::Rbrack && self.tok != Token::Eof {
            list.push(self.parse_type()?);
            if !self.at_comma("type argument list", Token::Rbrack)? {
                break;
            }
            self.next();
        }
        self.expr_lev -= 1;
        let closing = self.expect_closing(Token::Rbrack, "type argument list")?;
        if list.is_empty() {
            self.error_expected(closing, "type argument list")?;
            return Ok(Expr::Index(Box::new(IndexExpr {
                x: typ,
                lbrack: opening,
                index: Expr::Bad(Span::new(opening + 1, closing)),
                rbrack: closing,
            })));
        }
        Ok(pack_index_expr(typ, opening, list, closing))
    }

    fn try_ident_or_type(&mut self) -> PResult<Option<Expr>> {
        self.nested(|p| p.try_ident_or_type_inner())
    }

    fn try_ident_or_type_inner(&mut self) -> PResult<Option<Expr>> {
        let t = match self.tok {
            Token::Ident => {
                let typ = self.parse_type_name(None)?;
                if self.tok == Token::Lbrack {
                    self.parse_type_instance(typ)?
                } else {
                    typ
                }
            }
            Token::Lbrack => {
                let lbrack = self.expect(Token::Lbrack)?;
                self.parse_array_type(lbrack, None)?
            }
            Token::Struct => self.parse_struct_type()?,
            Token::Mul => self.parse_pointer_type()?,
            Token::Func => Expr::FuncType(Box::new(self.parse_func_type()?)),
            Token::Interface => self.parse_interface_type()?,
            Token::Map => self.parse_map_type()?,
            Token::Chan | Token::Arrow => self.parse_chan_type()?,
            Token::Lparen => {
                let lparen = self.pos;
                self.next();
                let x = self.parse_type()?;
                let rparen = self.expect(Token::Rparen)?;
                Expr::Paren(Box::new(ParenExpr { lparen, x, rparen }))
            }
            _ => return Ok(None),
        };
        Ok(Some(t))
    }

    // ---- blocks ----

    fn parse_stmt_list(&mut self) -> PResult<Vec<Stmt>> {
        let mut list = Vec::new();
        while !matches!(
            self.tok,
            Token::Case | Token::Default | Token::Rbrace | Token::Eof
        ) {
            list.push(self.parse_stmt()?);
        }
        Ok(list)
    }

    fn parse_block_stmt(&mut self) -> PResult<BlockStmt> {
        let lbrace = self.expect(Token::Lbrace)?;
        let list = self.parse_stmt_list()?;
        let rbrace = self.expect2(Token::Rbrace)?;
        Ok(BlockStmt {
            lbrace,
            list,
            rbrace,
        })
    }

    // ---- expressions ----

    fn parse_func_type_or_lit(&mut self) -> PResult<Expr> {
        let typ = self.parse_func_type()?;
        if self.tok != Token::Lbrace {
            return Ok(Expr::FuncType(Box::new(typ)));
        }
        self.expr_lev += 1;
        let body = self.parse_block_stmt()?;
        self.expr_lev -= 1;
        Ok(Expr::FuncLit(Box::new(FuncLit { typ, body })))
    }

    fn parse_operand(&mut self) -> PResult<Expr> {
        match self.tok {
            Token::Ident => return Ok(Expr::Ident(self.parse_ident()?)),
            Token::Int | Token::Float | Token::Imag | Token::Char | Token::String => {
                let lit = self.basic_lit();
                self.next();
                return Ok(Expr::BasicLit(lit));
            }
            Token::Lparen => {
                let lparen = self.pos;
                self.next();
                self.expr_lev += 1;
                let x = self.parse_rhs()?;
                self.expr_lev -= 1;
                let rparen = self.expect(Token::Rparen)?;
                return Ok(Expr::Paren(Box::new(ParenExpr { lparen, x, rparen })));
            }
            Token::Func => return self.parse_func_type_or_lit(),
            _ => {}
        }
        if let Some(t) = self.try_ident_or_type()? {
            return Ok(t);
        }
        self.bad_expr_here("operand", is_sync_point)
    }

    fn parse_type_assertion(&mut self, x: Expr) -> PResult<Expr> {
        let lparen = self.expect(Token::Lparen)?;
        let typ = if self.tok == Token::Type {
            self.next();
            None
        } else {
            Some(self.parse_type()?)
        };
        let rparen = self.expect(Token::Rparen)?;
        Ok(Expr::TypeAssert(Box::new(TypeAssertExpr {
            x,
            lparen,
            typ,
            rparen,
        })))
    }

    fn parse_index_or_slice_or_instance(&mut self, x: Expr) -> PResult<Expr> {
        let lbrack = self.expect(Token::Lbrack)?;
        if self.tok == Token::Rbrack {
            self.error_expected(self.pos, "operand")?;
            let rbrack = self.pos;
            self.next();
            return Ok(Expr::Index(Box::new(IndexExpr {
                x,
                lbrack,
                index: Expr::Bad(Span::new(rbrack, rbrack)),
                rbrack,
            })));
        }
        self.expr_lev += 1;
        let mut args = Vec::new();
        let mut index: [Option<Expr>; 3] = [None, None, None];
        let mut colons = [0u32; 2];
        let mut ncolons = 0;
        if self.tok != Token::Colon {
            index[0] = Some(self.parse_rhs()?);
        }
        match self.tok {
            Token::Colon => {
                while self.tok == Token::Colon && ncolons < colons.len() {
                    colons[ncolons] = self.pos;
                    ncolons += 1;
                    self.next();
                    if !matches!(self.tok, Token::Colon | Token::Rbrack | Token::Eof) {
                        index[ncolons] = Some(self.parse_rhs()?);
                    }
                }
            }
            Token::Comma => {
                args.extend(index[0].take());
                while self.tok == Token::Comma {
                    self.next();
                    if self.tok != Token::Rbrack && self.tok != Token::Eof {
                        args.push(self.parse_type()?);
                    }
                }
            }
            _ => {}
        }
        self.expr_lev -= 1;
        let rbrack = self.expect(Token::Rbrack)?;
        let [low, mut high, mut max] = index;
        if ncolons > 0 {
            let slice3 = ncolons == 2;
            if slice3 {
                if high.is_none() {
                    self.error(colons[0], "middle index required in 3-index slice")?;
                    high = Some(Expr::Bad(Span::new(colons[0] + 1, colons[1])));
                }
                if max.is_none() {
                    self.error(colons[1], "final index required in 3-index slice")?;
                    max = Some(Expr::Bad(Span::new(colons[1] + 1, rbrack)));
                }
            }
            return Ok(Expr::Slice(Box::new(SliceExpr {
                x,
                lbrack,
                low,
                high,
                max,
                slice3,
                rbrack,
            })));
        }
        if args.is_empty() {
            let index = low.unwrap_or(Expr::Bad(Span::new(lbrack, rbrack)));
            return Ok(Expr::Index(Box::new(IndexExpr {
                x,
                lbrack,
                index,
                rbrack,
            })));
        }
        Ok(pack_index_expr(x, lbrack, args, rbrack))
    }

    fn parse_call_or_conversion(&mut self, fun: Expr) -> PResult<CallExpr> {
        let lparen = self.expect(Token::Lparen)?;
        self.expr_lev += 1;
        let mut args = Vec::new();
        let mut ellipsis = None;
        while self.tok != Token::Rparen && self.tok != Token::Eof && ellipsis.is_none() {
            args.push(self.parse_rhs()?);
            if self.tok == Token::Ellipsis {
                ellipsis = Some(self.pos);
                self.next();
            }
            if !self.at_comma("argument list", Token::Rparen)? {
                break;
            }
            self.next();
        }
        self.expr_lev -= 1;
        let rparen = self.expect_closing(Token::Rparen, "argument list")?;
        Ok(CallExpr {
            fun,
            lparen,
            args,
            ellipsis,
            rparen,
        })
    }

    fn parse_value(&mut self) -> PResult<Expr> {
        if self.tok == Token::Lbrace {
            return self.parse_literal_value(None);
        }
        self.parse_expr()
    }

    fn parse_element(&mut self) -> PResult<Expr> {
        let x = self.parse_value()?;
        if self.tok == Token::Colon {
            let colon = self.pos;
            self.next();
            let value = self.parse_value()?;
            return Ok(Expr::KeyValue(Box::new(KeyValueExpr {
                key: x,
                colon,
                value,
            })));
        }
        Ok(x)
    }

    fn parse_literal_value(&mut self, typ: Option<Expr>) -> PResult<Expr> {
        self.nested(|p| {
            let lbrace = p.expect(Token::Lbrace)?;
            let mut elts = Vec::new();
            p.expr_lev += 1;
            while p.tok != Token::Rbrace && p.tok != Token::Eof {
                elts.push(p.parse_element()?);
                if !p.at_comma("composite literal", Token::Rbrace)? {
                    break;
                }
                p.next();
            }
            p.expr_lev -= 1;
            let rbrace = p.expect_closing(Token::Rbrace, "composite literal")?;
            Ok(Expr::CompositeLit(Box::new(CompositeLit {
                typ,
                lbrace,
                elts,
                rbrace,
            })))
        })
    }

    fn parse_primary_expr(&mut self, x: Option<Expr>) -> PResult<Expr> {
        let mut x = match x {
            Some(x) => x,
            None => self.parse_operand()?,
        };
        // Each suffix deepens the tree; count it against the nesting limit.
        let start_lev = self.nest_lev;
        let r = self.parse_primary_suffixes(&mut x);
        self.nest_lev = start_lev;
        r.map(|()| x)
    }

    fn parse_primary_suffixes(&mut self, x: &mut Expr) -> PResult<()> {
        let take = |x: &mut Expr| std::mem::replace(x, Expr::Bad(Span::default()));
        loop {
            self.inc_nest()?;
            match self.tok {
                Token::Period => {
                    self.next();
                    match self.tok {
                        Token::Ident => {
                            let sel = self.parse_ident()?;
                            *x = Expr::Selector(Box::new(SelectorExpr { x: take(x), sel }));
                        }
                        Token::Lparen => *x = self.parse_type_assertion(take(x))?,
                        _ => {
                            let pos = self.pos;
                            self.error_expected(pos, "selector or type assertion")?;
                            if self.tok != Token::Rbrace {
                                self.next();
                            }
                            let sel = Ident { pos, end: pos };
                            *x = Expr::Selector(Box::new(SelectorExpr { x: take(x), sel }));
                        }
                    }
                }
                Token::Lbrack => *x = self.parse_index_or_slice_or_instance(take(x))?,
                Token::Lparen => *x = Expr::Call(Box::new(self.parse_call_or_conversion(take(x))?)),
                Token::Lbrace => {
                    let t = x.unparen();
                    let literal_type = match t {
                        Expr::Bad(_) | Expr::Ident(_) | Expr::Selector(_) => self.expr_lev >= 0,
                        Expr::Index(_) | Expr::IndexList(_) => self.expr_lev >= 0,
                        Expr::ArrayType(_) | Expr::StructType(_) | Expr::MapType(_) => true,
                        _ => false,
                    };
                    if !literal_type {
                        return Ok(());
                    }
                    if !matches!(x, Expr::Paren(_)) {
                        *x = self.parse_literal_value(Some(take(x)))?;
                    } else {
                        let tpos = t.pos();
                        self.error(tpos, "cannot parenthesize type in composite literal")?;
                        *x = self.parse_literal_value(Some(take(x)))?;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn parse_unary_expr(&mut self) -> PResult<Expr> {
        self.nested(|p| p.parse_unary_expr_inner())
    }

    fn parse_unary_expr_inner(&mut self) -> PResult<Expr> {
        use Token::*;
        match self.tok {
            Add | Sub | Not | Xor | And | Tilde => {
                let (op_pos, op) = (self.pos, self.tok);
                self.next();
                let x = self.parse_unary_expr()?;
                Ok(Expr::Unary(Box::new(UnaryExpr { op_pos, op, x })))
            }
            Arrow => {
                let arrow = self.pos;
                self.next();
                let x = self.parse_unary_expr()?;
                if let Expr::ChanType(_) = x {
                    return self.recv_chan_type(arrow, x);
                }
                Ok(Expr::Unary(Box::new(UnaryExpr {
                    op_pos: arrow,
                    op: Arrow,
                    x,
                })))
            }
            Mul => {
                let star = self.pos;
                self.next();
                let x = self.parse_unary_expr()?;
                Ok(Expr::Star(Box::new(StarExpr { star, x })))
            }
            _ => self.parse_primary_expr(None),
        }
    }

    /// `<-chan T` read as `<-` applied to `chan T`: re-associate the arrow
    /// onto the channel types, as go/parser does (`<-chan chan int`).
    fn recv_chan_type(&mut self, arrow: u32, mut x: Expr) -> PResult<Expr> {
        let mut arrow = Some(arrow);
        let mut dir = ChanDir::Send;
        let mut cur = &mut x;
        while let (Expr::ChanType(typ), ChanDir::Send) = (cur, dir) {
            if typ.dir == ChanDir::Recv {
                let at = typ.arrow.unwrap_or(typ.begin);
                self.error_expected(at, "'chan'")?;
            }
            let old_arrow = typ.arrow;
            typ.begin = arrow.unwrap_or(typ.begin);
            typ.arrow = arrow;
            arrow = old_arrow;
            dir = typ.dir;
            typ.dir = ChanDir::Recv;
            cur = &mut typ.value;
        }
        if dir == ChanDir::Send {
            let at = arrow.unwrap_or(self.pos);
            self.error_expected(at, "channel type")?;
        }
        Ok(x)
    }

    fn tok_prec(&self) -> (Token, u8) {
        let tok = if self.in_rhs && self.tok == Token::Assign {
            Token::Eql
        } else {
            self.tok
        };
        (tok, tok.precedence())
    }

    fn parse_binary_expr(&mut self, x: Option<Expr>, prec1: u8) -> PResult<Expr> {
        let mut x = match x {
            Some(x) => x,
            None => self.parse_unary_expr()?,
        };
        let start_lev = self.nest_lev;
        let r = (|| loop {
            self.inc_nest()?;
            let (op, oprec) = self.tok_prec();
            if oprec < prec1 {
                return Ok(());
            }
            let op_pos = self.expect(op)?;
            let y = self.parse_binary_expr(None, oprec + 1)?;
            let lhs = std::mem::replace(&mut x, Expr::Bad(Span::default()));
            x = Expr::Binary(Box::new(BinaryExpr {
                x: lhs,
                op_pos,
                op,
                y,
            }));
        })();
        self.nest_lev = start_lev;
        r.map(|()| x)
    }

    fn parse_expr(&mut self) -> PResult<Expr> {
        self.parse_binary_expr(None, LOWEST_PREC + 1)
    }

    fn parse_rhs(&mut self) -> PResult<Expr> {
        let old = self.in_rhs;
        self.in_rhs = true;
        let x = self.parse_expr();
        self.in_rhs = old;
        x
    }

    // ---- statements ----

    /// A simple statement; the flag is true for a `range` clause (then the
    /// statement is an `AssignStmt` whose single rhs is a `range` unary).
    fn parse_simple_stmt(&mut self, mode: SimpleMode) -> PResult<(Stmt, bool)> {
        let x = self.parse_list(false)?;
        if self.tok.is_assign_op() {
            let (tok_pos, tok) = (self.pos, self.tok);
            self.next();
            let mut is_range = false;
            let rhs = if mode == SimpleMode::RangeOk
                && self.tok == Token::Range
                && (tok == Token::Define || tok == Token::Assign)
            {
                let op_pos = self.pos;
                self.next();
                let x = self.parse_rhs()?;
                is_range = true;
                vec![Expr::Unary(Box::new(UnaryExpr {
                    op_pos,
                    op: Token::Range,
                    x,
                }))]
            } else {
                self.parse_list(true)?
            };
            let s = AssignStmt {
                lhs: x,
                tok_pos,
                tok,
                rhs,
            };
            return Ok((Stmt::Assign(Box::new(s)), is_range));
        }
        if x.len() > 1 {
            self.error_expected(x[0].pos(), "1 expression")?;
        }
        let x0 = x.into_iter().next().unwrap_or(Expr::Bad(Span::default()));
        match self.tok {
            Token::Colon => {
                let colon = self.pos;
                self.next();
                if let (Expr::Ident(label), SimpleMode::LabelOk) = (&x0, mode) {
                    let label = *label;
                    let stmt = self.parse_stmt()?;
                    let s = LabeledStmt { label, colon, stmt };
                    return Ok((Stmt::Labeled(Box::new(s)), false));
                }
                self.error(colon, "illegal label declaration")?;
                Ok((Stmt::Bad(Span::new(x0.pos(), colon + 1)), false))
            }
            Token::Arrow => {
                let arrow = self.pos;
                self.next();
                let value = self.parse_rhs()?;
                let s = SendStmt {
                    chan: x0,
                    arrow,
                    value,
                };
                Ok((Stmt::Send(Box::new(s)), false))
            }
            Token::Inc | Token::Dec => {
                let s = IncDecStmt {
                    x: x0,
                    tok_pos: self.pos,
                    tok: self.tok,
                };
                self.next();
                Ok((Stmt::IncDec(Box::new(s)), false))
            }
            _ => Ok((Stmt::Expr(Box::new(x0)), false)),
        }
    }

    fn parse_call_expr(&mut self, call_type: &str) -> PResult<Option<CallExpr>> {
        let mut x = self.parse_rhs()?;
        if let Expr::Paren(_) = x {
            self.error(
                x.pos(),
                format!("expression in {call_type} must not be parenthesized"),
            )?;
            while let Expr::Paren(p) = x {
                x = p.x;
            }
        }
        match x {
            Expr::Call(call) => Ok(Some(*call)),
            Expr::Bad(_) => Ok(None),
            _ => {
                self.error(
                    x.end(),
                    format!("expression in {call_type} must be function call"),
                )?;
                Ok(None)
            }
        }
    }

    fn parse_go_or_defer_stmt(&mut self, keyword: Token) -> PResult<Stmt> {
        let pos = self.expect(keyword)?;
        let call = self.parse_call_expr(keyword.as_str())?;
        self.expect_semi()?;
        let Some(call) = call else {
            let len = keyword.as_str().len() as u32;
            return Ok(Stmt::Bad(Span::new(pos, pos + len)));
        };
        let s = Box::new(CallStmt { pos, call });
        Ok(if keyword == Token::Go {
            Stmt::Go(s)
        } else {
            Stmt::Defer(s)
        })
    }

    fn parse_return_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos;
        self.expect(Token::Return)?;
        let mut results = Vec::new();
        if self.tok != Token::Semicolon && self.tok != Token::Rbrace {
            results = self.parse_list(true)?;
        }
        self.expect_semi()?;
        Ok(Stmt::Return(Box::new(ReturnStmt { pos, results })))
    }

    fn parse_branch_stmt(&mut self, tok: Token) -> PResult<Stmt> {
        let tok_pos = self.expect(tok)?;
        let mut label = None;
        if tok == Token::Goto
            || (tok == Token::Continue || tok == Token::Break) && self.tok == Token::Ident
        {
            label = Some(self.parse_ident()?);
        }
        self.expect_semi()?;
        Ok(Stmt::Branch(Box::new(BranchStmt {
            tok_pos,
            tok,
            label,
        })))
    }

    fn make_expr(&mut self, s: Option<Stmt>, want: &str) -> PResult<Option<Expr>> {
        let Some(s) = s else {
            return Ok(None);
        };
        if let Stmt::Expr(x) = s {
            return Ok(Some(*x));
        }
        let found = if matches!(s, Stmt::Assign(_)) {
            "assignment"
        } else {
            "simple statement"
        };
        self.error(
            s.pos(),
            format!(
                "expected {want}, found {found} (missing parentheses around composite literal?)"
            ),
        )?;
        Ok(Some(Expr::Bad(s.span())))
    }

    fn parse_if_header(&mut self) -> PResult<(Option<Stmt>, Expr)> {
        if self.tok == Token::Lbrace {
            self.error(self.pos, "missing condition in if statement")?;
            return Ok((None, Expr::Bad(Span::new(self.pos, self.pos))));
        }
        let prev_lev = self.expr_lev;
        self.expr_lev = -1;
        let mut init = None;
        if self.tok != Token::Semicolon {
            if self.tok == Token::Var {
                self.next();
                self.error(self.pos, "var declaration not allowed in if initializer")?;
            }
            init = Some(self.parse_simple_stmt(SimpleMode::Basic)?.0);
        }
        let mut cond_stmt = None;
        let mut semi = None;
        if self.tok != Token::Lbrace {
            if self.tok == Token::Semicolon {
                semi = Some((self.pos, self.auto_semi));
                self.next();
            } else {
                self.expect(Token::Semicolon)?;
            }
            if self.tok != Token::Lbrace {
                cond_stmt = Some(self.parse_simple_stmt(SimpleMode::Basic)?.0);
            }
        } else {
            cond_stmt = init.take();
        }
        let mut cond = None;
        if cond_stmt.is_some() {
            cond = self.make_expr(cond_stmt, "boolean expression")?;
        } else if let Some((pos, newline)) = semi {
            if newline {
                self.error(pos, "unexpected newline, expecting { after if clause")?;
            } else {
                self.error(pos, "missing condition in if statement")?;
            }
        }
        let cond = cond.unwrap_or(Expr::Bad(Span::new(self.pos, self.pos)));
        self.expr_lev = prev_lev;
        Ok((init, cond))
    }

    fn parse_if_stmt(&mut self) -> PResult<Stmt> {
        self.nested(|p| {
            let pos = p.expect(Token::If)?;
            let (init, cond) = p.parse_if_header()?;
            let body = p.parse_block_stmt()?;
            let mut els = None;
            if p.tok == Token::Else {
                p.next();
                match p.tok {
                    Token::If => els = Some(p.parse_if_stmt()?),
                    Token::Lbrace => {
                        els = Some(Stmt::Block(Box::new(p.parse_block_stmt()?)));
                        p.expect_semi()?;
                    }
                    _ => {
                        p.error_expected(p.pos, "if statement or block")?;
                        els = Some(Stmt::Bad(Span::new(p.pos, p.pos)));
                    }
                }
            } else {
                p.expect_semi()?;
            }
            Ok(Stmt::If(Box::new(IfStmt {
                pos,
                init,
                cond,
                body,
                els,
            })))
        })
    }

    fn parse_case_clause(&mut self) -> PResult<CaseClause> {
        let pos = self.pos;
        let mut list = Vec::new();
        if self.tok == Token::Case {
            self.next();
            list = self.parse_list(true)?;
        } else {
            self.expect(Token::Default)?;
        }
        let colon = self.expect(Token::Colon)?;
        let body = self.parse_stmt_list()?;
        Ok(CaseClause {
            pos,
            list,
            colon,
            body,
        })
    }

    fn is_type_switch_guard(&mut self, s: &Option<Stmt>) -> PResult<bool> {
        let is_assert = |x: &Expr| matches!(x, Expr::TypeAssert(a) if a.typ.is_none());
        match s {
            Some(Stmt::Expr(x)) => Ok(is_assert(x)),
            Some(Stmt::Assign(a))
                if a.lhs.len() == 1 && a.rhs.len() == 1 && is_assert(&a.rhs[0]) =>
            {
                match a.tok {
                    Token::Assign => {
                        self.error(a.tok_pos, "expected ':=', found '='")?;
                        Ok(true)
                    }
                    Token::Define => Ok(true),
                    _ => Ok(false),
                }
            }
            _ => Ok(false),
        }
    }

    fn parse_switch_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.expect(Token::Switch)?;
        let (mut s1, mut s2) = (None, None);
        if self.tok != Token::Lbrace {
            let prev_lev = self.expr_lev;
            self.expr_lev = -1;
            if self.tok != Token::Semicolon {
                s2 = Some(self.parse_simple_stmt(SimpleMode::Basic)?.0);
            }
            if self.tok == Token::Semicolon {
                self.next();
                s1 = s2.take();
                if self.tok != Token::Lbrace {
                    s2 = Some(self.parse_simple_stmt(SimpleMode::Basic)?.0);
                }
            }
            self.expr_lev = prev_lev;
        }
        let type_switch = self.is_type_switch_guard(&s2)?;
        let lbrace = self.expect(Token::Lbrace)?;
        let mut clauses = Vec::new();
        while self.tok == Token::Case || self.tok == Token::Default {
            clauses.push(self.parse_case_clause()?);
        }
        let rbrace = self.expect(Token::Rbrace)?;
        self.expect_semi()?;
        let body = ClauseBlock {
            lbrace,
            clauses,
            rbrace,
        };
        if type_switch {
            let assign = s2.unwrap_or(Stmt::Bad(Span::default()));
            return Ok(Stmt::TypeSwitch(Box::new(TypeSwitchStmt {
                pos,
                init: s1,
                assign,
                body,
            })));
        }
        let tag = self.make_expr(s2, "switch expression")?;
        Ok(Stmt::Switch(Box::new(SwitchStmt {
            pos,
            init: s1,
            tag,
            body,
        })))
    }

    fn parse_comm_clause(&mut self) -> PResult<CommClause> {
        let pos = self.pos;
        let mut comm = None;
        if self.tok == Token::Case {
            self.next();
            let mut lhs = self.parse_list(false)?;
            if self.tok == Token::Arrow {
                if lhs.len() > 1 {
                    self.error_expected(lhs[0].pos(), "1 expression")?;
                }
                let arrow = self.pos;
                self.next();
                let value = self.parse_rhs()?;
                let chan = lhs.swap_remove(0);
                comm = Some(Stmt::Send(Box::new(SendStmt { chan, arrow, value })));
            } else if self.tok == Token::Assign || self.tok == Token::Define {
                if lhs.len() > 2 {
                    self.error_expected(lhs[0].pos(), "1 or 2 expressions")?;
                    lhs.truncate(2);
                }
                let (tok_pos, tok) = (self.pos, self.tok);
                self.next();
                let rhs = vec![self.parse_rhs()?];
                comm = Some(Stmt::Assign(Box::new(AssignStmt {
                    lhs,
                    tok_pos,
                    tok,
                    rhs,
                })));
            } else {
                if lhs.len() > 1 {
                    self.error_expected(lhs[0].pos(), "1 expression")?;
                }
                comm = Some(Stmt::Expr(Box::new(lhs.swap_remove(0))));
            }
        } else {
            self.expect(Token::Default)?;
        }
        let colon = self.expect(Token::Colon)?;
        let body = self.parse_stmt_list()?;
        Ok(CommClause {
            pos,
            comm,
            colon,
            body,
        })
    }

    fn parse_select_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.expect(Token::Select)?;
        let lbrace = self.expect(Token::Lbrace)?;
        let mut clauses = Vec::new();
        while self.tok == Token::Case || self.tok == Token::Default {
            clauses.push(self.parse_comm_clause()?);
        }
        let rbrace = self.expect(Token::Rbrace)?;
        self.expect_semi()?;
        let body = ClauseBlock {
            lbrace,
            clauses,
            rbrace,
        };
        Ok(Stmt::Select(Box::new(SelectStmt { pos, body })))
    }

    fn parse_for_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.expect(Token::For)?;
        let (mut s1, mut s2, mut s3) = (None, None, None);
        let mut is_range = false;
        if self.tok != Token::Lbrace {
            let prev_lev = self.expr_lev;
            self.expr_lev = -1;
            if self.tok != Token::Semicolon {
                if self.tok == Token::Range {
                    let op_pos = self.pos;
                    self.next();
                    let x = self.parse_rhs()?;
                    let rhs = vec![Expr::Unary(Box::new(UnaryExpr {
                        op_pos,
                        op: Token::Range,
                        x,
                    }))];
                    s2 = Some(Stmt::Assign(Box::new(AssignStmt {
                        lhs: Vec::new(),
                        tok_pos: u32::MAX,
                        tok: Token::Illegal,
                        rhs,
                    })));
                    is_range = true;
                } else {
                    let (s, r) = self.parse_simple_stmt(SimpleMode::RangeOk)?;
                    s2 = Some(s);
                    is_range = r;
                }
            }
            if !is_range && self.tok == Token::Semicolon {
                self.next();
                s1 = s2.take();
                if self.tok != Token::Semicolon {
                    s2 = Some(self.parse_simple_stmt(SimpleMode::Basic)?.0);
                }
                self.expect_semi()?;
                if self.tok != Token::Lbrace {
                    s3 = Some(self.parse_simple_stmt(SimpleMode::Basic)?.0);
                }
            }
            self.expr_lev = prev_lev;
        }
        let body = self.parse_block_stmt()?;
        self.expect_semi()?;
        if is_range {
            if let Some(Stmt::Assign(a)) = s2 {
                return self.make_range_stmt(pos, *a, body);
            }
        }
        let cond = self.make_expr(s2, "boolean or range expression")?;
        Ok(Stmt::For(Box::new(ForStmt {
            pos,
            init: s1,
            cond,
            post: s3,
            body,
        })))
    }

    fn make_range_stmt(&mut self, pos: u32, a: AssignStmt, body: BlockStmt) -> PResult<Stmt> {
        if a.lhs.len() > 2 {
            let last = a.lhs[a.lhs.len() - 1].pos();
            self.error_expected(last, "at most 2 expressions")?;
            return Ok(Stmt::Bad(Span::new(pos, body.end())));
        }
        let mut lhs = a.lhs.into_iter();
        let (key, value) = (lhs.next(), lhs.next());
        let Some(Expr::Unary(u)) = a.rhs.into_iter().next() else {
            return Ok(Stmt::Bad(Span::new(pos, body.end())));
        };
        let tok_pos = (a.tok != Token::Illegal).then_some(a.tok_pos);
        Ok(Stmt::Range(Box::new(RangeStmt {
            pos,
            key,
            value,
            tok_pos,
            tok: a.tok,
            range: u.op_pos,
            x: u.x,
            body,
        })))
    }

    fn parse_stmt(&mut self) -> PResult<Stmt> {
        self.nested(|p| p.parse_stmt_inner())
    }

    fn parse_stmt_inner(&mut self) -> PResult<Stmt> {
        use Token::*;
        let s = match self.tok {
            Const | Type | Var => Stmt::Decl(Box::new(self.parse_gen_decl(self.tok)?)),
            Ident | Int | Float | Imag | Char | String | Func | Lparen | Lbrack | Struct | Map
            | Chan | Interface | Add | Sub | Mul | And | Xor | Arrow | Not => {
                let (s, _) = self.parse_simple_stmt(SimpleMode::LabelOk)?;
                if !matches!(s, Stmt::Labeled(_)) {
                    self.expect_semi()?;
                }
                s
            }
            Go | Defer => self.parse_go_or_defer_stmt(self.tok)?,
            Return => self.parse_return_stmt()?,
            Break | Continue | Goto | Fallthrough => self.parse_branch_stmt(self.tok)?,
            Lbrace => {
                let b = self.parse_block_stmt()?;
                self.expect_semi()?;
                Stmt::Block(Box::new(b))
            }
            If => self.parse_if_stmt()?,
            Switch => self.parse_switch_stmt()?,
            Select => self.parse_select_stmt()?,
            For => self.parse_for_stmt()?,
            Semicolon => {
                let s = EmptyStmt {
                    semicolon: self.pos,
                    implicit: self.auto_semi,
                };
                self.next();
                Stmt::Empty(s)
            }
            Rbrace => Stmt::Empty(EmptyStmt {
                semicolon: self.pos,
                implicit: true,
            }),
            _ => {
                let pos = self.pos;
                self.error_expected(pos, "statement")?;
                self.advance(is_sync_point);
                Stmt::Bad(Span::new(pos, self.pos))
            }
        };
        Ok(s)
    }

    // ---- declarations ----

    fn parse_import_spec(&mut self) -> PResult<Spec> {
        let name = match self.tok {
            Token::Ident => Some(self.parse_ident()?),
            Token::Period => {
                let id = Ident {
                    pos: self.pos,
                    end: self.pos + 1,
                };
                self.next();
                Some(id)
            }
            _ => None,
        };
        let pos = self.pos;
        let mut end = self.pos;
        if self.tok == Token::String {
            end = self.end;
            self.next();
        } else if self.tok.is_literal() {
            self.error(pos, "import path must be a string")?;
            self.next();
        } else {
            self.error(pos, "missing import path")?;
            self.advance(is_expr_end);
        }
        self.expect_semi()?;
        let path = BasicLit {
            pos,
            end,
            kind: Token::String,
        };
        Ok(Spec::Import(ImportSpec { name, path }))
    }

    fn parse_value_spec(&mut self, keyword: Token, iota: u32) -> PResult<Spec> {
        let names = self.parse_ident_list()?;
        let mut typ = None;
        let mut values = Vec::new();
        if keyword == Token::Const {
            if !matches!(self.tok, Token::Eof | Token::Semicolon | Token::Rparen) {
                typ = self.try_ident_or_type()?;
                if self.tok == Token::Assign {
                    self.next();
                    values = self.parse_list(true)?;
                }
            }
        } else {
            if self.tok != Token::Assign {
                typ = Some(self.parse_type()?);
            }
            if self.tok == Token::Assign {
                self.next();
                values = self.parse_list(true)?;
            }
        }
        self.expect_semi()?;
        Ok(Spec::Value(ValueSpec {
            names,
            typ,
            values,
            iota,
        }))
    }

    fn parse_generic_type(
        &mut self,
        name: Ident,
        open: u32,
        name0: Ident,
        typ0: Option<Expr>,
    ) -> PResult<TypeSpec> {
        let list = self.parse_parameter_list(Some(name0), typ0, Token::Rbrack, false)?;
        let close = self.expect(Token::Rbrack)?;
        let type_params = Some(delimited(open, list, close));
        let mut assign = None;
        if self.tok == Token::Assign {
            assign = Some(self.pos);
            self.next();
        }
        let typ = self.parse_type()?;
        Ok(TypeSpec {
            name,
            type_params,
            assign,
            typ,
        })
    }

    fn parse_type_spec(&mut self) -> PResult<Spec> {
        let name = self.parse_ident()?;
        let spec = if self.tok == Token::Lbrack {
            let lbrack = self.pos;
            self.next();
            if self.tok == Token::Ident {
                // `type T[P any] ...` or `type A [N]E`: parse an expression
                // and decide from its shape, as go/parser does.
                let mut x = Expr::Ident(self.parse_ident()?);
                if self.tok != Token::Lbrack {
                    self.expr_lev += 1;
                    let lhs = self.parse_primary_expr(Some(x))?;
                    x = self.parse_binary_expr(Some(lhs), LOWEST_PREC + 1)?;
                    self.expr_lev -= 1;
                }
                match extract_name(x, self.tok == Token::Comma) {
                    (Some(pname), ptype) if ptype.is_some() || self.tok != Token::Rbrack => {
                        self.parse_generic_type(name, lbrack, pname, ptype)?
                    }
                    (pname, x) => {
                        let len = match (pname, x) {
                            (_, Some(x)) => x,
                            (Some(n), None) => Expr::Ident(n),
                            (None, None) => Expr::Bad(Span::new(lbrack, lbrack)),
                        };
                        let typ = self.parse_array_type(lbrack, Some(len))?;
                        plain_type_spec(name, typ)
                    }
                }
            } else {
                let typ = self.parse_array_type(lbrack, None)?;
                plain_type_spec(name, typ)
            }
        } else {
            let mut assign = None;
            if self.tok == Token::Assign {
                assign = Some(self.pos);
                self.next();
            }
            let typ = self.parse_type()?;
            TypeSpec {
                name,
                type_params: None,
                assign,
                typ,
            }
        };
        self.expect_semi()?;
        Ok(Spec::Type(spec))
    }

    fn parse_gen_decl(&mut self, keyword: Token) -> PResult<GenDecl> {
        let tok_pos = self.expect(keyword)?;
        let (mut lparen, mut rparen) = (None, None);
        let mut specs = Vec::new();
        if self.tok == Token::Lparen {
            lparen = Some(self.pos);
            self.next();
            let mut iota = 0;
            while self.tok != Token::Rparen && self.tok != Token::Eof {
                specs.push(self.parse_spec(keyword, iota)?);
                iota += 1;
            }
            rparen = Some(self.expect(Token::Rparen)?);
            self.expect_semi()?;
        } else {
            specs.push(self.parse_spec(keyword, 0)?);
        }
        Ok(GenDecl {
            tok_pos,
            tok: keyword,
            lparen,
            specs,
            rparen,
        })
    }

    fn parse_spec(&mut self, keyword: Token, iota: u32) -> PResult<Spec> {
        match keyword {
            Token::Import => self.parse_import_spec(),
            Token::Type => self.parse_type_spec(),
            _ => self.parse_value_spec(keyword, iota),
        }
    }

    fn parse_func_decl(&mut self) -> PResult<FuncDecl> {
        let pos = self.expect(Token::Func)?;
        let mut recv = None;
        if self.tok == Token::Lparen {
            recv = Some(self.parse_params()?);
        }
        let name = self.parse_ident()?;
        let mut type_params = None;
        if self.tok == Token::Lbrack {
            type_params = self.parse_type_parameters()?;
        }
        let params = self.parse_params()?;
        let results = self.parse_results()?;
        let mut body = None;
        match self.tok {
            Token::Lbrace => {
                body = Some(self.parse_block_stmt()?);
                self.expect_semi()?;
            }
            Token::Semicolon => {
                self.next();
                if self.tok == Token::Lbrace {
                    self.error(self.pos, "unexpected semicolon or newline before {")?;
                    body = Some(self.parse_block_stmt()?);
                    self.expect_semi()?;
                }
            }
            _ => self.expect_semi()?,
        }
        Ok(FuncDecl {
            recv,
            name,
            typ: FuncType {
                func: Some(pos),
                type_params,
                params,
                results,
            },
            body,
        })
    }

    fn parse_decl(&mut self) -> PResult<Decl> {
        match self.tok {
            Token::Import | Token::Const | Token::Var | Token::Type => {
                Ok(Decl::Gen(Box::new(self.parse_gen_decl(self.tok)?)))
            }
            Token::Func => Ok(Decl::Func(Box::new(self.parse_func_decl()?))),
            _ => {
                let pos = self.pos;
                self.error_expected(pos, "declaration")?;
                self.advance(is_decl_start_or_func);
                Ok(Decl::Bad(Span::new(pos, self.pos)))
            }
        }
    }

    fn parse_file(&mut self) -> File {
        let package = self.pos;
        let mut file = File {
            package,
            name: Ident {
                pos: package,
                end: package,
            },
            decls: Vec::new(),
            comments: Vec::new(),
        };
        // A bailout keeps what was parsed so far.
        let _ = self.parse_file_into(&mut file);
        file.comments = std::mem::take(&mut self.comments);
        file
    }

    fn parse_file_into(&mut self, file: &mut File) -> PResult<()> {
        file.package = self.expect(Token::Package)?;
        file.name = self.parse_ident()?;
        self.expect_semi()?;
        while self.tok == Token::Import {
            let d = self.parse_gen_decl(Token::Import)?;
            file.decls.push(Decl::Gen(Box::new(d)));
        }
        let mut prev = Token::Import;
        while self.tok != Token::Eof {
            if self.tok == Token::Import && prev != Token::Import {
                self.error(self.pos, "imports must appear before other declarations")?;
            }
            prev = self.tok;
            let d = self.parse_decl()?;
            file.decls.push(d);
        }
        Ok(())
    }
}

/// go/parser resynchronises top-level declarations at `declStart`; `func`
/// is added so that one broken declaration does not swallow the functions
/// after it.
fn is_decl_start_or_func(t: Token) -> bool {
    is_decl_start(t) || t == Token::Func
}

/// A field list between delimiters: `(...)`, `[...]` or `{...}`.
fn delimited(opening: u32, list: Vec<Field>, closing: u32) -> FieldList {
    FieldList {
        opening: Some(opening),
        list,
        closing: Some(closing),
    }
}

fn unnamed_field(typ: Expr) -> Field {
    Field {
        names: Vec::new(),
        typ,
        tag: None,
    }
}

fn plain_type_spec(name: Ident, typ: Expr) -> TypeSpec {
    TypeSpec {
        name,
        type_params: None,
        assign: None,
        typ,
    }
}

/// Groups consecutive parameters that share one type into one field, as
/// `a, b int` is one field with two names.
fn group_params(list: Vec<(Option<Ident>, Option<Expr>)>, unnamed: bool) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    for (name, typ) in list {
        let typ = typ.unwrap_or(Expr::Bad(Span::default()));
        if unnamed {
            fields.push(unnamed_field(typ));
            continue;
        }
        let same = fields
            .last()
            .is_some_and(|f| f.typ.pos() == typ.pos() && f.typ.end() == typ.end());
        match (same, fields.last_mut()) {
            (true, Some(f)) => f.names.extend(name),
            _ => fields.push(Field {
                names: name.into_iter().collect(),
                typ,
                tag: None,
            }),
        }
    }
    fields
}

fn pack_index_expr(x: Expr, lbrack: u32, mut exprs: Vec<Expr>, rbrack: u32) -> Expr {
    if exprs.len() == 1 {
        let index = exprs.pop().unwrap_or(Expr::Bad(Span::default()));
        return Expr::Index(Box::new(IndexExpr {
            x,
            lbrack,
            index,
            rbrack,
        }));
    }
    Expr::IndexList(Box::new(IndexListExpr {
        x,
        lbrack,
        indices: exprs,
        rbrack,
    }))
}

/// Splits `P C`-shaped expressions parsed after `type T[` into a type
/// parameter name and its constraint, as go/parser's `extractName` does.
fn extract_name(x: Expr, force: bool) -> (Option<Ident>, Option<Expr>) {
    match x {
        Expr::Ident(id) => (Some(id), None),
        Expr::Binary(b) if b.op == Token::Mul => match &b.x {
            Expr::Ident(name) if force || is_type_elem(&b.y) => {
                let name = *name;
                let star = StarExpr {
                    star: b.op_pos,
                    x: b.y,
                };
                (Some(name), Some(Expr::Star(Box::new(star))))
            }
            _ => (None, Some(Expr::Binary(b))),
        },
        Expr::Binary(b) if b.op == Token::Or => {
            let force = force || is_type_elem(&b.y);
            let BinaryExpr { x, op_pos, op, y } = *b;
            match extract_name(x, force) {
                (Some(name), Some(lhs)) => {
                    let op = BinaryExpr {
                        x: lhs,
                        op_pos,
                        op,
                        y,
                    };
                    (Some(name), Some(Expr::Binary(Box::new(op))))
                }
                (name, lhs) => {
                    let x = match (name, lhs) {
                        (_, Some(l)) => l,
                        (Some(n), None) => Expr::Ident(n),
                        (None, None) => Expr::Bad(Span::default()),
                    };
                    (
                        None,
                        Some(Expr::Binary(Box::new(BinaryExpr { x, op_pos, op, y }))),
                    )
                }
            }
        }
        Expr::Call(c)
            if matches!(c.fun, Expr::Ident(_))
                && c.args.len() == 1
                && c.ellipsis.is_none()
                && (force || is_type_elem(&c.args[0])) =>
        {
            let CallExpr {
                fun,
                lparen,
                mut args,
                rparen,
                ..
            } = *c;
            let Expr::Ident(name) = fun else {
                unreachable!("checked by the guard")
            };
            let x = args.pop().unwrap_or(Expr::Bad(Span::default()));
            let paren = ParenExpr { lparen, x, rparen };
            (Some(name), Some(Expr::Paren(Box::new(paren))))
        }
        x => (None, Some(x)),
    }
}

fn is_type_elem(x: &Expr) -> bool {
    match x {
        Expr::ArrayType(_)
        | Expr::StructType(_)
        | Expr::FuncType(_)
        | Expr::InterfaceType(_)
        | Expr::MapType(_)
        | Expr::ChanType(_) => true,
        Expr::Binary(b) => is_type_elem(&b.x) || is_type_elem(&b.y),
        Expr::Unary(u) => u.op == Token::Tilde,
        Expr::Paren(p) => is_type_elem(&p.x),
        _ => false,
    }
}
