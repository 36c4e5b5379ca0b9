//! Go source model for letgo: a hand-written Go 1.27 scanner and parser
//! whose trees mirror `go/ast`, a line index for 1-based positions, and a
//! walker that visits nodes in `go/ast.Walk` order.

pub mod ast;
pub mod build_constraint;
pub mod dump;
pub mod gomod;
pub mod line_index;
pub mod load;
pub mod parser;
pub mod scanner;
pub mod symbols;
pub mod token;
mod unicode;
pub mod visit;
pub mod walk;

pub use line_index::LineIndex;
pub use parser::{parse_file, Parsed};

/// The stack size for threads that parse, walk or free trees. The parser
/// accepts nesting as deep as `go/parser` does (100,000 levels), and the
/// parser, the rules' walks and `Drop` recurse once or more per level: in
/// an unoptimised build the deepest shapes Go accepts need about 250 MiB
/// (measured: 10^5 nested parentheses, blocks, `+` operands, `*` types;
/// see `tests/deep_nesting.rs`). 1 GiB, as Go's own goroutine stack limit,
/// leaves a fourfold margin. The memory is only reserved, not used.
pub const PARSE_STACK_SIZE: usize = 1 << 30;

/// A syntax error at a byte offset, with a message in the words of Go's
/// own parser (`expected ';', found 'EOF'`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: u32,
    pub msg: String,
}

#[cfg(test)]
mod test_support {
    /// Random inputs built from `pieces`: a cheap fuzzer (xorshift, fixed
    /// seed, so failures reproduce).
    pub fn random_inputs(pieces: &[&[u8]], count: usize) -> Vec<Vec<u8>> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..count)
            .map(|_| {
                let len = next() % 24;
                (0..len)
                    .flat_map(|_| {
                        pieces[(next() % pieces.len() as u64) as usize]
                            .iter()
                            .copied()
                    })
                    .collect()
            })
            .collect()
    }
}
