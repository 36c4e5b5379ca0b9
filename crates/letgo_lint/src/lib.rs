//! The static rules of letgo.
//!
//! - [`registry`]: the one flat table of stable rule codes;
//! - [`diagnostic`]: what a rule reports, with its [`diagnostic::Fix`];
//! - [`context`]: what a rule sees of a package (imports, symbols, the Go
//!   version of its module);
//! - [`suppress`]: `//letgo:ignore` and `//nolint` comments;
//! - [`engine`]: runs the enabled rules over a loaded program in parallel;
//! - [`fix`]: applies fixes, re-parsing and re-checking until they settle;
//! - `rules/`: one file per rule, documentation first.

mod apart;
pub mod bystanders;
pub mod callsites;
pub mod channels;
pub mod context;
pub mod diagnostic;
pub mod engine;
pub mod escape;
pub mod event_values;
pub mod fills_once;
pub mod fix;
pub mod flow;
pub mod funcs;
pub mod growth;
pub mod locks;
pub mod map_keys;
pub mod objects;
pub mod once;
pub mod owners;
pub mod registry;
pub mod responses;
pub mod rules;
pub mod selection;
pub mod singleton;
pub mod summaries;
pub mod suppress;
pub mod syntax;
pub mod test_harness;
pub mod timed_clients;
pub mod timers;
pub mod uncancelled;

pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Related, Severity};
pub use registry::{Rule, RULES};
