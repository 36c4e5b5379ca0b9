//! Prints letgo's model of GOROOT packages in the differential dump format:
//! `cargo run --release -p letgo_types --example typesdump -- GOROOT [PKG... | all]`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(goroot) = args.first() else {
        eprintln!("usage: typesdump GOROOT [PKG... | all]");
        std::process::exit(2);
    };
    let goroot = std::path::Path::new(goroot);
    let pkgs: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    let out = if pkgs.is_empty() || pkgs == ["all"] {
        letgo_types::dump::dump_goroot(goroot)
    } else {
        letgo_types::dump::dump_packages(goroot, &pkgs)
    };
    print!("{out}");
}
