// Command funcs prints, for each Go file named on the command line, the
// line range of every function and function literal, spelled as the Go
// runtime spells the function in a goroutine dump: `F`, `(*T).M`,
// `F.func1`, `F.func1.1`, `glob..func1`. bench/recall/run maps a
// finding's line to the innermost function holding it.
//
// `bench/recall/run --record` checks these names against the runtime's own
// tracebacks of the leak programs: with Go 1.27.3, 303 of 307 frames agree
// by line alone; the others are a line shared by a call and a one-line
// literal (`}()`, `f(func() { g() })`), which a finding's column settles,
// and one closure the compiler named through inlining (`F.1`).
//
// Output: one JSON object per line, {"file","start","start_col","end",
// "end_col","name"} (columns in bytes, from 1, as go/token counts them).
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
)

type span struct {
	File     string `json:"file"`
	Start    int    `json:"start"`
	StartCol int    `json:"start_col"`
	End      int    `json:"end"`
	EndCol   int    `json:"end_col"`
	Name     string `json:"name"`
}

func main() {
	fset := token.NewFileSet()
	enc := json.NewEncoder(os.Stdout)
	status := 0
	for _, path := range os.Args[1:] {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 2
			continue
		}
		for _, s := range spans(fset, path, f) {
			if err := enc.Encode(s); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
	}
	os.Exit(status)
}

// spans lists the file's functions; closures are numbered per enclosing
// function in source order, as the compiler names them.
func spans(fset *token.FileSet, path string, f *ast.File) []span {
	var out []span
	add := func(n ast.Node, name string) {
		from, to := fset.Position(n.Pos()), fset.Position(n.End())
		out = append(out, span{path, from.Line, from.Column, to.Line, to.Column, name})
	}
	var walk func(n ast.Node, outer string, count *int, sep string)
	walk = func(n ast.Node, outer string, count *int, sep string) {
		ast.Inspect(n, func(c ast.Node) bool {
			lit, ok := c.(*ast.FuncLit)
			if !ok || c == n {
				return true
			}
			*count++
			name := outer + sep + strconv.Itoa(*count)
			add(lit, name)
			inner := 0
			walk(lit, name, &inner, ".")
			return false
		})
	}
	glob := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			walk(d, "glob.", &glob, ".func")
			continue
		}
		name := funcName(fd)
		add(fd, name)
		count := 0
		if fd.Body != nil {
			walk(fd.Body, name, &count, ".func")
		}
	}
	return out
}

// funcName spells a declared function as a traceback does.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	star := false
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = true, s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	recv := fmt.Sprint(t)
	if id, ok := t.(*ast.Ident); ok {
		recv = id.Name
	}
	if star {
		return "(*" + recv + ")." + fd.Name.Name
	}
	return recv + "." + fd.Name.Name
}
