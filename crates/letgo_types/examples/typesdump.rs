//! Prints letgo's model in the differential dump format that
//! `tools/gotypesdump` prints for go/types:
//! `cargo run --release -p letgo_types --example typesdump -- GOROOT [PKG... | all]`
//! for the standard library, or `... -- GOROOT --module ROOT [DIR...]` for
//! the packages of a module (all below ROOT but `vendor/` when no DIR).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(goroot) = args.first() else {
        eprintln!("usage: typesdump GOROOT [PKG... | all] | GOROOT --module ROOT [DIR...]");
        std::process::exit(2);
    };
    let goroot = std::path::Path::new(goroot);
    let rest: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    let out = match rest.as_slice() {
        ["--module", root, dirs @ ..] => {
            letgo_types::dump::dump_module(goroot, std::path::Path::new(root), dirs)
        }
        [] | ["all"] => letgo_types::dump::dump_goroot(goroot),
        pkgs => letgo_types::dump::dump_packages(goroot, pkgs),
    };
    print!("{out}");
}
