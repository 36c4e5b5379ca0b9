//! `letgo diff --write-pprof`: NEW minus BASE as a profile `go tool pprof`
//! opens. Two protobuf profiles are subtracted stack by stack
//! ([`letgo_pprof::subtract`]), exactly as `go tool pprof -base` does;
//! goroutine dumps, which have no protobuf form, are written group by
//! group, every group of both (those only in BASE too), BASE negated.

use std::sync::Arc;

use letgo_pprof::{BuildFrame, Profile, ProfileBuilder};

use crate::{GoroutineGroup, GoroutineSnapshot};

/// The groups of `new` counted up and those of `base` counted down, each
/// with its wait state as a `state` label: pprof sums equal stacks.
pub fn goroutine_diff(
    base: &GoroutineSnapshot,
    new: &GoroutineSnapshot,
    name: &Arc<str>,
) -> letgo_pprof::Result<Profile> {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1)
        .comment(&format!("letgo diff: {} minus {}", new.name, base.name));
    for (snapshot, sign) in [(new, 1), (base, -1)] {
        for g in &snapshot.groups {
            add_group(&mut b, g, sign);
        }
    }
    // Equal stacks summed, as pprof sums them after `-base`: it does not
    // when it reads one file, and its totals would count both signs.
    letgo_pprof::merge_equal(b.build(Arc::clone(name))?, name)
}

fn add_group(b: &mut ProfileBuilder, g: &GoroutineGroup, sign: i64) {
    let frames: Vec<BuildFrame<'_>> = g
        .frames
        .iter()
        .map(|f| BuildFrame {
            function: &f.function,
            file: &f.file,
            line: i64::from(f.line),
        })
        .collect();
    b.add_sample(&frames, vec![sign * g.count as i64], &[("state", &g.state)]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GoroutineSource, GroupBy, SiteFrame};

    fn snapshot(name: &str, groups: &[(&str, u64)]) -> GoroutineSnapshot {
        let mut s = GoroutineSnapshot::new(name, GoroutineSource::Profile, GroupBy::Stack);
        for (function, n) in groups {
            let frame = SiteFrame {
                function: (*function).into(),
                file: "/app/main.go".into(),
                line: 3,
            };
            s.add_stack(vec![frame], *n, &[]);
        }
        s
    }

    #[test]
    fn groups_only_in_base_count_down() {
        let base = snapshot("base", &[("main.gone", 5), ("main.kept", 2)]);
        let new = snapshot("new", &[("main.kept", 3)]);
        let p = goroutine_diff(&base, &new, &Arc::from("out")).unwrap();
        let total: i64 = p.stacks().map(|s| s.values[0]).sum();
        assert_eq!(total, 3 - 5 - 2, "new total minus base total");
        let gone: i64 = p
            .stacks()
            .filter(|s| s.frames[0].function == "main.gone")
            .map(|s| s.values[0])
            .sum();
        assert_eq!(gone, -5);
        let kept: Vec<i64> = p
            .stacks()
            .filter(|s| s.frames[0].function == "main.kept")
            .map(|s| s.values[0])
            .collect();
        assert_eq!(kept, [1], "one sample, summed");
    }
}
