//! The channel rules across packages of one module: `fixtures/across`
//! checked together with `fixtures/xchan`, whose functions the channel
//! view reads through their summaries. Findings must match the `// want`
//! comments exactly.

mod common;

use letgo_go::load::{load, LoadOptions};
use letgo_lint::engine::check;
use letgo_lint::selection::Selection;

#[test]
fn channel_rules_see_through_other_packages() {
    common::use_test_goroot();
    let root = common::fixtures_dir();
    let dirs = [root.join("across"), root.join("xchan")];
    let program = load(&dirs, &LoadOptions::default()).expect("fixtures load");
    let selection = Selection {
        select: ["LG101", "LG103", "LG104", "LG107"]
            .iter()
            .map(|c| c.to_string())
            .collect(),
        ignore: Vec::new(),
    };
    let findings = check(&program, &|_| selection.clone());
    let found = common::found(&program, &findings);
    let wanted = common::wanted(&program);
    assert!(wanted.len() >= 3);
    assert_eq!(found, wanted);
}

#[test]
fn other_package_alone_is_out_of_view() {
    // Without xchan among the checked packages its bodies are not
    // resolved: every channel handed to it leaves the view, no finding.
    common::use_test_goroot();
    let (program, findings) =
        common::run(&common::fixtures_dir().join("across"), &["LG101", "LG107"]);
    assert!(
        findings.is_empty(),
        "{:?}",
        common::found(&program, &findings)
    );
}
