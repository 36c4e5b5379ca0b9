// Command funcs prints, for each Go file named on the command line, the
// line range of every function and function literal, spelled as the Go
// runtime spells the function in a goroutine dump: `F`, `(*T).M`,
// `F.func1`, `F.func1.1`, `glob..func1`. bench/recall/run maps a
// finding's line to the innermost function holding it.
//
// Output: one JSON object per line, {"file","start","end","name"}.
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
	File  string `json:"file"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Name  string `json:"name"`
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
		out = append(out, span{path, fset.Position(n.Pos()).Line, fset.Position(n.End()).Line, name})
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
