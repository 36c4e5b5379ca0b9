//! Function summaries over the call graph, built once per run.

pub mod channels;
