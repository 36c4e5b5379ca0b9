//! Decodes every committed fixture (real output of Go 1.21, 1.22, 1.26 and
//! 1.27 running tests/fixtures/gen) and checks facts the generator
//! guarantees. Regenerate with tests/fixtures/regen.sh.

use std::collections::HashMap;
use std::path::PathBuf;

use letgo_pprof::{
    read, CountProfile, DecodeOptions, Document, Goroutine, GoroutineDump, HeapText, LabelValue,
    Profile, WaitKind,
};

const VERSIONS: [&str; 4] = ["go1.21", "go1.22", "go1.26", "go1.27"];

/// One version's fixture folder and the facts the generator wrote.
struct Fixtures {
    dir: PathBuf,
    version: String,
    facts: HashMap<String, String>,
}

impl Fixtures {
    fn load(version: &str) -> Fixtures {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(version);
        let text = std::fs::read_to_string(dir.join("facts.txt")).expect("facts.txt");
        let facts = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Fixtures {
            dir,
            version: version.to_string(),
            facts,
        }
    }

    fn fact(&self, key: &str) -> u64 {
        self.facts[key].parse().expect("numeric fact")
    }

    fn has_leak_profile(&self) -> bool {
        self.facts["goroutineleak"] == "true"
    }

    /// Go 1.26+ (the fixtures run with GODEBUG=tracebacklabels=1).
    fn at_least_126(&self) -> bool {
        matches!(self.version.as_str(), "go1.26" | "go1.27")
    }

    fn document(&self, file: &str) -> Document {
        let path = self.dir.join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = format!("{}/{file}", self.version);
        read(name.as_str(), bytes.as_slice(), &DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn profile(&self, file: &str) -> Profile {
        match self.document(file) {
            Document::Profile(p) => p,
            other => panic!("{file}: expected a protobuf profile, got {other:?}"),
        }
    }

    fn dump(&self, file: &str) -> GoroutineDump {
        match self.document(file) {
            Document::Goroutines(d) => d,
            other => panic!("{file}: expected tracebacks, got {other:?}"),
        }
    }

    fn count_profile(&self, file: &str) -> CountProfile {
        match self.document(file) {
            Document::CountProfile(p) => p,
            other => panic!("{file}: expected a count profile, got {other:?}"),
        }
    }
}

fn for_each_version(check: impl Fn(&Fixtures)) {
    for v in VERSIONS {
        check(&Fixtures::load(v));
    }
}

/// The goroutines whose innermost user frame is `function`.
fn in_function<'a>(dump: &'a GoroutineDump, function: &str) -> Vec<&'a Goroutine> {
    dump.goroutines
        .iter()
        .filter(|g| g.frames.iter().any(|f| &*f.function == function))
        .collect()
}

/// The summed first value of samples whose stack contains `function`.
fn samples_in(profile: &Profile, function: &str) -> i64 {
    profile
        .stacks()
        .filter(|s| s.frames.iter().any(|f| f.function == function))
        .map(|s| s.values[0])
        .sum()
}

#[test]
fn goroutine_protobuf() {
    for_each_version(|fx| {
        let p = fx.profile("goroutine.pb.gz");
        let types: Vec<_> = p.sample_types().iter().map(|t| (t.kind, t.unit)).collect();
        assert_eq!(types, [("goroutine", "count")], "{}", fx.version);
        let period = p.period_type().expect("period type");
        assert_eq!(
            (period.kind, period.unit, p.period()),
            ("goroutine", "count", 1)
        );
        assert_eq!(samples_in(&p, "main.leakyWorker") as u64, fx.fact("leaky"));
        assert_eq!(samples_in(&p, "main.poolWorker") as u64, fx.fact("pool"));
        let leaky = p
            .stacks()
            .find(|s| s.frames.iter().any(|f| f.function == "main.leakyWorker"))
            .expect("leaky stack");
        // Leaf first: the runtime's park comes before the leaking function.
        let names: Vec<_> = leaky.frames.iter().map(|f| f.function).collect();
        let park = names
            .iter()
            .position(|n| *n == "runtime.gopark")
            .expect("gopark");
        let worker = names
            .iter()
            .position(|n| *n == "main.leakyWorker")
            .expect("worker");
        assert!(park < worker, "{names:?}");
        let frame = &leaky.frames[worker];
        assert!(frame.file.ends_with("gen/main.go"), "{}", frame.file);
        assert!(frame.line > 0);
        assert!(names.contains(&"runtime.chanrecv1") || names.contains(&"runtime.chanrecv"));
        let labeled: Vec<_> = p
            .stacks()
            .filter(|s| s.frames.iter().any(|f| f.function == "main.labeledWaiter"))
            .collect();
        assert_eq!(
            labeled.iter().map(|s| s.values[0]).sum::<i64>() as u64,
            fx.fact("labeled")
        );
        for s in &labeled {
            let mut labels: Vec<_> = s.labels.iter().map(|l| (l.key, l.value)).collect();
            labels.sort_by_key(|l| l.0);
            assert_eq!(
                labels,
                [
                    ("role", LabelValue::Str("labeled waiter")),
                    ("tenant", LabelValue::Str("acme"))
                ]
            );
        }
        let total: i64 = p.stacks().map(|s| s.values[0]).sum();
        assert!(total as u64 >= fx.fact("leaky") + fx.fact("labeled") + fx.fact("pool"));
    });
}

