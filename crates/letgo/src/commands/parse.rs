//! `letgo parse`: parse Go files, print syntax errors as `file:line:col:
//! message` (exit 2 if any), and with `--ast` print the trees.

use crate::cli::ParseArgs;
use crate::paths;
use letgo_go::load::{load, LoadOptions, SourceFile};
use letgo_go::visit::{walk, Node, Visitor};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

pub fn run(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let opts = LoadOptions {
        tests: !args.no_tests,
        ..LoadOptions::default()
    };
    let program = load(&paths::args_or_default(&args.paths), &opts)
        .map_err(|e| anyhow::anyhow!("{}{}", e.place(paths::display), e.message))?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut failed = !program.errors.is_empty();
    for e in &program.errors {
        eprintln!("{}{}", e.place(paths::display), e.message);
    }
    let (mut files, mut bytes) = (0usize, 0usize);
    for file in program.files() {
        files += 1;
        bytes += file.src.len();
        for e in &file.errors {
            let (line, col) = file.line_col(e.offset);
            writeln!(
                out,
                "{}:{line}:{col}: {}",
                paths::display(&file.path),
                e.msg
            )?;
            failed = true;
        }
        if args.ast {
            print_tree(&mut out, file)?;
        }
    }
    out.flush()?;
    eprintln!(
        "parsed {files} files ({:.1} MB) in {} packages in {} ms",
        bytes as f64 / 1e6,
        program.packages.len(),
        started.elapsed().as_millis()
    );
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints `file`'s tree, one node per line, indented by depth, with
/// `line:col-line:col` spans.
fn print_tree(out: &mut dyn Write, file: &SourceFile) -> io::Result<()> {
    writeln!(out, "== {}", paths::display(&file.path))?;
    let mut printer = TreePrinter {
        file,
        out,
        depth: 0,
        result: Ok(()),
    };
    walk(Node::File(&file.ast), &mut printer);
    printer.result
}

struct TreePrinter<'f, 'o> {
    file: &'f SourceFile,
    out: &'o mut dyn Write,
    depth: usize,
    result: io::Result<()>,
}

impl<'a> Visitor<'a> for TreePrinter<'_, '_> {
    fn enter(&mut self, node: Node<'a>) -> bool {
        let (l1, c1) = self.file.line_col(node.pos());
        let (l2, c2) = self.file.line_col(node.end());
        let label = match node {
            Node::Ident(id) => format!(" {}", id.name(&self.file.src)),
            Node::BasicLit(l) => format!(" {}", l.value(&self.file.src)),
            _ => String::new(),
        };
        let line = format!(
            "{}{} {l1}:{c1}-{l2}:{c2}{label}",
            "  ".repeat(self.depth),
            node.kind()
        );
        if self.result.is_ok() {
            self.result = writeln!(self.out, "{line}");
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self, _node: Node<'a>) {
        self.depth -= 1;
    }
}
