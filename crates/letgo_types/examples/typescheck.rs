//! Times the semantic model over all of GOROOT/src (load, parse, check):
//! `cargo run --release -p letgo_types --example typescheck -- GOROOT`.

fn main() {
    let Some(goroot) = std::env::args().nth(1) else {
        eprintln!("usage: typescheck GOROOT");
        std::process::exit(2);
    };
    let start = std::time::Instant::now();
    let c = letgo_types::dump::check_goroot(std::path::Path::new(&goroot));
    let uses: usize = c.m.records.iter().map(|r| r.uses.len()).sum();
    let exprs: usize = c.m.records.iter().map(|r| r.types.len()).sum();
    println!(
        "{} packages, {} files, {uses} uses, {exprs} expressions, {} objects, {} types: {:.2}s",
        c.m.packages.len(),
        c.m.files.len(),
        c.m.objects.len(),
        c.m.types.len(),
        start.elapsed().as_secs_f64()
    );
    let start = std::time::Instant::now();
    let s = letgo_types::Semantic::from_checker(c);
    let files: Vec<_> = (0..s.model.files.len() as u32)
        .map(letgo_types::model::FileId)
        .collect();
    let g = letgo_types::callgraph::CallGraph::build(&s, &files);
    let edges: usize = g.edges.values().map(Vec::len).sum();
    println!(
        "call graph: {} functions with calls, {edges} edges: {:.2}s",
        g.edges.len(),
        start.elapsed().as_secs_f64()
    );
}