#[test]
fn inlined_frames_are_expanded_in_pprof_order() {
    for_each_version(|fx| {
        for file in ["goroutine.pb.gz", "heap.pb.gz"] {
            let p = fx.profile(file);
            for sample in &p.raw().sample {
                let stack = p.resolve(sample);
                let lines: usize = sample
                    .location_id
                    .iter()
                    .map(|id| p.location(*id).map_or(1, |l| l.line.len().max(1)))
                    .sum();
                assert_eq!(stack.frames.len(), lines);
                // Within one location every frame but the last is inlined
                // into the next, and they share the address.
                for pair in stack.frames.windows(2) {
                    if pair[0].inlined {
                        assert_eq!(pair[0].location_id, pair[1].location_id);
                        assert_eq!(pair[0].address, pair[1].address);
                    }
                }
            }
        }
    });
}

#[test]
fn goroutine_debug1() {
    for_each_version(|fx| {
        let p = fx.count_profile("goroutine.debug1.txt");
        assert_eq!(p.name, "goroutine");
        assert_eq!(p.records.iter().map(|r| r.count).sum::<u64>(), p.total);
        let with = |function: &str| {
            p.records
                .iter()
                .filter(|r| {
                    r.frames
                        .iter()
                        .any(|f| f.function.as_deref() == Some(function))
                })
                .collect::<Vec<_>>()
        };
        let leaky = with("main.leakyWorker");
        assert_eq!(leaky.iter().map(|r| r.count).sum::<u64>(), fx.fact("leaky"));
        assert!(leaky
            .iter()
            .all(|r| r.labels.is_empty() && !r.pcs.is_empty()));
        let frame = &leaky[0].frames[0];
        assert!(frame.file.ends_with("gen/main.go") && frame.line > 0 && frame.pc > 0);
        let labeled = with("main.labeledWaiter");
        assert_eq!(
            labeled.iter().map(|r| r.count).sum::<u64>(),
            fx.fact("labeled")
        );
        let expected = vec![
            ("role".to_string(), "labeled waiter".to_string()),
            ("tenant".to_string(), "acme".to_string()),
        ];
        assert!(labeled.iter().all(|r| r.labels == expected));
        assert_eq!(
            with("main.poolWorker").iter().map(|r| r.count).sum::<u64>(),
            fx.fact("pool")
        );
    });
}

/// Checks what every traceback fixture shares: the started goroutines, their
/// states, creators and the elided deep stack.
fn check_tracebacks(fx: &Fixtures, dump: &GoroutineDump, file: &str) {
    let ctx = format!("{}/{file}", fx.version);
    let leaky = in_function(dump, "main.leakyWorker");
    assert_eq!(leaky.len() as u64, fx.fact("leaky"), "{ctx}");
    for g in &leaky {
        assert_eq!(g.state.kind(), WaitKind::ChanReceive, "{ctx}");
        let created = g.created_by.as_ref().expect("created by");
        assert_eq!(&*created.function, "main.startLeaks");
        assert_eq!(created.parent, Some(1), "{ctx}");
        assert!(created.file.ends_with("gen/main.go") && created.line > 0);
        let f = g
            .frames
            .iter()
            .find(|f| &*f.function == "main.leakyWorker")
            .expect("frame");
        assert!(f.file.ends_with("gen/main.go") && f.pc_offset.is_some());
        assert!(
            f.arguments().is_some_and(|a| !a.is_empty()),
            "{ctx}: args {}",
            f.args
        );
    }
    let pool = in_function(dump, "main.poolWorker");
    assert_eq!(pool.len() as u64, fx.fact("pool"), "{ctx}");
    assert!(pool.iter().all(|g| g.state.kind() == WaitKind::ChanReceive));
    let labeled = in_function(dump, "main.labeledWaiter");
    assert_eq!(labeled.len() as u64, fx.fact("labeled"), "{ctx}");
    let expected_labels = if fx.at_least_126() {
        vec![
            ("role".to_string(), "labeled waiter".to_string()),
            ("tenant".to_string(), "acme".to_string()),
        ]
    } else {
        vec![]
    };
    assert!(labeled.iter().all(|g| g.labels == expected_labels), "{ctx}");
    let kind_of = |function: &str| in_function(dump, function).first().map(|g| g.state.kind());
    assert_eq!(
        kind_of("main.selectWaiter"),
        Some(WaitKind::Select),
        "{ctx}"
    );
    assert_eq!(kind_of("main.sleeper"), Some(WaitKind::Sleep), "{ctx}");
    assert_eq!(kind_of("main.mutexWaiter"), Some(WaitKind::Lock), "{ctx}");
    let deep = in_function(dump, "main.deepRecursion");
    assert_eq!(deep.len(), 1, "{ctx}");
    let elided = deep[0].elided.expect("elided frames");
    let printed = deep[0]
        .frames
        .iter()
        .filter(|f| &*f.function == "main.deepRecursion")
        .count();
    assert_eq!(
        printed as u64 + elided.count,
        fx.fact("deep_depth") + 1,
        "{ctx}"
    );
    assert_eq!(elided.after_frame, 50, "{ctx}");
}

