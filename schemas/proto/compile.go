package proto

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/contractgate/contracts/compat"
)

// DefaultMaxBytes bounds the total size of the .proto files of one folder
// when Options.MaxBytes is zero. The whole googleapis tree (about 8,000
// files, 70 MB) fits.
const DefaultMaxBytes int64 = 128 << 20

// maxFiles bounds how many .proto files one folder may hold.
const maxFiles = 20000

// maxDepth bounds how deeply braces, brackets and parentheses may nest in
// one file. The compiler walks declarations recursively, and a hostile file
// nested millions deep would exhaust the stack, which no recover catches.
const maxDepth = 128

// maxErrors bounds how many compile errors are kept for one message.
const maxErrors = 20

// Options tune Compile.
type Options struct {
	// Display prefixes file names in errors and locations, e.g. "new/".
	Display string
	// MaxBytes bounds the total size of the .proto files read; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
}

// Set is a compiled folder of .proto files.
type Set struct {
	// Files are the compiled files of the folder, sorted by path. Standard
	// imports they use are reachable through their imports but not listed.
	Files linker.Files
	// Sources holds every .proto file read from the folder, keyed by its
	// slash-separated path relative to the folder; the registry stores
	// exactly these.
	Sources map[string][]byte
	// Display is the prefix of file names in locations, as Options.Display.
	Display string

	messages map[protoreflect.FullName]protoreflect.MessageDescriptor
	methods  map[protoreflect.FullName]protoreflect.MethodDescriptor

	// pos caches the positions of the files findings were made in
	// (positions.go); the gate checks one set from several goroutines.
	posMu sync.Mutex
	pos   map[string]*filePositions
}

// CompileDir compiles a folder from disk; messages name files as
// "<dir>/<path>", the way the user spelled dir.
func CompileDir(ctx context.Context, dir string) (*Set, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, &compat.InputError{Location: compat.Location{File: dir}, Msg: "cannot read the proto folder", Err: err}
	}
	if !st.IsDir() {
		return nil, compat.Inputf(compat.Location{File: dir}, "is not a folder of .proto files")
	}
	display := strings.TrimSuffix(filepath.ToSlash(dir), "/") + "/"
	return Compile(ctx, os.DirFS(dir), Options{Display: display})
}

// Compile compiles every .proto file of fsys (the import root).
func Compile(ctx context.Context, fsys fs.FS, opts Options) (set *Set, err error) {
	defer func() {
		if r := recover(); r != nil {
			set = nil
			err = fmt.Errorf("compiling protobuf files: internal failure: %v\n%s", r, debug.Stack())
		}
	}()
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	srcs, err := readSources(ctx, fsys, opts)
	if err != nil {
		return nil, err
	}
	// The reporter is called from the compiler's goroutines.
	var (
		mu   sync.Mutex
		errs []reporter.ErrorWithPos
	)
	rep := reporter.NewReporter(func(e reporter.ErrorWithPos) error {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, e)
		if len(errs) >= maxErrors {
			return e
		}
		return nil
	}, nil)
	// done holds every file compiled so far, by path: later batches get
	// them as linked descriptors instead of compiling them again.
	done := map[string]linker.File{}
	c := protocompile.Compiler{
		Resolver: protocompile.ResolverFunc(func(name string) (protocompile.SearchResult, error) {
			if f, ok := done[name]; ok {
				return protocompile.SearchResult{Desc: f}, nil
			}
			return protocompile.WithStandardImports(withGoogleAPIs(folderResolver(srcs))).FindFileByPath(name)
		}),
		// Positions are worked out again from the sources when a finding
		// needs one (positions.go): source info for every file of a large
		// tree would be most of the memory a compiled set takes.
		SourceInfoMode: protocompile.SourceInfoNone,
		Reporter:       rep,
	}
	order := compileOrder(srcs)
	for start := 0; start < len(order); start += batchSize {
		var batch []string
		for _, name := range order[start:min(start+batchSize, len(order))] {
			if done[name] == nil {
				batch = append(batch, name)
			}
		}
		if len(batch) == 0 {
			continue
		}
		files, err := c.Compile(ctx, batch...)
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			// Files compile in parallel: report the first error by
			// position, not by arrival, so the message is the same on
			// every run.
			sort.SliceStable(errs, func(i, j int) bool {
				a, b := errs[i].GetPosition(), errs[j].GetPosition()
				if a.Filename != b.Filename {
					return a.Filename < b.Filename
				}
				if a.Line != b.Line {
					return a.Line < b.Line
				}
				return a.Col < b.Col
			})
			return nil, inputError(opts.Display, err, errs)
		}
		// Dependencies compiled along with the batch (a folder file
		// imported before its turn, an embedded Google API) are kept too.
		var keep func(f protoreflect.FileDescriptor)
		keep = func(f protoreflect.FileDescriptor) {
			if done[f.Path()] != nil {
				return
			}
			lf, ok := f.(linker.File)
			if !ok {
				return
			}
			done[f.Path()] = lf
			imps := f.Imports()
			for i := 0; i < imps.Len(); i++ {
				keep(imps.Get(i).FileDescriptor)
			}
		}
		for _, f := range files {
			keep(f)
		}
	}
	s := &Set{Sources: srcs, Display: opts.Display}
	for name := range srcs {
		if f := done[name]; f != nil {
			s.Files = append(s.Files, f)
		}
	}
	sort.Slice(s.Files, func(i, j int) bool { return s.Files[i].Path() < s.Files[j].Path() })
	s.index()
	return s, nil
}

