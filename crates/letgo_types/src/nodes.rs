//! Expression node kinds, numbered for record keys and named as the
//! differential dump names them.

use letgo_go::ast::Expr;

const NAMES: &[&str] = &[
    "Bad",
    "Ident",
    "Ellipsis",
    "BasicLit",
    "FuncLit",
    "CompositeLit",
    "Paren",
    "Selector",
    "Index",
    "IndexList",
    "Slice",
    "TypeAssert",
    "Call",
    "Star",
    "Unary",
    "Binary",
    "KeyValue",
    "ArrayType",
    "StructType",
    "FuncType",
    "InterfaceType",
    "MapType",
    "ChanType",
];

pub fn node_code(e: &Expr) -> u8 {
    match e {
        Expr::Bad(_) => 0,
        Expr::Ident(_) => 1,
        Expr::Ellipsis(_) => 2,
        Expr::BasicLit(_) => 3,
        Expr::FuncLit(_) => 4,
        Expr::CompositeLit(_) => 5,
        Expr::Paren(_) => 6,
        Expr::Selector(_) => 7,
        Expr::Index(_) => 8,
        Expr::IndexList(_) => 9,
        Expr::Slice(_) => 10,
        Expr::TypeAssert(_) => 11,
        Expr::Call(_) => 12,
        Expr::Star(_) => 13,
        Expr::Unary(_) => 14,
        Expr::Binary(_) => 15,
        Expr::KeyValue(_) => 16,
        Expr::ArrayType(_) => 17,
        Expr::StructType(_) => 18,
        Expr::FuncType(_) => 19,
        Expr::InterfaceType(_) => 20,
        Expr::MapType(_) => 21,
        Expr::ChanType(_) => 22,
    }
}

pub fn node_name(code: u8) -> &'static str {
    NAMES.get(code as usize).copied().unwrap_or("Bad")
}
