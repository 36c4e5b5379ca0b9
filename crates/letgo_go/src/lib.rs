//! Go source model: scanner, parser, AST, modules and packages.

pub mod build_constraint;
pub mod gomod;
pub mod walk;
