//! The semantic model of Go programs: scopes, every identifier resolved to
//! its object, the type of every expression. Checked against `go/types` by
//! a differential test (see `differential`).

pub mod differential;
