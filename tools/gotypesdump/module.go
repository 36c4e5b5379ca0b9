package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// module is the main module of module mode: its root folder (absolute)
// and its path from go.mod. Imports from its files (and from its vendor
// folder) resolve as `go build -mod=vendor` resolves them: a standard
// library path from GOROOT, the module's own packages from its folders,
// anything else from ROOT/vendor. The go command is not run.
type module struct {
	root, path string
}

var moduleLine = regexp.MustCompile(`(?m)^\s*module\s+"?([^"\s]+)"?\s*(//.*)?$`)

// readModule reads root/go.mod for the module path.
func readModule(root string) (*module, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return nil, err
	}
	m := moduleLine.FindSubmatch(data)
	if m == nil {
		return nil, fmt.Errorf("%s: no module line", filepath.Join(abs, "go.mod"))
	}
	return &module{root: abs, path: string(m[1])}, nil
}

// isStandard is the go command's test for a standard library path: no dot
// in its first element.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// resolve is the folder of the package `path` imported from the module
// (or its vendor folder): GOROOT/src for a standard library path, the
// module's own folder below its path, else the vendor folder.
func (m *module) resolve(path, src string) (string, error) {
	var dir string
	switch {
	case isStandard(path):
		dir = filepath.Join(src, filepath.FromSlash(path))
	case path == m.path:
		dir = m.root
	case strings.HasPrefix(path, m.path+"/"):
		dir = filepath.Join(m.root, filepath.FromSlash(path[len(m.path)+1:]))
	default:
		dir = filepath.Join(m.root, "vendor", filepath.FromSlash(path))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("cannot find package %q (looked in %s)", path, dir)
	}
	return dir, nil
}

// importPath is the import path of a folder of the module: relative to
// its vendor folder, else the module path joined with the folder's path
// below the root; "" for a folder outside the module.
func (m *module) importPath(dir string) string {
	rel, err := filepath.Rel(m.root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	rel = filepath.ToSlash(rel)
	switch {
	case rel == ".":
		return m.path
	case strings.HasPrefix(rel, "vendor/"):
		return strings.TrimPrefix(rel, "vendor/")
	}
	return m.path + "/" + rel
}

// packageDirs lists the folders of the module's packages as `go list
// ./...` would walk them, relative to the root, sorted: every folder
// below the root except vendor and testdata folders, those whose name
// starts with "." or "_", and nested modules (a folder with its own
// go.mod, and everything below it). Folders without Go files are listed
// too; the dump skips them.
func (m *module) packageDirs() ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(m.root, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			return nil
		}
		if path == m.root {
			dirs = append(dirs, ".")
			return nil
		}
		name := e.Name()
		if name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(m.root, path)
		dirs = append(dirs, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}
