package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
)

// srcImporter imports packages from source like the standard library's
// source importer (importer.ForCompiler(fset, "source", nil)): the same
// go/build resolution of import paths (vendor directories included), the
// same files, checked by go/types with function bodies skipped, so the
// objects are the same. It is faster over a whole tree because it keeps
// what the source importer recomputes on every import: the resolution of
// a path from a directory and each directory's file list (together a
// fifth of the run). It also reuses the packages the dump checked in
// full, which are the same packages.
type srcImporter struct {
	ctxt  *build.Context
	fset  *token.FileSet
	sizes types.Sizes
	// GOROOT/src, and the main module in module mode (nil otherwise):
	// imports from outside GOROOT/src resolve through it
	src string
	mod *module
	// directory of (import path, importing directory)
	resolved map[[2]string]string
	// go/build's view of a directory, and the package checked from it
	dirs     map[string]*build.Package
	packages map[string]*types.Package
}

// importing marks a package being checked, to report an import cycle.
var importing types.Package

func newSrcImporter(ctxt *build.Context, fset *token.FileSet, mod *module) *srcImporter {
	return &srcImporter{
		ctxt:     ctxt,
		fset:     fset,
		sizes:    types.SizesFor("gc", ctxt.GOARCH),
		src:      filepath.Join(ctxt.GOROOT, "src"),
		mod:      mod,
		resolved: map[[2]string]string{},
		dirs:     map[string]*build.Package{},
		packages: map[string]*types.Package{},
	}
}

func (s *srcImporter) Import(path string) (*types.Package, error) {
	return s.ImportFrom(path, ".", 0)
}

func (s *srcImporter) ImportFrom(path, srcDir string, _ types.ImportMode) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	key := [2]string{path, srcDir}
	dir, ok := s.resolved[key]
	if !ok {
		var err error
		if dir, err = s.resolve(path, srcDir); err != nil {
			return nil, err
		}
		s.resolved[key] = dir
	}
	if pkg := s.packages[dir]; pkg != nil {
		if pkg == &importing {
			return nil, fmt.Errorf("import cycle through %s", dir)
		}
		return pkg, nil
	}
	bp, err := s.importDir(dir)
	if err != nil {
		return nil, err
	}
	s.packages[dir] = &importing
	pkg, _, err := s.check(bp, nil)
	if err != nil {
		delete(s.packages, dir)
		return nil, fmt.Errorf("type-checking package %q failed (%v)", s.importPath(bp), err)
	}
	s.packages[dir] = pkg
	return pkg, nil
}

// resolve finds the folder of an import: through the main module for a
// file outside GOROOT/src in module mode, else as go/build does (GOROOT's
// vendor folders, then GOROOT/src).
func (s *srcImporter) resolve(path, srcDir string) (string, error) {
	if s.mod != nil && !within(s.src, srcDir) {
		return s.mod.resolve(path, s.src)
	}
	bp, err := s.ctxt.Import(path, srcDir, build.FindOnly)
	if err != nil {
		return "", err
	}
	return bp.Dir, nil
}

// within tells whether path is dir or below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// importPath is the import path of a package: go/build's in GOROOT/src,
// the main module's elsewhere in module mode.
func (s *srcImporter) importPath(bp *build.Package) string {
	if s.mod != nil && !within(s.src, bp.Dir) {
		if p := s.mod.importPath(bp.Dir); p != "" {
			return p
		}
	}
	return bp.ImportPath
}

// importDir is go/build's view of dir, read once.
func (s *srcImporter) importDir(dir string) (*build.Package, error) {
	if bp, ok := s.dirs[dir]; ok {
		return bp, nil
	}
	bp, err := s.ctxt.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	s.dirs[dir] = bp
	return bp, nil
}

// check parses and type-checks the package of bp and returns it with its
// files, or the first error: in full, recording into info, when info is
// given, else with function bodies skipped as the source importer does.
// A package checked in full serves later imports unless one was imported
// before: that one must stay, or types imported through two paths would
// be two different types.
func (s *srcImporter) check(bp *build.Package, info *types.Info) (*types.Package, []*ast.File, error) {
	files := make([]*ast.File, 0, len(bp.GoFiles))
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(s.fset, filepath.Join(bp.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	var errs []error
	conf := types.Config{
		IgnoreFuncBodies: info == nil,
		Importer:         s,
		Sizes:            s.sizes,
		Error:            func(err error) { errs = append(errs, err) },
	}
	pkg, err := conf.Check(s.importPath(bp), s.fset, files, info)
	if err != nil {
		return nil, nil, fmt.Errorf("%v (%d errors)", errs[0], len(errs))
	}
	if _, ok := s.packages[bp.Dir]; !ok && info != nil {
		s.packages[bp.Dir] = pkg
	}
	return pkg, files, nil
}
