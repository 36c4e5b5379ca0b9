// Command gotypesdump type-checks packages of GOROOT/src with go/types and
// prints, per file, the object every identifier use resolves to and the
// type of every expression. It is the Go side of letgo's differential test
// of its semantic model; the format is specified in README.md.
//
// Usage:
//
//	gotypesdump [-goroot DIR] [-o FILE] PKGPATH...
//	gotypesdump [-goroot DIR] [-o FILE] all
//	gotypesdump [-goroot DIR] [-o FILE] -module ROOT [DIR...]
//	gotypesdump -module ROOT -list
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	goroot := flag.String("goroot", "", "the GOROOT whose src is checked (default: go/build's GOROOT)")
	out := flag.String("o", "", "write the dump to this file instead of stdout")
	modRoot := flag.String("module", "", "check the packages of the module at this root (DIR arguments relative to it; all when none), imports as with -mod=vendor")
	list := flag.Bool("list", false, "with -module: print the folders that would be checked when no DIR is given, and exit")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gotypesdump [-goroot DIR] [-o FILE] PKGPATH... | all\n       gotypesdump [-goroot DIR] [-o FILE] -module ROOT [DIR...]\n       gotypesdump -module ROOT -list")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *list && *modRoot == "" || *modRoot == "" && flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var err error
	if *list {
		err = listModule(*modRoot)
	} else {
		err = run(*goroot, *out, *modRoot, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotypesdump:", err)
		os.Exit(2)
	}
}

// listModule prints the folders module mode checks by default, one per
// line, relative to the root.
func listModule(root string) error {
	mod, err := readModule(root)
	if err != nil {
		return err
	}
	dirs, err := mod.packageDirs()
	if err != nil {
		return err
	}
	for _, d := range dirs {
		fmt.Println(d)
	}
	return nil
}

// run dumps the packages of GOROOT/src named by args (import paths or
// "all"), or in module mode (modRoot set) the module's folders named by
// args (all when none).
func run(goroot, outPath, modRoot string, args []string) error {
	ctxt, err := setupContext(goroot)
	if err != nil {
		return err
	}
	src := filepath.Join(ctxt.GOROOT, "src")
	var mod *module
	var dirs []string
	if modRoot != "" {
		if mod, err = readModule(modRoot); err != nil {
			return err
		}
		if dirs, err = moduleDirs(mod, args); err != nil {
			return err
		}
	} else if dirs, err = gorootDirs(src, args); err != nil {
		return err
	}
	var w io.Writer = os.Stdout
	if outPath != "" {
		f, err := os.Create(outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	d := newDumper(ctxt, src, mod, bw)
	start := time.Now()
	for _, dir := range dirs {
		d.dumpDir(dir)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gotypesdump: %d packages dumped, %d failed, %d without Go files; %d identifier uses, %d expressions (%d synthetic ones left out); %.1fs\n",
		d.dumped, d.failed, d.empty, d.uses, d.exprs, d.synthetic, time.Since(start).Seconds())
	return nil
}

// gorootDirs is the folders of the import paths in args, or of every
// package of src for "all".
func gorootDirs(src string, args []string) ([]string, error) {
	paths := args
	if len(args) == 1 && args[0] == "all" {
		var err error
		if paths, err = allPackageDirs(src); err != nil {
			return nil, err
		}
	}
	dirs := make([]string, len(paths))
	for i, p := range paths {
		dirs[i] = filepath.Join(src, filepath.FromSlash(p))
	}
	return dirs, nil
}

// moduleDirs is the folders in args (relative to the module root), or
// the module's package folders when there are none.
func moduleDirs(mod *module, args []string) ([]string, error) {
	rels := args
	if len(args) == 0 {
		var err error
		if rels, err = mod.packageDirs(); err != nil {
			return nil, err
		}
	}
	dirs := make([]string, len(rels))
	for i, r := range rels {
		dirs[i] = filepath.Join(mod.root, filepath.FromSlash(r))
	}
	return dirs, nil
}

// setupContext fixes the build configuration of the dump: linux/amd64
// without cgo, whatever the host says. GOROOT is made absolute: go/build
// finds the vendor directory of an importing directory only by an
// absolute path.
func setupContext(goroot string) (*build.Context, error) {
	ctxt := build.Default
	if goroot != "" {
		abs, err := filepath.Abs(goroot)
		if err != nil {
			return nil, err
		}
		ctxt.GOROOT = abs
	}
	ctxt.GOOS = "linux"
	ctxt.GOARCH = "amd64"
	ctxt.CgoEnabled = false
	return &ctxt, nil
}

// allPackageDirs lists every directory under src as an import path
// (relative to src, slash-separated), sorted, skipping testdata and the
// directories the go command ignores (names starting with "." or "_").
func allPackageDirs(src string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(src, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			return nil
		}
		name := e.Name()
		if path != src && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if path != src {
			rel, _ := filepath.Rel(src, path)
			paths = append(paths, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(paths)
	return paths, err
}

type dumper struct {
	src  string
	mod  *module // module mode's main module, else nil
	w    *bufio.Writer
	fset *token.FileSet
	imp  *srcImporter
	// type strings by type: the same *types.Named or *types.Pointer
	// recurs on many expressions
	typeStrings map[types.Type]string
	// counters for the summary line
	dumped, failed, empty, uses, exprs, synthetic int
}

func newDumper(ctxt *build.Context, src string, mod *module, w *bufio.Writer) *dumper {
	fset := token.NewFileSet()
	return &dumper{
		src: src, mod: mod, w: w, fset: fset,
		// One importer for the whole run: each package is read once.
		imp:         newSrcImporter(ctxt, fset, mod),
		typeStrings: map[types.Type]string{},
	}
}

// dumpDir checks the package in dir and prints its block; a directory
// without non-test Go files for the target is skipped silently (go/build
// accepts one with only test files), a package that fails to load or
// check is reported on stderr only.
func (d *dumper) dumpDir(dir string) {
	path := d.rel(dir)
	bp, err := d.imp.importDir(dir)
	if err != nil {
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			d.empty++
			return
		}
		d.fail(path, err)
		return
	}
	if len(bp.GoFiles) == 0 {
		d.empty++
		return
	}
	info := &types.Info{
		Types: make(map[ast.Expr]types.TypeAndValue),
		Uses:  make(map[*ast.Ident]types.Object),
	}
	_, files, err := d.imp.check(bp, info)
	if err != nil {
		d.fail(path, err)
		return
	}
	d.write(d.imp.importPath(bp), files, info)
	d.dumped++
}

func (d *dumper) fail(path string, err error) {
	d.failed++
	fmt.Fprintf(os.Stderr, "gotypesdump: %s: %v\n", path, err)
}
