//! The dump format shared with `tools/gotypesdump` and the comparison of two
//! dumps (ours against go/types).
