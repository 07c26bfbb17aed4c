package proto

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"github.com/bufbuild/protocompile/sourceinfo"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/contractgate/contracts/compat"
)

// Sets are compiled without source info (compile.go); a file's positions
// are worked out from its source the first time a finding in it needs one,
// and kept with the set.

// filePositions are the declarations of one file by source path
// (descriptor.proto field numbers, as SourceCodeInfo spells them), and its
// file-level options by name.
type filePositions struct {
	byPath  map[string]pos
	options map[string]pos
}

// pos is a 1-based line and column.
type pos struct{ line, col int32 }

// Location returns where d is declared: the file (with the set's Display
// prefix) and, for a declaration in one of the set's own files, its line
// and column. A file descriptor has no line.
func (s *Set) Location(d protoreflect.Descriptor) compat.Location {
	if s == nil || d == nil || d.ParentFile() == nil {
		return compat.Location{}
	}
	fd := d.ParentFile()
	if _, ok := d.(protoreflect.FileDescriptor); ok {
		return compat.Location{File: s.Display + fd.Path()}
	}
	path, ok := descriptorPath(d)
	if !ok {
		return compat.Location{File: s.Display + fd.Path()}
	}
	return s.PathLocation(fd.Path(), path...)
}

// PathLocation returns the location of a source path in the file of the
// set at path: 2 is the package statement, 12 the syntax, 14 the edition,
// [4, i] the i-th message, and so on.
func (s *Set) PathLocation(file string, path ...int32) compat.Location {
	loc := compat.Location{File: s.Display + file}
	if p, ok := s.positions(file).byPath[pathKey(path)]; ok {
		loc.Line, loc.Column = int(p.line), int(p.col)
	}
	return loc
}

// OptionLocation returns the location of the file-level option statement
// `option name = …;` in file, or the file alone when it has none.
func (s *Set) OptionLocation(file, name string) compat.Location {
	loc := compat.Location{File: s.Display + file}
	if p, ok := s.positions(file).options[name]; ok {
		loc.Line, loc.Column = int(p.line), int(p.col)
	}
	return loc
}

// positions returns the positions of file, working them out once.
func (s *Set) positions(file string) *filePositions {
	s.posMu.Lock()
	defer s.posMu.Unlock()
	if p, ok := s.pos[file]; ok {
		return p
	}
	if s.pos == nil {
		s.pos = map[string]*filePositions{}
	}
	p := computePositions(file, s.Sources[file])
	s.pos[file] = p
	return p
}

// computePositions parses src again and keeps the positions of its
// declarations. Parse errors cannot happen for a file that compiled; if
// one does, the file simply has no positions.
func computePositions(file string, src []byte) (fp *filePositions) {
	fp = &filePositions{byPath: map[string]pos{}, options: map[string]pos{}}
	if src == nil {
		return fp
	}
	defer func() {
		if recover() != nil {
			fp = &filePositions{byPath: map[string]pos{}, options: map[string]pos{}}
		}
	}()
	node, err := parser.Parse(file, bytes.NewReader(src), reporter.NewHandler(nil))
	if err != nil || node == nil {
		return fp
	}
	for _, decl := range node.Decls {
		if opt, ok := decl.(*ast.OptionNode); ok && opt.Name != nil {
			var parts []string
			for _, p := range opt.Name.Parts {
				parts = append(parts, string(p.Value()))
			}
			start := node.NodeInfo(opt).Start()
			fp.options[strings.Join(parts, ".")] = pos{int32(start.Line), int32(start.Col)}
		}
	}
	// Without an option index every option is laid out as uninterpreted,
	// which moves no declaration: their paths are those of the descriptors.
	info := sourceinfo.GenerateSourceInfo(node, nil)
	for _, l := range info.GetLocation() {
		// Declarations have even paths ([4, i], [4, i, 2, j], …); the
		// statements of a file (package, syntax, edition) one element.
		if n := len(l.Path); n%2 == 1 && n != 1 {
			continue
		}
		k := pathKey(l.Path)
		if _, dup := fp.byPath[k]; !dup && len(l.Span) >= 2 {
			fp.byPath[k] = pos{l.Span[0] + 1, l.Span[1] + 1}
		}
	}
	return fp
}

