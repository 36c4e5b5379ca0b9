//! Byte offsets to 1-based lines and columns, as Go tools print them.

/// The start offset of every line of a file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        // Every file the rules load is indexed: newlines are found a
        // vector at a time, not a byte at a time.
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', src.as_bytes()).map(|i| i as u32 + 1));
        LineIndex {
            starts,
            len: src.len() as u32,
        }
    }

    /// The 1-based line and 1-based byte column of `offset` (clamped to the
    /// end of the file). Columns count bytes, as `go vet` does.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.len);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        (line as u32 + 1, offset - self.starts[line] + 1)
    }

    /// The offset where 1-based `line` starts, if the file has that line.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.starts.get(line.checked_sub(1)? as usize).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let ix = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(2), (1, 3));
        assert_eq!(ix.line_col(3), (2, 1));
        assert_eq!(ix.line_col(6), (3, 1));
        assert_eq!(ix.line_col(7), (4, 1));
        assert_eq!(ix.line_col(99), (4, 2));
        assert_eq!(ix.line_start(2), Some(3));
        assert_eq!(ix.line_start(9), None);
    }
}
