package main

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// line is one I or T line of a file, with its sort key.
type line struct {
	start, end int
	text       string // the whole line, starting with its kind letter
}

// write prints the block of one checked package: its files in sorted path
// order, each with its I and T lines sorted by (start, end descending,
// text).
func (d *dumper) write(pkgPath string, files []*ast.File, info *types.Info) {
	byFile := make(map[*token.File][]line, len(files))
	for id, obj := range info.Uses {
		tf, start := d.offset(id.Pos())
		text := "I " + strconv.Itoa(start) + " " + id.Name + " " + objKind(obj) + " " + d.decl(obj)
		byFile[tf] = append(byFile[tf], line{start, start + len(id.Name), text})
		d.uses++
	}
	for e, tv := range info.Types {
		mode := modeName(tv)
		if mode == "" {
			continue
		}
		if !e.Pos().IsValid() {
			// go/types wraps a constraint written as a bare union
			// ([T int8 | int16]) in an *ast.InterfaceType of its own
			// making, without a position; it is not in the source.
			d.synthetic++
			continue
		}
		tf, start := d.offset(e.Pos())
		_, end := d.offset(e.End())
		text := "T " + strconv.Itoa(start) + " " + strconv.Itoa(end) + " " + nodeName(e) + " " + mode + " " + d.typeString(tv.Type)
		byFile[tf] = append(byFile[tf], line{start, end, text})
		d.exprs++
	}
	type fileLines struct {
		path  string
		lines []line
	}
	var out []fileLines
	for _, f := range files {
		tf := d.fset.File(f.FileStart)
		out = append(out, fileLines{d.rel(tf.Name()), byFile[tf]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })

	w := d.w
	w.WriteString("package " + pkgPath + "\n")
	for _, f := range out {
		w.WriteString("file " + f.path + "\n")
		sort.Slice(f.lines, func(i, j int) bool {
			a, b := f.lines[i], f.lines[j]
			if a.start != b.start {
				return a.start < b.start
			}
			if a.end != b.end {
				return a.end > b.end
			}
			return a.text < b.text
		})
		for _, l := range f.lines {
			w.WriteString(l.text)
			w.WriteByte('\n')
		}
	}
}

// offset is the file of p and p's byte offset in it, ignoring //line
// directives.
func (d *dumper) offset(p token.Pos) (*token.File, int) {
	tf := d.fset.File(p)
	return tf, int(p) - tf.Base()
}

// rel makes a file name relative to GOROOT/src, else (module mode) to the
// module root, slash-separated; a file elsewhere keeps its absolute name.
func (d *dumper) rel(name string) string {
	if within(d.src, name) {
		r, _ := filepath.Rel(d.src, name)
		return filepath.ToSlash(r)
	}
	if d.mod != nil && within(d.mod.root, name) {
		r, _ := filepath.Rel(d.mod.root, name)
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(name)
}

func objKind(obj types.Object) string {
	switch obj := obj.(type) {
	case *types.Var:
		if obj.IsField() {
			return "field"
		}
		return "var"
	case *types.Const:
		return "const"
	case *types.TypeName:
		return "type"
	case *types.Func:
		if obj.Signature().Recv() != nil {
			return "method"
		}
		return "func"
	case *types.PkgName:
		return "pkgname"
	case *types.Builtin:
		return "builtin"
	case *types.Nil:
		return "nil"
	case *types.Label:
		return "label"
	}
	return "unknown"
}

// decl names where obj is declared: the imported path for a package
// name, file:offset when it has a position, else "universe" or the path of
// its package (unsafe).
func (d *dumper) decl(obj types.Object) string {
	if pn, ok := obj.(*types.PkgName); ok {
		return pn.Imported().Path()
	}
	if obj.Pos().IsValid() {
		tf, off := d.offset(obj.Pos())
		return d.rel(tf.Name()) + ":" + strconv.Itoa(off)
	}
	if obj.Pkg() == nil {
		return "universe"
	}
	return obj.Pkg().Path()
}

// modeName maps the mode of a recorded expression to its dump name, or ""
// for the modes that are not dumped (novalue, builtin, invalid). The order
// matters: nil is a value of untyped nil type, a constant has a Value,
// var is an addressable operand, mapindex is assignable with ok but not
// addressable. commaerr (cgo calls) cannot be told apart through the API
// and never occurs without cgo; it would print as value.
func modeName(tv types.TypeAndValue) string {
	switch {
	case tv.IsType():
		return "type"
	case !tv.IsValue():
		return ""
	case tv.IsNil():
		return "nil"
	case tv.Value != nil:
		return "const"
	case tv.Addressable():
		return "var"
	case tv.Assignable() && tv.HasOk():
		return "mapindex"
	case tv.HasOk():
		return "commaok"
	}
	return "value"
}

var nodeNames = map[reflect.Type]string{}

// nodeName is the go/ast type name of e without "*ast." and without an
// "Expr" suffix (SelectorExpr -> Selector, KeyValueExpr -> KeyValue).
func nodeName(e ast.Expr) string {
	t := reflect.TypeOf(e)
	if n, ok := nodeNames[t]; ok {
		return n
	}
	n := strings.TrimSuffix(t.Elem().Name(), "Expr")
	nodeNames[t] = n
	return n
}

// typeString is types.TypeString with full package paths, kept on one
// line: a newline or carriage return would be written as \x0a or \x0d.
func (d *dumper) typeString(t types.Type) string {
	if s, ok := d.typeStrings[t]; ok {
		return s
	}
	s := types.TypeString(t, nil)
	if strings.ContainsAny(s, "\n\r") {
		s = strings.NewReplacer("\n", `\x0a`, "\r", `\x0d`).Replace(s)
	}
	d.typeStrings[t] = s
	return s
}