func pathKey(path []int32) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteString(strconv.Itoa(int(p)))
		b.WriteByte('.')
	}
	return b.String()
}

// The field numbers of descriptor.proto that make up source paths.
const (
	fileMessages    = 4
	fileEnums       = 5
	fileServices    = 6
	fileExtensions  = 7
	msgFields       = 2
	msgNested       = 3
	msgEnums        = 4
	msgExtensions   = 6
	msgOneofs       = 8
	enumValues      = 2
	serviceMethods  = 2
	maxPathElements = 512
)

// descriptorPath returns the source path of d in its file, the way
// SourceCodeInfo spells it.
func descriptorPath(d protoreflect.Descriptor) ([]int32, bool) {
	var rev []int32 // pairs, innermost first
	for d != nil && len(rev) < maxPathElements {
		parent := d.Parent()
		_, top := parent.(protoreflect.FileDescriptor)
		var tag int32
		switch d := d.(type) {
		case protoreflect.FileDescriptor:
			out := make([]int32, len(rev))
			for i := range rev {
				out[i] = rev[len(rev)-1-i]
			}
			return out, true
		case protoreflect.MessageDescriptor:
			tag = pick(top, fileMessages, msgNested)
		case protoreflect.EnumDescriptor:
			tag = pick(top, fileEnums, msgEnums)
		case protoreflect.FieldDescriptor:
			switch {
			case d.IsExtension():
				tag = pick(top, fileExtensions, msgExtensions)
			default:
				tag = msgFields
			}
		case protoreflect.OneofDescriptor:
			tag = msgOneofs
		case protoreflect.EnumValueDescriptor:
			tag = enumValues
		case protoreflect.ServiceDescriptor:
			tag = fileServices
		case protoreflect.MethodDescriptor:
			tag = serviceMethods
		default:
			return nil, false
		}
		// Pushed innermost first and reversed above: index, then tag.
		rev = append(rev, int32(d.Index()), tag)
		d = parent
	}
	return nil, false
}

func pick(cond bool, a, b int32) int32 {
	if cond {
		return a
	}
	return b
}

// importsOf returns the paths a .proto source imports, read with a small
// scanner that knows comments and string literals. It is used only to
// order compilation, so a file it misreads still compiles correctly.
func importsOf(src []byte) []string {
	var out []string
	depth := 0
	// want: 0 none, 1 after `import`, 2 after `import public|weak`.
	want := 0
	var lit strings.Builder
	inLit := false
	flush := func() {
		if inLit {
			out = append(out, lit.String())
			lit.Reset()
			inLit = false
		}
		want = 0
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i+1 < len(src) && !(src[i] == '*' && src[i+1] == '/') {
				i++
			}
			i += 2
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j > len(src) {
				j = len(src)
			}
			if want > 0 && depth == 0 {
				body := string(src[i+1 : min(j, len(src))])
				if strings.ContainsRune(body, '\\') {
					if u, err := strconv.Unquote(`"` + strings.ReplaceAll(body, `"`, `\"`) + `"`); err == nil {
						body = u
					}
				}
				lit.WriteString(body)
				inLit = true
			}
			i = j + 1
		case isIdentByte(c):
			j := i
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '.') {
				j++
			}
			word := string(src[i:j])
			switch {
			case depth == 0 && want == 0 && word == "import":
				want = 1
			case want == 1 && !inLit && (word == "public" || word == "weak"):
				want = 2
			default:
				flush()
			}
			i = j
		default:
			switch c {
			case '{', '(', '[', '<':
				depth++
			case '}', ')', ']', '>':
				if depth > 0 {
					depth--
				}
			}
			flush()
			i++
		}
	}
	flush()
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
