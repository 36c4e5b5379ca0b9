//! Functions that can run only inside a test binary: a test's harness
//! kept outside `_test.go` files (a package of helpers for integration
//! tests, a simulated network driven by a test).
//!
//! A function that takes a `*testing.T`, `*testing.B`, `*testing.F` or
//! `testing.TB`, or a method of a type that holds one in a field, can only
//! be reached with a value that the `testing` package made for a running
//! test: `go test` is the only thing that makes one. What such a function
//! leaves behind lives as long as that test binary, which exits when its
//! tests end, as for code in `_test.go` files.

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::Model;

/// Whether the package exists only for tests: a test helper named as the
/// standard library names its own (`httptest`, a `testutil`, a path
/// segment `test`, `e2e`, `fake…`, `mock…`), or one only tests import
/// (the model's fact over the whole run). What its code leaves behind
/// lives as long as a test binary.
pub fn test_package(cx: &PackageContext) -> bool {
    crate::owners::test_support_package(cx) || cx.owners().test_only(cx)
}

/// Whether function `f` runs only in a test binary: it is in a
/// `_test.go` file, or is a test's harness ([`runs_under_test`]).
pub fn test_function(cx: &PackageContext, f: &Func) -> bool {
    cx.file(f.file).is_test || runs_under_test(cx, f)
}

/// Whether function `f` is a test's harness outside `_test.go` files
/// (findings in `_test.go` files are reported as usual).
pub fn harness_code(cx: &PackageContext, f: &Func) -> bool {
    !cx.file(f.file).is_test && runs_under_test(cx, f)
}

/// Whether function `f` (or, for a literal, the declared function it is
/// written in) takes a test's handle or is a method of a type holding one.
pub fn runs_under_test(cx: &PackageContext, f: &Func) -> bool {
    let funcs = cx.functions();
    let mut top = f;
    while let Some(p) = top.parent {
        top = &funcs[p];
    }
    let FuncKind::Decl(d) = top.kind else {
        return false;
    };
    let Some(view) = cx.types(top.file) else {
        return false;
    };
    let m = view.model();
    let Some(obj) = view.object_of(&d.name) else {
        return false;
    };
    let Type::Signature(sig) = m.ty(m.obj(obj).typ) else {
        return false;
    };
    let param = sig.params.iter().any(|&p| is_test_handle(m, m.obj(p).typ));
    let recv = sig.recv.is_some_and(|r| holds_test_handle(m, m.obj(r).typ));
    param || recv
}

/// `*testing.T`, `*testing.B`, `*testing.F` or `testing.TB`.
fn is_test_handle(m: &Model, t: TypeId) -> bool {
    ["T", "B", "F"]
        .iter()
        .any(|n| m.is_pointer_to(t, "testing", n))
        || m.is_named(t, "testing", "TB")
}

/// A struct (or pointer to one) with a field that is a test's handle.
fn holds_test_handle(m: &Model, t: TypeId) -> bool {
    let Type::Struct(fields) = m.ty(m.under_ro(m.deref(t))) else {
        return false;
    };
    fields.iter().any(|fl| is_test_handle(m, m.obj(fl.obj).typ))
}
