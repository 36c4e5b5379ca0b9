//! One test per syntax form of Go 1.27, the Go 1.26 and 1.27 additions
//! included, plus error recovery and the nesting bound.

use letgo_go::ast::{Decl, Expr, Stmt};
use letgo_go::dump::dump_file;
use letgo_go::{parse_file, LineIndex};

/// The tree of `src` as indented kinds and extras, without offsets.
fn shape(src: &str) -> String {
    let p = parse_file(src);
    assert!(
        p.errors.is_empty(),
        "unexpected errors in {src:?}: {:?}",
        p.errors
    );
    dump_file(&p.file, src)
        .lines()
        .filter(|l| !l.starts_with("C "))
        .map(|l| {
            let mut parts = l.split(' ');
            let depth: usize = parts.next().unwrap().parse().unwrap();
            let kind = parts.next().unwrap();
            let rest: Vec<&str> = parts.skip(2).collect();
            format!("{}{kind} {}", "  ".repeat(depth), rest.join(" "))
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The shape of one statement, parsed inside a function body.
fn stmt_shape(stmt: &str) -> String {
    shape(&format!("package p\nfunc f() {{\n{stmt}\n}}\n"))
}

/// Asserts that the lines of `needle` appear consecutively in `haystack`
/// (each haystack line ending with the needle line, indentation ignored:
/// the differential test is what pins the exact tree).
fn assert_has(haystack: &str, needle: &str) {
    let hay: Vec<&str> = haystack.lines().map(str::trim).collect();
    let want: Vec<&str> = needle.lines().map(str::trim).collect();
    let found = hay
        .windows(want.len())
        .any(|w| w.iter().zip(&want).all(|(h, n)| h.ends_with(n)));
    assert!(found, "expected\n{needle}\nin\n{haystack}");
}

#[test]
fn package_clause_and_imports() {
    let s = shape("package main\n\nimport (\n\t\"fmt\"\n\tstr \"strings\"\n\t. \"math\"\n\t_ \"embed\"\n)\nimport \"os\"\n");
    assert_has(
        &s,
        "  GenDecl import\n    ImportSpec\n      BasicLit STRING \"fmt\"",
    );
    assert_has(&s, "    ImportSpec\n      Ident str");
    assert_has(&s, "      Ident .");
    assert_has(&s, "      Ident _");
}

#[test]
fn grouped_and_iota_consts() {
    let src = "package p\nconst (\n\tA Kind = iota\n\tB\n\tC = 1 << iota\n)\n";
    let p = parse_file(src);
    let Decl::Gen(g) = &p.file.decls[0] else {
        panic!()
    };
    let iotas: Vec<u32> = g
        .specs
        .iter()
        .map(|s| match s {
            letgo_go::ast::Spec::Value(v) => v.iota,
            _ => 99,
        })
        .collect();
    assert_eq!(iotas, vec![0, 1, 2]);
    assert_has(&shape(src), "    ValueSpec\n      Ident B\n");
}

#[test]
fn type_parameters_on_types_and_functions() {
    let s = shape("package p\ntype List[T any] struct{ next *List[T] }\nfunc Map[S ~[]E, E any, R any](s S, f func(E) R) []R { return nil }\n");
    assert_has(
        &s,
        "    FieldList\n      Field\n        Ident T\n        Ident any",
    );
    assert_has(&s, "UnaryExpr ~\n");
    assert_has(&s, "IndexExpr\n");
}

#[test]
fn generic_methods_of_go_1_27() {
    let s = shape("package p\nfunc (t T[P]) G[R any](buf []byte) R { var r R; return r }\nfunc (*T[P]) L[Q any]() {}\n");
    // Receiver, name, then a FuncType whose first FieldList is the method's
    // own type parameters.
    assert_has(
        &s,
        "  FuncDecl\n    FieldList\n      Field\n        Ident t\n        IndexExpr",
    );
    assert_has(&s, "    Ident G\n    FuncType\n      FieldList\n        Field\n          Ident R\n          Ident any");
}

#[test]
fn type_sets_and_interfaces_with_embedded_constraints() {
    let s = shape("package p\ntype Number interface {\n\t~int | ~int64 | float64\n\tfmt.Stringer\n\tcomparable\n\tString() string\n}\n");
    assert_has(
        &s,
        "BinaryExpr |\n          BinaryExpr |\n            UnaryExpr ~",
    );
    assert_has(
        &s,
        "      Field\n        SelectorExpr\n          Ident fmt\n          Ident Stringer",
    );
    assert_has(&s, "      Field\n        Ident String\n        FuncType");
}

#[test]
fn generic_type_declaration_ambiguities() {
    // `type A [N]E` is an array; `type T[P *C] ...` is generic.
    assert_has(
        &shape("package p\ntype A [N]int\n"),
        "    ArrayType\n      Ident N\n      Ident int",
    );
    // As in Go, `[P *C]` alone reads as an array length; a trailing comma
    // makes it a type parameter.
    assert_has(
        &shape("package p\ntype T[P *C] struct{}\n"),
        "ArrayType\nBinaryExpr *",
    );
    assert_has(
        &shape("package p\ntype T[P *C,] struct{}\n"),
        "Field\n          Ident P\n          StarExpr",
    );
    assert_has(
        &shape("package p\ntype T[P interface{}] int\n"),
        "Ident P\n          InterfaceType",
    );
}

#[test]
fn labels_goto_and_fallthrough() {
    let s = stmt_shape("outer:\n\tfor {\n\t\tswitch {\n\t\tcase true:\n\t\t\tfallthrough\n\t\tdefault:\n\t\t\tbreak outer\n\t\t}\n\t}\n\tgoto outer");
    assert_has(&s, "LabeledStmt\n        Ident outer\n        ForStmt");
    assert_has(&s, "BranchStmt fallthrough");
    assert_has(&s, "BranchStmt break\n                  Ident outer");
    assert_has(&s, "BranchStmt goto\n        Ident outer");
}

#[test]
fn select_with_all_case_kinds() {
    let s = stmt_shape("select {\ncase v := <-ch:\n\t_ = v\ncase v, ok = <-ch:\ncase ch <- 1:\ncase <-done:\ndefault:\n}");
    assert_has(
        &s,
        "CommClause\n            AssignStmt :=\n              Ident v\n              UnaryExpr <-",
    );
    assert_has(&s, "CommClause\n            SendStmt");
    assert_has(
        &s,
        "CommClause\n            ExprStmt\n              UnaryExpr <-",
    );
}

#[test]
fn type_switches_with_and_without_bindings() {
    let s =
        stmt_shape("switch x := v.(type) {\ncase int, string:\ncase nil:\n}\nswitch v.(type) {}");
    assert_has(
        &s,
        "TypeSwitchStmt\n          AssignStmt :=\n            Ident x\n            TypeAssertExpr",
    );
    assert_has(
        &s,
        "TypeSwitchStmt\n          ExprStmt\n            TypeAssertExpr",
    );
    let p = parse_file("package p\nfunc f() { switch x := v.(type) {} }");
    let Decl::Func(f) = &p.file.decls[0] else {
        panic!()
    };
    assert!(matches!(
        f.body.as_ref().unwrap().list[0],
        Stmt::TypeSwitch(_)
    ));
}

#[test]
fn range_over_int_functions_and_bare_range() {
    assert_has(
        &stmt_shape("for i := range 10 {}"),
        "RangeStmt :=\n        Ident i\n        BasicLit INT 10",
    );
    assert_has(
        &stmt_shape("for range n {}"),
        "RangeStmt none\n        Ident n",
    );
    assert_has(
        &stmt_shape("for k, v = range seq {}"),
        "RangeStmt =\n        Ident k\n        Ident v",
    );
    assert_has(
        &stmt_shape("for x := range func(yield func(int) bool) {} {}"),
        "RangeStmt :=\n        Ident x\n        FuncLit",
    );
}

#[test]
fn for_loops_of_every_shape() {
    assert_has(
        &stmt_shape("for i := 0; i < n; i++ {}"),
        "ForStmt\n        AssignStmt :=",
    );
    assert_has(&stmt_shape("for cond {}"), "ForStmt\n        Ident cond");
    assert_has(&stmt_shape("for ;; {}"), "ForStmt\n        BlockStmt");
}

#[test]
fn composite_literals_and_the_if_ambiguity() {
    // In a control clause `T{}` ends the condition; parenthesised, it is a
    // literal; an unnamed type's literal is fine there.
    let s = stmt_shape("if x == (T{}) {}\nif v := []int{1}; len(v) > 0 {}\nif ok {}");
    assert_has(
        &s,
        "BinaryExpr ==\n          Ident x\n          ParenExpr\n            CompositeLit",
    );
    assert_has(&s, "CompositeLit\n              ArrayType\n                Ident int\n              BasicLit INT 1");
    let s = stmt_shape("_ = map[string][]int{\"a\": {1, 2}}\n_ = &T{A: 1}\n_ = [...]int{1, 2}");
    assert_has(
        &s,
        "KeyValueExpr\n              BasicLit STRING \"a\"\n              CompositeLit",
    );
    assert_has(&s, "ArrayType\n              Ellipsis");
    assert_has(&s, "UnaryExpr &\n            CompositeLit");
}

#[test]
fn a_bare_type_literal_in_an_if_condition_is_an_error_as_in_go() {
    let p = parse_file("package p\nfunc f() { if x == T{} {} }\n");
    assert!(!p.errors.is_empty());
}

#[test]
fn conversions_slices_and_new_of_an_expression() {
    let s = stmt_shape(
        "_ = []byte(s)\n_ = (*T)(p)\n_ = a[1:2:3]\n_ = a[:]\n_ = new(int64(42))\n_ = new(T)",
    );
    assert_has(
        &s,
        "CallExpr\n            ParenExpr\n              StarExpr",
    );
    assert_has(&s, "SliceExpr\n            Ident a\n            BasicLit INT 1\n            BasicLit INT 2\n            BasicLit INT 3");
    // Go 1.26: new(expr) is an ordinary call in the syntax.
    assert_has(
        &s,
        "CallExpr\n            Ident new\n            CallExpr\n              Ident int64",
    );
}

#[test]
fn every_literal_form() {
    let s = stmt_shape("_ = `raw\nstring`\n_ = '\\n'\n_ = '\\x41'\n_ = '\\u12e4'\n_ = 1.5i\n_ = 0x1.8p-3\n_ = 1_000_000\n_ = 0o755\n_ = 0b1010\n_ = \"\\t\\\"\"");
    for lit in [
        "STRING `raw\\x0astring`",
        "CHAR '\\x5cn'",
        "IMAG 1.5i",
        "FLOAT 0x1.8p-3",
        "INT 1_000_000",
        "INT 0o755",
        "INT 0b1010",
        "CHAR '\\x5cu12e4'",
    ] {
        assert_has(&s, lit);
    }
}

#[test]
fn automatic_semicolons_and_a_bom() {
    let src = "\u{feff}package p\nfunc f() int {\n\treturn 1 +\n\t\t2\n}\n";
    let p = parse_file(src);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.file.package, 3, "the BOM is skipped");
    let bad = parse_file("package p\nfunc f() int {\n\treturn 1\n\t\t+ 2\n}\n");
    assert!(bad.errors.is_empty(), "`+ 2` is its own statement");
}

#[test]
fn directives_and_comments_keep_their_positions() {
    let src = "//go:build linux\n\n// Package p does things.\npackage p\n\n//go:noinline\nfunc f() {} // want \"x\"\n/* block */\n";
    let p = parse_file(src);
    let texts: Vec<&str> = p.file.comments.iter().map(|c| c.text(src)).collect();
    assert_eq!(
        texts,
        vec![
            "//go:build linux",
            "// Package p does things.",
            "//go:noinline",
            "// want \"x\"",
            "/* block */"
        ]
    );
    let ix = LineIndex::new(src);
    assert_eq!(ix.line_col(p.file.comments[3].span.start), (7, 13));
}

#[test]
fn channel_types_associate_as_in_go() {
    let s = stmt_shape("var a <-chan chan<- int\nvar b chan (<-chan int)");
    assert_has(&s, "ChanType recv\n              ChanType send");
    assert_has(
        &s,
        "ChanType both\n              ParenExpr\n                ChanType recv",
    );
}

#[test]
fn go_defer_and_func_literals() {
    let s = stmt_shape("go func() { <-ch }()\ndefer mu.Unlock()");
    assert_has(&s, "GoStmt\n        CallExpr\n          FuncLit");
    assert_has(&s, "DeferStmt\n        CallExpr\n          SelectorExpr");
}

#[test]
fn syntax_errors_are_reported_with_positions_and_parsing_goes_on() {
    let src = "package p\n\nfunc a() {\n\tx := \n}\n\nfunc b() {\n\tgo f()\n}\n\nvar v = )\n\nfunc c() {}\n";
    let p = parse_file(src);
    assert!(!p.errors.is_empty());
    let ix = LineIndex::new(src);
    let (line, col) = ix.line_col(p.errors[0].offset);
    assert_eq!(
        (line, col, p.errors[0].msg.as_str()),
        (5, 1, "expected operand, found '}'")
    );
    let names: Vec<&str> = p
        .file
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Func(f) => Some(f.name.name(src)),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        vec!["a", "b", "c"],
        "every function still reaches the rules"
    );
}

#[test]
fn messages_follow_go_parser() {
    for (src, msg) in [
        (
            "package p\nfunc f() { if x {} else y }",
            "expected if statement or block, found y",
        ),
        (
            "package p\nfunc f() { go (f()) }",
            "expression in go must not be parenthesized",
        ),
        (
            "package p\nfunc f() { defer x }",
            "expression in defer must be function call",
        ),
        (
            "package p\nfunc f(a ...int, b int) {}",
            "can only use ... with final parameter",
        ),
        (
            "package p\nimport \"a\"\nvar x int\nimport \"b\"",
            "imports must appear before other declarations",
        ),
        (
            "package p\nfunc f()\n{}",
            "unexpected semicolon or newline before {",
        ),
        ("package p\nvar x = [1:2]", "expected ']', found ':'"),
    ] {
        let p = parse_file(src);
        assert!(
            p.errors.iter().any(|e| e.msg == msg),
            "{src:?}: want {msg:?}, got {:?}",
            p.errors
        );
    }
}

#[test]
fn deep_nesting_is_bounded_with_a_clear_error() {
    let cases = [
        format!("{}x{}", "(".repeat(100_001), ")".repeat(100_001)),
        format!("{}int{{}}", "[]".repeat(100_001)),
        format!("{}x", "*".repeat(100_001)),
        format!("T{}{}", "{".repeat(100_001), "}".repeat(100_001)),
        format!("x{}", ".a".repeat(100_001)),
        format!("x{}", " + x".repeat(100_001)),
        "func() ".repeat(100_001),
    ];
    for body in cases {
        let src = format!("package p\nvar _ = {body}\n");
        let run = move || parse_file(&src).errors;
        let errors = std::thread::Builder::new()
            .stack_size(letgo_go::PARSE_STACK_SIZE)
            .spawn(run)
            .unwrap()
            .join()
            .expect("no panic, no stack overflow");
        assert!(
            errors.iter().any(|e| e.msg == "exceeded max nesting depth"),
            "{errors:?}"
        );
    }
}

#[test]
fn realistic_nesting_is_fine() {
    let body = format!("{}x{}", "(".repeat(200), ")".repeat(200));
    let p = parse_file(&format!("package p\nvar _ = {body}\n"));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let Decl::Gen(_) = &p.file.decls[0] else {
        panic!()
    };
    let _ = Expr::Bad(Default::default());
}