#[test]
fn goroutine_debug2() {
    for_each_version(|fx| {
        let dump = fx.dump("goroutine.debug2.txt");
        assert!(dump.preamble.is_empty());
        check_tracebacks(fx, &dump, "goroutine.debug2.txt");
        let main = &dump.goroutines[0];
        assert_eq!((main.id, main.state.kind()), (1, WaitKind::Running));
        assert!(main.created_by.is_none());
        assert!(dump
            .goroutines
            .iter()
            .all(|g| !g.state.leaked && g.gp.is_none()));
    });
}

#[test]
fn panic_tracebacks() {
    for_each_version(|fx| {
        for file in ["panic.txt", "panic_system.txt"] {
            let dump = fx.dump(file);
            assert_eq!(dump.panic_message(), Some("fixturegen: deliberate panic"));
            check_tracebacks(fx, &dump, file);
            let first = &dump.goroutines[0];
            assert_eq!((first.id, first.state.kind()), (1, WaitKind::Running));
            assert!(first.frames.iter().any(|f| &*f.function == "main.main"));
        }
        // GOTRACEBACK=system adds runtime goroutines and registers; Go 1.22+
        // also prints gp= and m= in headers.
        let system = fx.dump("panic_system.txt");
        // runtime.gopanic is printed as `panic` once runtime frames show.
        assert!(system.goroutines[0]
            .frames
            .iter()
            .any(|f| &*f.function == "panic"));
        assert!(system
            .goroutines
            .iter()
            .any(|g| g.state.reason.contains("GC")));
        let frame = &system.goroutines[0].frames[0];
        assert!(
            frame.registers.is_some_and(|r| r.sp > 0 && r.pc > 0),
            "{}",
            fx.version
        );
        let has_gp = system
            .goroutines
            .iter()
            .all(|g| g.gp.is_some() && g.m.is_some());
        assert_eq!(has_gp, fx.version != "go1.21", "{}", fx.version);
        if has_gp {
            assert!(matches!(system.goroutines[0].m, Some(Some(_))));
        }
    });
}

#[test]
fn sigquit_dump() {
    for_each_version(|fx| {
        let dump = fx.dump("sigquit.txt");
        assert_eq!(
            dump.preamble.first().map(String::as_str),
            Some("SIGQUIT: quit")
        );
        check_tracebacks(fx, &dump, "sigquit.txt");
        assert!(dump
            .goroutines
            .iter()
            .any(|g| g.state.kind() == WaitKind::Syscall
                || g.frames
                    .iter()
                    .any(|f| f.function.starts_with("time.Sleep"))));
    });
}

#[test]
fn goroutineleak_profiles() {
    for_each_version(|fx| {
        let present = fx.dir.join("goroutineleak.pb.gz").exists();
        assert_eq!(present, fx.has_leak_profile(), "{}", fx.version);
        if !present {
            return;
        }
        let leaky = fx.fact("leaky");
        let p = fx.profile("goroutineleak.pb.gz");
        let types: Vec<_> = p.sample_types().iter().map(|t| (t.kind, t.unit)).collect();
        assert_eq!(types, [("goroutineleak", "count")]);
        assert_eq!(samples_in(&p, "main.leakyWorker") as u64, leaky);
        assert_eq!(
            samples_in(&p, "main.poolWorker"),
            0,
            "live pool workers are not leaks"
        );
        let text = fx.count_profile("goroutineleak.debug1.txt");
        assert_eq!((text.name.as_str(), text.total), ("goroutineleak", leaky));
        let dump = fx.dump("goroutineleak.debug2.txt");
        let leaked: Vec<_> = dump.goroutines.iter().filter(|g| g.state.leaked).collect();
        assert_eq!(leaked.len() as u64, leaky, "{}", fx.version);
        assert!(leaked
            .iter()
            .all(|g| &*g.frames[0].function == "main.leakyWorker"
                && g.state.kind() == WaitKind::ChanReceive));
        // The same dump lists the live goroutines too, not marked.
        assert_eq!(
            in_function(&dump, "main.poolWorker").len() as u64,
            fx.fact("pool")
        );
    });
}

