//! Flags the runtime commands (`profile`, `diff`, `watch`) share.

use clap::ValueEnum;
use letgo_runtime::GroupBy;

/// `--group-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// Same wait state and whole stack.
    Stack,
    /// Same wait state and first frame in user code.
    Site,
}

impl From<GroupByArg> for GroupBy {
    fn from(arg: GroupByArg) -> GroupBy {
        match arg {
            GroupByArg::Stack => GroupBy::Stack,
            GroupByArg::Site => GroupBy::FirstUserFrame,
        }
    }
}
