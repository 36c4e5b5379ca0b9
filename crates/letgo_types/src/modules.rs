//! Where imports come from outside GOROOT: the modules being checked (their
//! own packages and `vendor/` folders) and the module cache at the versions
//! `go.mod` requires. No Go toolchain is run.

use std::path::{Path, PathBuf};

/// A module whose packages can be imported: its path, its root folder, and
/// the requirements of its `go.mod`.
#[derive(Clone, Debug)]
pub struct ModuleRoot {
    pub path: String,
    pub dir: PathBuf,
    pub requires: Vec<(String, String)>,
}

impl ModuleRoot {
    /// Reads `dir/go.mod`; `None` when there is none or it names no module.
    pub fn read(dir: &Path) -> Option<ModuleRoot> {
        let text = std::fs::read_to_string(dir.join("go.mod")).ok()?;
        let mut path = None;
        let mut requires = Vec::new();
        let mut in_block = false;
        for line in text.lines() {
            let line = line.split("//").next().unwrap_or("").trim();
            if in_block {
                if line == ")" {
                    in_block = false;
                } else if let Some(r) = requirement(line) {
                    requires.push(r);
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("module") {
                path = Some(rest.trim().trim_matches('"').to_string());
            } else if let Some(rest) = line.strip_prefix("require") {
                let rest = rest.trim();
                if rest == "(" {
                    in_block = true;
                } else if let Some(r) = requirement(rest) {
                    requires.push(r);
                }
            }
        }
        Some(ModuleRoot {
            path: path.filter(|p| !p.is_empty())?,
            dir: dir.to_path_buf(),
            requires,
        })
    }

    /// The folder of `import` inside this module, its vendor folder, or the
    /// module cache; with the import path it is known by.
    pub fn resolve(&self, import: &str, modcache: Option<&Path>) -> Option<PathBuf> {
        if let Some(rest) = strip_module(import, &self.path) {
            return Some(self.dir.join(rest));
        }
        let vendored = self.dir.join("vendor").join(import);
        if vendored.is_dir() {
            return Some(vendored);
        }
        let cache = modcache?;
        let (module, version) = self
            .requires
            .iter()
            .filter(|(m, _)| strip_module(import, m).is_some())
            .max_by_key(|(m, _)| m.len())?;
        let rest = strip_module(import, module)?;
        let dir = cache
            .join(format!("{}@{}", escape(module), version))
            .join(rest);
        dir.is_dir().then_some(dir)
    }
}

/// GOPATH-era code (no `go.mod`): the project's root folder and the
/// import path it had under `$GOPATH/src`, inferred from the imports of
/// the checked folders `dirs`. An import `P/S` of a non-standard package
/// votes for (`A`, `P`) when `A` is a folder at or above the importing
/// one and `A/S` is a folder: a project imports its own packages by their
/// path below its root. The best-voted root covers the folders below it;
/// the rest are tried again. A folder with no vote but a `vendor/`
/// folder above it gets that folder as its root (Go's GOPATH vendoring),
/// with an import path nothing imports. Without either, nothing.
pub fn gopath_roots(dirs: &[PathBuf]) -> Vec<ModuleRoot> {
    let mut out: Vec<ModuleRoot> = Vec::new();
    let mut left: Vec<&PathBuf> = dirs.iter().collect();
    let mut is_dir: std::collections::HashMap<PathBuf, bool> = std::collections::HashMap::new();
    let mut check = |p: PathBuf| *is_dir.entry(p.clone()).or_insert_with(|| p.is_dir());
    // A few rounds: a checkout holds one project, rarely a handful.
    for _ in 0..4 {
        let mut votes: std::collections::HashMap<(PathBuf, String), usize> =
            std::collections::HashMap::new();
        // Enough folders to see how the project imports itself.
        for d in left.iter().take(64) {
            for imp in imports_in(d) {
                for (i, _) in imp.match_indices('/') {
                    let (prefix, rest) = (&imp[..i], &imp[i + 1..]);
                    for a in d.ancestors().take(12) {
                        if check(a.join(rest)) {
                            *votes
                                .entry((a.to_path_buf(), prefix.to_string()))
                                .or_default() += 1;
                        }
                    }
                }
            }
        }
        let best = votes.into_iter().max_by(|(ka, a), (kb, b)| {
            a.cmp(b)
                .then(kb.0.as_os_str().len().cmp(&ka.0.as_os_str().len()))
        });
        let Some(((dir, path), _)) = best else { break };
        left.retain(|d| !d.starts_with(&dir));
        out.push(ModuleRoot {
            path,
            dir,
            requires: Vec::new(),
        });
        if left.is_empty() {
            break;
        }
    }
    for d in left {
        let vendor_root = d.ancestors().take(12).find(|a| a.join("vendor").is_dir());
        if let Some(a) = vendor_root {
            if !out.iter().any(|m| m.dir == a) {
                let path = a.to_string_lossy().trim_start_matches('/').to_string();
                out.push(ModuleRoot {
                    path,
                    dir: a.to_path_buf(),
                    requires: Vec::new(),
                });
            }
        }
    }
    out
}

/// The non-standard import paths (first element holds a dot) of the Go
/// files of `dir`, read from the text of their import declarations.
fn imports_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "go") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let mut in_block = false;
        for line in text.lines() {
            let line = line.trim();
            let spec = if in_block {
                if line.starts_with(')') {
                    in_block = false;
                    continue;
                }
                line
            } else if let Some(rest) = line.strip_prefix("import") {
                let rest = rest.trim();
                if rest.starts_with('(') {
                    in_block = true;
                    continue;
                }
                rest
            } else if ["func ", "type ", "var ", "const "]
                .iter()
                .any(|k| line.starts_with(k))
            {
                break;
            } else {
                continue;
            };
            let Some(q) = spec.split('"').nth(1) else {
                continue;
            };
            let first = q.split('/').next().unwrap_or("");
            if first.contains('.') && !out.iter().any(|o| o == q) {
                out.push(q.to_string());
            }
        }
    }
    out
}