#[test]
fn heap_protobuf() {
    for_each_version(|fx| {
        let p = fx.profile("heap.pb.gz");
        let types: Vec<_> = p.sample_types().iter().map(|t| (t.kind, t.unit)).collect();
        assert_eq!(
            types,
            [
                ("alloc_objects", "count"),
                ("alloc_space", "bytes"),
                ("inuse_objects", "count"),
                ("inuse_space", "bytes")
            ]
        );
        let period = p.period_type().expect("period type");
        assert_eq!(
            (period.kind, period.unit, p.period()),
            ("space", "bytes", 32 << 10)
        );
        let inuse = p.sample_type_index("inuse_space").expect("inuse_space");
        let retained: i64 = p
            .stacks()
            .filter(|s| s.frames.iter().any(|f| f.function == "main.allocRetained"))
            .map(|s| s.values[inuse])
            .sum();
        let expected = (fx.fact("retained_bufs") * fx.fact("retained_bytes")) as i64;
        assert!(
            retained > expected / 2 && retained < expected * 2,
            "{retained} vs {expected}"
        );
        let alloc = p.sample_type_index("alloc_space").expect("alloc_space");
        let churn: i64 = p
            .stacks()
            .filter(|s| s.frames.iter().any(|f| f.function == "main.allocChurn"))
            .map(|s| s.values[alloc])
            .sum();
        assert!(churn > 0);
        assert!(p.mappings().next().is_some_and(|m| !m.filename.is_empty()));
        assert!(p.time_nanos() > 0);
        // Go does not set these for heap profiles; they decode as absent.
        assert_eq!(p.keep_frames(), None);
    });
}

#[test]
fn heap_debug1() {
    for_each_version(|fx| {
        let heap = match fx.document("heap.debug1.txt") {
            Document::HeapText(h) => h,
            other => panic!("expected heap text, got {other:?}"),
        };
        assert_eq!(
            heap.sampling_rate,
            2 * (32 << 10),
            "runtime/pprof prints 2*MemProfileRate"
        );
        let retained: Vec<_> = heap
            .records
            .iter()
            .filter(|r| {
                r.frames
                    .iter()
                    .any(|f| f.function.as_deref() == Some("main.allocRetained"))
            })
            .collect();
        assert!(!retained.is_empty());
        for r in &retained {
            assert_eq!(
                r.counts.inuse_bytes,
                r.counts.inuse_objects * fx.fact("retained_bytes")
            );
        }
        assert!(heap.total.inuse_bytes >= retained.iter().map(|r| r.counts.inuse_bytes).sum());
        assert!(heap.memstat("HeapAlloc").is_some_and(|v| v > 0));
        assert!(heap.memstats.iter().any(|(k, _)| k == "PauseNs"));
        let again = HeapText::parse(
            "again",
            std::fs::read(fx.dir.join("heap.debug1.txt"))
                .expect("read")
                .as_slice(),
        )
        .expect("parses directly");
        assert_eq!(again, heap);
    });
}

#[test]
fn protobuf_round_trips() {
    for_each_version(|fx| {
        for file in ["goroutine.pb.gz", "heap.pb.gz"] {
            let p = fx.profile(file);
            let raw = Profile::decode("raw", &p.encode(), &DecodeOptions::default()).expect("raw");
            assert_eq!(raw.raw(), p.raw());
            let gz = p.encode_gzip();
            assert_eq!(&gz[..2], &[0x1f, 0x8b]);
            let again = Profile::decode("gz", &gz, &DecodeOptions::default()).expect("gzip");
            assert_eq!(again.raw(), p.raw());
        }
    });
}

#[test]
fn streaming_reader_matches_collected_dump() {
    for_each_version(|fx| {
        let bytes = std::fs::read(fx.dir.join("sigquit.txt")).expect("read");
        let opened = letgo_pprof::open("sigquit.txt", bytes.as_slice(), &DecodeOptions::default())
            .expect("open");
        let letgo_pprof::Opened::Goroutines(mut reader) = opened else {
            panic!("expected a traceback stream");
        };
        let first = reader.next().expect("a goroutine").expect("parses");
        assert_eq!(
            reader.preamble().first().map(String::as_str),
            Some("SIGQUIT: quit")
        );
        let rest: Vec<_> = reader.collect::<Result<_, _>>().expect("parses");
        let dump = fx.dump("sigquit.txt");
        assert_eq!(dump.goroutines[0], first);
        assert_eq!(&dump.goroutines[1..], rest.as_slice());
    });
}
