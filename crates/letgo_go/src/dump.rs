//! A canonical text dump of a tree, line for line the format that
//! `tools/goastdump` prints for Go's own `go/ast` (see its README). The
//! differential test compares the two over the standard library.

use crate::ast::{ChanDir, Comment, File, Stmt};
use crate::token::Token;
use crate::visit::{walk, Node, Visitor};
use std::fmt::Write;

/// The dump of `file` parsed from `src`: tree lines, then comment lines.
pub fn dump_file(file: &File, src: &str) -> String {
    let mut d = Dumper {
        src,
        out: String::new(),
        depth: 0,
    };
    walk(Node::File(file), &mut d);
    for c in &file.comments {
        d.comment(c);
    }
    d.out
}

struct Dumper<'s> {
    src: &'s str,
    out: String,
    depth: usize,
}

impl<'a> Visitor<'a> for Dumper<'_> {
    fn enter(&mut self, node: Node<'a>) -> bool {
        let _ = write!(
            self.out,
            "{} {} {} {}",
            self.depth,
            node.kind(),
            node.pos(),
            node.end()
        );
        self.extra(node);
        self.out.push('\n');
        self.depth += 1;
        true
    }

    fn leave(&mut self, _node: Node<'a>) {
        self.depth -= 1;
    }
}

impl Dumper<'_> {
    fn extra(&mut self, node: Node) {
        use crate::ast::Expr;
        let extra: String = match node {
            Node::Ident(id) => id.name(self.src).to_string(),
            Node::BasicLit(l) => {
                let raw = l.value(self.src).as_bytes();
                let value = if raw.first() == Some(&b'`') {
                    strip_cr(raw, false)
                } else {
                    raw.to_vec()
                };
                format!("{} {}", l.kind, escape(&value))
            }
            Node::Expr(Expr::Binary(b)) => b.op.to_string(),
            Node::Expr(Expr::Unary(u)) => u.op.to_string(),
            Node::Expr(Expr::ChanType(c)) => match c.dir {
                ChanDir::Send => "send",
                ChanDir::Recv => "recv",
                ChanDir::Both => "both",
            }
            .to_string(),
            Node::GenDecl(g) => g.tok.to_string(),
            Node::Stmt(Stmt::Assign(a)) => a.tok.to_string(),
            Node::Stmt(Stmt::IncDec(s)) => s.tok.to_string(),
            Node::Stmt(Stmt::Branch(b)) => b.tok.to_string(),
            Node::Stmt(Stmt::Range(r)) if r.tok == Token::Illegal => "none".to_string(),
            Node::Stmt(Stmt::Range(r)) => r.tok.to_string(),
            _ => return,
        };
        self.out.push(' ');
        self.out.push_str(&extra);
    }

    fn comment(&mut self, c: &Comment) {
        let text = go_comment_text(c.text(self.src).as_bytes());
        let _ = writeln!(
            self.out,
            "C {} {} {}",
            c.span.start,
            c.span.start as usize + text.len(),
            escape(&text)
        );
    }
}

/// A comment's text as `go/scanner` stores it: without the `\r` before a
/// line comment's newline, and without `\r` bytes inside.
pub fn go_comment_text(raw: &[u8]) -> Vec<u8> {
    let mut lit = raw;
    let is_line = lit.get(1) == Some(&b'/');
    if is_line && lit.last() == Some(&b'\r') {
        lit = &lit[..lit.len() - 1];
    }
    if lit.contains(&b'\r') {
        return strip_cr(lit, !is_line);
    }
    lit.to_vec()
}

/// `go/scanner.stripCR`: drops `\r` bytes, except (in a block comment) one
/// between `*` and the closing `/`.
fn strip_cr(b: &[u8], comment: bool) -> Vec<u8> {
    let mut c: Vec<u8> = Vec::with_capacity(b.len());
    for (j, &ch) in b.iter().enumerate() {
        let keep_star_cr =
            comment && c.len() > 2 && c.last() == Some(&b'*') && b.get(j + 1) == Some(&b'/');
        if ch != b'\r' || keep_star_cr {
            c.push(ch);
        }
    }
    c
}

/// Bytes 0x21..=0x7e except `\` as-is, every other byte as `\xHH`.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &ch in b {
        if (0x21..=0x7e).contains(&ch) && ch != b'\\' {
            s.push(ch as char);
        } else {
            let _ = write!(s, "\\x{ch:02x}");
        }
    }
    s
}