fn requirement(line: &str) -> Option<(String, String)> {
    let mut parts = line.split_whitespace();
    let m = parts.next()?.trim_matches('"').to_string();
    let v = parts.next()?.to_string();
    Some((m, v))
}

/// The rest of `import` below module path `module` ("" for the module's
/// root package).
fn strip_module<'a>(import: &'a str, module: &str) -> Option<&'a str> {
    if import == module {
        return Some("");
    }
    import.strip_prefix(module)?.strip_prefix('/')
}

/// The module cache's case encoding: `Azure` is stored as `!azure`.
fn escape(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

static GOROOT_OVERRIDE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes [`find_goroot`] answer `goroot` for the rest of the process (for
/// tests, which know their toolchain; the first call wins).
pub fn use_goroot(goroot: PathBuf) {
    let _ = GOROOT_OVERRIDE.set(goroot);
}

/// GOROOT: `$GOROOT`, else `go env GOROOT` when `go` runs, else the usual
/// install folders.
pub fn find_goroot() -> Option<PathBuf> {
    if let Some(g) = GOROOT_OVERRIDE.get() {
        return Some(g.clone());
    }
    if let Some(g) = std::env::var_os("GOROOT").map(PathBuf::from) {
        if g.join("src").is_dir() {
            return Some(g);
        }
    }
    // Asked of `go` once per process: the check command and the model
    // both want it.
    static GO_ENV_GOROOT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let from_go = GO_ENV_GOROOT.get_or_init(|| {
        let out = std::process::Command::new("go")
            .args(["env", "GOROOT"])
            .output()
            .ok()?;
        let g = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        (out.status.success() && g.join("src").is_dir()).then_some(g)
    });
    if let Some(g) = from_go {
        return Some(g.clone());
    }
    ["/usr/local/go", "/usr/lib/go", "/opt/go"]
        .iter()
        .map(PathBuf::from)
        .find(|g| g.join("src").is_dir())
}

/// The module cache: `$GOMODCACHE`, else `$GOPATH/pkg/mod`, else
/// `~/go/pkg/mod`.
pub fn find_modcache() -> Option<PathBuf> {
    if let Some(m) = std::env::var_os("GOMODCACHE") {
        return Some(PathBuf::from(m));
    }
    let gopath = std::env::var_os("GOPATH")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("go")))?;
    let first = std::env::split_paths(&gopath).next()?;
    Some(first.join("pkg").join("mod"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_module_and_requirements() {
        let dir = std::env::temp_dir().join(format!("letgo-types-mod-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("go.mod"),
            "module example.com/m\n\ngo 1.22\n\nrequire (\n\tgithub.com/Foo/bar v1.2.3 // indirect\n)\nrequire golang.org/x/sync v0.7.0\n",
        )
        .unwrap();
        let m = ModuleRoot::read(&dir).unwrap();
        assert_eq!(m.path, "example.com/m");
        assert_eq!(
            m.requires,
            vec![
                ("github.com/Foo/bar".to_string(), "v1.2.3".to_string()),
                ("golang.org/x/sync".to_string(), "v0.7.0".to_string())
            ]
        );
        assert_eq!(
            m.resolve("example.com/m/internal/x", None),
            Some(dir.join("internal/x"))
        );
        let cache = dir.join("cache");
        std::fs::create_dir_all(cache.join("github.com/!foo/bar@v1.2.3/baz")).unwrap();
        assert_eq!(
            m.resolve("github.com/Foo/bar/baz", Some(&cache)),
            Some(cache.join("github.com/!foo/bar@v1.2.3/baz"))
        );
        assert_eq!(m.resolve("github.com/other/x", Some(&cache)), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn infers_a_gopath_projects_root_from_its_own_imports() {
        let dir = std::env::temp_dir().join(format!("letgo-types-gopath-{}", std::process::id()));
        let root = dir.join("checkout");
        for d in ["cmd/tool", "store/disk", "vendor/golang.org/x/net/context"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(
            root.join("cmd/tool/main.go"),
            "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.org/proj/store/disk\"\n\t\"golang.org/x/net/context\"\n)\n\nfunc main() { fmt.Println(disk.X, context.TODO) }\n",
        )
        .unwrap();
        std::fs::write(
            root.join("store/disk/disk.go"),
            "package disk\n\nvar X = 1\n",
        )
        .unwrap();
        let roots = gopath_roots(&[root.join("cmd/tool"), root.join("store/disk")]);
        assert_eq!(roots.len(), 1, "{roots:?}");
        assert_eq!(roots[0].path, "example.org/proj");
        assert_eq!(roots[0].dir, root);
        assert_eq!(
            roots[0].resolve("golang.org/x/net/context", None),
            Some(root.join("vendor/golang.org/x/net/context"))
        );
        // A lone folder importing nothing of its own, under no vendor
        // folder: nothing to infer.
        let lone = dir.join("lone");
        std::fs::create_dir_all(&lone).unwrap();
        std::fs::write(
            lone.join("a.go"),
            "package lone\n\nimport \"example.com/x/y\"\n",
        )
        .unwrap();
        assert!(gopath_roots(&[lone]).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
