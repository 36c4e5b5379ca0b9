//! What the runtime commands (`profile`, `diff`, `watch`, `test`) share,
//! below all of them: their flags, reading inputs (files and `http://`
//! endpoints), turning `letgo_runtime`'s analyses into findings, the
//! summary rows, mapping frames onto a checkout and joining them to the
//! static findings. A command is a thin shell over these.

pub mod args;
pub mod findings;
pub mod http;
pub mod input;
pub mod source;
pub mod static_join;
pub mod summary;
