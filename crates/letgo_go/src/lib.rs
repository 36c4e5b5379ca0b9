//! Go source model: scanner, parser, AST, modules and packages.

pub mod gomod;