// batchSize is how many files one compiler run takes. Each run parses its
// files at once and keeps their syntax trees until they are linked, so
// compiling a large tree in runs of a few hundred files, dependencies first,
// bounds the memory the trees take.
const batchSize = 256

// compileOrder is importOrder; tests swap it to check that any order
// compiles the same set.
var compileOrder = importOrder

// importOrder lists the files of the folder so that each comes after the
// files it imports (as far as importsOf sees them), ties broken by path.
// The order only saves work: a file imported before its turn is compiled
// with its importer and skipped later.
func importOrder(srcs map[string][]byte) []string {
	names := make([]string, 0, len(srcs))
	for name := range srcs {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := make(map[string]bool, len(srcs))
	out := make([]string, 0, len(srcs))
	// An explicit stack: import chains in untrusted input may be long.
	type frame struct {
		name string
		deps []string
	}
	for _, root := range names {
		if seen[root] {
			continue
		}
		seen[root] = true
		stack := []frame{{root, importsOf(srcs[root])}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if len(top.deps) == 0 {
				out = append(out, top.name)
				stack = stack[:len(stack)-1]
				continue
			}
			dep := top.deps[0]
			top.deps = top.deps[1:]
			if _, ok := srcs[dep]; ok && !seen[dep] {
				seen[dep] = true
				stack = append(stack, frame{dep, importsOf(srcs[dep])})
			}
		}
	}
	return out
}

// readSources reads every .proto file of fsys, within the size bounds.
func readSources(ctx context.Context, fsys fs.FS, opts Options) (map[string][]byte, error) {
	srcs := map[string][]byte{}
	var total int64
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &compat.InputError{Location: compat.Location{File: opts.Display + p}, Msg: "cannot read", Err: err}
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() || !strings.HasSuffix(p, ".proto") {
			return nil
		}
		if !d.Type().IsRegular() {
			// A symlink could point outside the folder: refuse rather than follow.
			return compat.Inputf(compat.Location{File: opts.Display + p}, "is not a regular file (symbolic links are not followed)")
		}
		if len(srcs) >= maxFiles {
			return compat.Inputf(compat.Location{File: opts.Display}, "holds more than %d .proto files", maxFiles)
		}
		f, err := fsys.Open(p)
		if err != nil {
			return &compat.InputError{Location: compat.Location{File: opts.Display + p}, Msg: "cannot read", Err: err}
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, opts.MaxBytes-total+1))
		if err != nil {
			return &compat.InputError{Location: compat.Location{File: opts.Display + p}, Msg: "cannot read", Err: err}
		}
		total += int64(len(b))
		if total > opts.MaxBytes {
			return compat.Inputf(compat.Location{File: opts.Display + p}, "the .proto files exceed the limit of %d bytes", opts.MaxBytes)
		}
		if line, ok := nestingOK(b); !ok {
			return compat.Inputf(compat.Location{File: opts.Display + p, Line: line}, "nests declarations or option values deeper than %d levels", maxDepth)
		}
		srcs[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		where := opts.Display
		if where == "" {
			where = "."
		}
		return nil, compat.Inputf(compat.Location{File: where}, "holds no .proto files")
	}
	return srcs, nil
}

