//! Compares two dumps (go/types' first, ours second) and prints the report:
//! `cargo run --release -p letgo_types --example typescompare -- REF OURS`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 {
        eprintln!("usage: typescompare REFERENCE OURS");
        std::process::exit(2);
    }
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let (r, o) = (read(&args[0]), read(&args[1]));
    let r = letgo_types::differential::parse_dump(&r).expect("reference dump");
    let o = letgo_types::differential::parse_dump(&o).expect("our dump");
    print!("{}", letgo_types::differential::compare(&r, &o));
}
