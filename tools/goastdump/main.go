// Command goastdump prints a canonical, line-oriented dump of the go/ast
// tree of each given Go source file. It is the Go side of letgo's
// differential parser test; the output format is specified in README.md.
//
// Usage:
//
//	goastdump FILE...
//	goastdump -list LISTFILE
package main

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"reflect"
	"strconv"
	"strings"
)

const hexDigits = "0123456789abcdef"

// escape writes s byte-wise: 0x21..=0x7e except '\\' as-is, every other
// byte as \xHH (lower-case hex).
func escape(w *bufio.Writer, s string) {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x21 && b <= 0x7e && b != '\\' {
			w.WriteByte(b)
		} else {
			w.WriteByte('\\')
			w.WriteByte('x')
			w.WriteByte(hexDigits[b>>4])
			w.WriteByte(hexDigits[b&0xf])
		}
	}
}

type dumper struct {
	w        *bufio.Writer
	path     string
	tf       *token.File
	badPos   int // number of positions printed as '?'
	kindName map[reflect.Type]string
}

// writePos writes the 0-based byte offset of p in d.tf, "-" for NoPos,
// or "?" if p lies outside the file (where a checked Offset would panic).
func (d *dumper) writePos(p token.Pos) {
	if !p.IsValid() {
		d.w.WriteByte('-')
		return
	}
	off := int(p) - d.tf.Base()
	if off < 0 || off > d.tf.Size() {
		d.badPos++
		d.w.WriteByte('?')
		return
	}
	d.w.WriteString(strconv.Itoa(off))
}

func (d *dumper) kind(n ast.Node) string {
	t := reflect.TypeOf(n)
	if k, ok := d.kindName[t]; ok {
		return k
	}
	k := t.String()
	if t.Kind() == reflect.Pointer {
		k = t.Elem().Name()
	}
	d.kindName[t] = k
	return k
}

func (d *dumper) extra(n ast.Node) {
	w := d.w
	switch n := n.(type) {
	case *ast.Ident:
		w.WriteByte(' ')
		w.WriteString(n.Name)
	case *ast.BasicLit:
		w.WriteByte(' ')
		w.WriteString(n.Kind.String())
		w.WriteByte(' ')
		escape(w, n.Value)
	case *ast.BinaryExpr:
		w.WriteByte(' ')
		w.WriteString(n.Op.String())
	case *ast.UnaryExpr:
		w.WriteByte(' ')
		w.WriteString(n.Op.String())
	case *ast.AssignStmt:
		w.WriteByte(' ')
		w.WriteString(n.Tok.String())
	case *ast.IncDecStmt:
		w.WriteByte(' ')
		w.WriteString(n.Tok.String())
	case *ast.BranchStmt:
		w.WriteByte(' ')
		w.WriteString(n.Tok.String())
	case *ast.GenDecl:
		w.WriteByte(' ')
		w.WriteString(n.Tok.String())
	case *ast.RangeStmt:
		w.WriteByte(' ')
		if n.Tok == token.ILLEGAL {
			w.WriteString("none")
		} else {
			w.WriteString(n.Tok.String())
		}
	case *ast.ChanType:
		w.WriteByte(' ')
		switch n.Dir {
		case ast.SEND:
			w.WriteString("send")
		case ast.RECV:
			w.WriteString("recv")
		default:
			w.WriteString("both")
		}
	}
}

func (d *dumper) dumpFile(path string) (ok bool, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	w := d.w
	w.WriteString("=== ")
	w.WriteString(path)
	w.WriteByte('\n')

	fset := token.NewFileSet()
	f, perr := parser.ParseFile(fset, path, src,
		parser.ParseComments|parser.SkipObjectResolution|parser.AllErrors)
	if perr != nil {
		msg := perr.Error()
		var list scanner.ErrorList
		if errors.As(perr, &list) && len(list) > 0 {
			msg = list[0].Error()
		}
		// Keep it on one line.
		msg = strings.NewReplacer("\n", `\x0a`, "\r", `\x0d`).Replace(msg)
		w.WriteString("ERROR ")
		w.WriteString(msg)
		w.WriteByte('\n')
		return false, nil
	}
	d.path = path
	d.tf = fset.File(f.Package)
	if d.tf == nil {
		// No valid package position; find the (only) file in the set.
		fset.Iterate(func(tf *token.File) bool { d.tf = tf; return false })
	}

	depth := 0
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			depth--
			return false
		}
		switch n.(type) {
		case *ast.CommentGroup, *ast.Comment:
			return false
		}
		w.WriteString(strconv.Itoa(depth))
		w.WriteByte(' ')
		w.WriteString(d.kind(n))
		w.WriteByte(' ')
		d.writePos(n.Pos())
		w.WriteByte(' ')
		d.writePos(n.End())
		d.extra(n)
		w.WriteByte('\n')
		depth++
		return true
	})

	for _, g := range f.Comments {
		for _, c := range g.List {
			w.WriteString("C ")
			d.writePos(c.Pos())
			w.WriteByte(' ')
			d.writePos(c.End())
			w.WriteByte(' ')
			escape(w, c.Text)
			w.WriteByte('\n')
		}
	}
	return true, nil
}

func readList(name string) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" {
			paths = append(paths, line)
		}
	}
	return paths, nil
}

func main() {
	args := os.Args[1:]
	var paths []string
	switch {
	case len(args) == 2 && args[0] == "-list":
		var err error
		paths, err = readList(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "goastdump:", err)
			os.Exit(2)
		}
	case len(args) >= 1 && args[0] != "-list":
		paths = args
	default:
		fmt.Fprintln(os.Stderr, "usage: goastdump FILE... | goastdump -list LISTFILE")
		os.Exit(2)
	}

	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	d := &dumper{w: w, kindName: make(map[reflect.Type]string)}
	nok, nerr, exit := 0, 0, 0
	for _, p := range paths {
		before := d.badPos
		ok, err := d.dumpFile(p)
		if err != nil {
			// I/O error: reported on stderr only, no === block.
			fmt.Fprintln(os.Stderr, "goastdump:", err)
			exit = 1
			continue
		}
		if ok {
			nok++
		} else {
			nerr++
		}
		if d.badPos != before {
			fmt.Fprintf(os.Stderr, "goastdump: %s: %d out-of-range positions\n", p, d.badPos-before)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "goastdump:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "goastdump: %d files: %d ok, %d ERROR, %d out-of-range positions\n",
		len(paths), nok, nerr, d.badPos)
	os.Exit(exit)
}
