//! Function summaries over the whole program's call graph, built once per
//! run on first use.

pub mod blocking;
pub mod channels;
pub mod locks;