// errEscapes marks an import that leaves the import root.
var errEscapes = errors.New("leaves the proto folder (imports are relative to the folder and may not climb out of it)")

// folderResolver serves the sources read from the folder and nothing else.
// protocompile's SourceResolver joins paths and opens them, which would
// let "../x.proto" read outside the folder; this one only looks names up.
func folderResolver(srcs map[string][]byte) protocompile.Resolver {
	return protocompile.ResolverFunc(func(name string) (protocompile.SearchResult, error) {
		// The folder's own files are served under the names the walk gave
		// them; anything else must be a clean path inside the folder.
		b, ok := srcs[name]
		if !ok && !cleanImport(name) {
			return protocompile.SearchResult{}, fmt.Errorf("import %q %w", name, errEscapes)
		}
		if !ok {
			return protocompile.SearchResult{}, fmt.Errorf("import %q is neither in the proto folder nor a standard import (google/protobuf, google/api, google/rpc, google/type, google/longrunning): %w", name, fs.ErrNotExist)
		}
		return protocompile.SearchResult{Source: bytes.NewReader(b)}, nil
	})
}

// googleAPIs holds the common Google API protos (see googleapis/README.md).
//
//go:embed googleapis/google
var googleAPIs embed.FS

// withGoogleAPIs serves the common Google API protos to imports r does not
// find: a folder's own copy wins.
func withGoogleAPIs(r protocompile.Resolver) protocompile.Resolver {
	return protocompile.ResolverFunc(func(name string) (protocompile.SearchResult, error) {
		res, err := r.FindFileByPath(name)
		if err != nil && errors.Is(err, fs.ErrNotExist) {
			if b, rerr := googleAPIs.ReadFile("googleapis/" + name); rerr == nil {
				return protocompile.SearchResult{Source: bytes.NewReader(b)}, nil
			}
		}
		return res, err
	})
}

// cleanImport reports whether name is a clean, relative, slash-separated
// path that stays inside the folder.
func cleanImport(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") {
		return false
	}
	if len(name) >= 2 && name[1] == ':' { // C:foo
		return false
	}
	return fs.ValidPath(name) && path.Clean(name) == name
}

// inputError turns what protocompile reported into a *compat.InputError at
// the first error's position.
func inputError(display string, err error, errs []reporter.ErrorWithPos) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var first reporter.ErrorWithPos
	if len(errs) > 0 {
		first = errs[0]
	} else if !errors.As(err, &first) {
		// Errors without a position: a root file that cannot be resolved,
		// or a compiler panic.
		var pe protocompile.PanicError
		if errors.As(err, &pe) {
			return fmt.Errorf("compiling %s%s: internal failure: %v", display, pe.File, pe.Value)
		}
		return &compat.InputError{Location: compat.Location{File: display}, Msg: err.Error(), Err: err}
	}
	pos := first.GetPosition()
	msg := first.Unwrap().Error()
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", len(errs)-1)
	}
	return &compat.InputError{
		Location: compat.Location{File: display + pos.Filename, Line: pos.Line, Column: pos.Col},
		Msg:      msg,
		Err:      err,
	}
}

// nestingOK scans src for '{', '[', '(' and '<' nested deeper than maxDepth,
// outside comments and string literals. It returns the line where the limit
// was passed.
func nestingOK(src []byte) (int, bool) {
	depth, line := 0, 1
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\n':
			line++
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				line++
			} else if i+1 < len(src) && src[i+1] == '*' {
				for i += 2; i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/'); i++ {
					if src[i] == '\n' {
						line++
					}
				}
				i++
			}
		case '"', '\'':
			for i++; i < len(src) && src[i] != c && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '{', '[', '(', '<':
			depth++
			if depth > maxDepth {
				return line, false
			}
		case '}', ']', ')', '>':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, true
}
