//! Which packages exist only for tests (`Model::test_only_packages`): a
//! package that only tests import is the tests' own when nobody outside
//! the module can import it or test support imports it; a public package
//! that only `_test.go` files import is the subject of those tests (the
//! module's API, a client library its users call).

mod common;

use common::model_of;
use letgo_types::Semantic;

/// Whether the package with import path `path` exists only for tests.
fn test_only(s: &Semantic, path: &str) -> bool {
    let only = s.model.test_only_packages();
    let i = s
        .model
        .packages
        .iter()
        .position(|p| p.path == path)
        .unwrap_or_else(|| panic!("no package {path}"));
    only[i]
}

#[test]
fn who_imports_a_package_says_whose_it_is() {
    let (_dir, s) = model_of(&[
        // A client library: only another package's test imports it.
        ("client/client.go", "package client\n\nfunc Ping() error { return nil }\n"),
        // The same shape under internal/: nobody else can import it.
        ("internal/fixture/fixture.go", "package fixture\n\nfunc Data() int { return 1 }\n"),
        // A harness the tests' shared helpers (a test directory) import.
        ("harness/harness.go", "package harness\n\nfunc Start() int { return 2 }\n"),
        // Production code a command imports.
        ("server/server.go", "package server\n\nfunc Serve() int { return 3 }\n"),
        (
            "cmd/app/main.go",
            "package main\n\nimport \"example.com/m/server\"\n\nfunc main() { server.Serve() }\n",
        ),
        (
            "app/app.go",
            "package app\n\nfunc Run() {}\n",
        ),
        (
            "app/app_test.go",
            "package app\n\nimport (\n\t\"testing\"\n\n\t\"example.com/m/client\"\n\t\"example.com/m/internal/fixture\"\n)\n\nfunc TestRun(t *testing.T) {\n\t_ = client.Ping()\n\t_ = fixture.Data()\n}\n",
        ),
        (
            "test/util.go",
            "package test\n\nimport \"example.com/m/harness\"\n\nfunc Up() int { return harness.Start() }\n",
        ),
    ]);
    assert!(
        !test_only(&s, "example.com/m/client"),
        "a public package only _test.go files import is API"
    );
    assert!(
        test_only(&s, "example.com/m/internal/fixture"),
        "an internal package only tests import"
    );
    assert!(
        test_only(&s, "example.com/m/harness"),
        "a package test support imports"
    );
    assert!(
        !test_only(&s, "example.com/m/server"),
        "a package a command imports"
    );
}
