//! The semantic model of Go programs: scopes, every identifier resolved to
//! its object, the type of every expression. Checked against `go/types` by
//! a differential test (see `differential`).

pub mod callgraph;
pub mod check;
pub mod constant;
pub mod differential;
pub mod dump;
pub mod model;
pub mod modules;
pub mod nodes;
pub mod semantic;
pub mod types;
mod typestring;
mod universe;

pub use check::Checker;
pub use model::Model;
pub use semantic::{FileView, Semantic};
