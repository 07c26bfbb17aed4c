package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/contractgate/contracts/compat"
)

// Defaults for the bounds in Options.
const (
	// DefaultMaxBytes bounds the bytes read for one document, all its files
	// together.
	DefaultMaxBytes = 64 << 20
	// DefaultMaxDepth bounds how deeply a file may nest mappings and
	// sequences.
	DefaultMaxDepth = 256
)

// Options tune a load.
type Options struct {
	// Display is put before file names in errors and locations, e.g. "new/";
	// "" for none.
	Display string
	// MaxBytes bounds each file and all files together; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxDepth bounds the nesting of mappings and sequences in each file; 0
	// means DefaultMaxDepth.
	MaxDepth int
	// KinDecode makes kin-openapi decode the whole main file rather than
	// only the parts our fast decoder leaves to it; tests compare the two.
	KinDecode bool
}

// Document is a loaded OpenAPI document.
type Document struct {
	// T is the loaded document; a Swagger 2.0 document is converted to
	// OpenAPI 3 with openapi2conv.
	T *openapi3.T
	// Name is the display name of the main file (Display + name).
	Name string
	// Files holds every file read, keyed by its path in the file system the
	// document was loaded from; the main file is included.
	Files map[string][]byte
	// Main is the main file's path in that file system.
	Main string
	// Display is the prefix put before file names.
	Display string
	// Swagger is true when the source was a Swagger 2.0 document, converted
	// to OpenAPI 3 (its positions are mapped back onto the converted tree).
	Swagger bool
	// lines holds, for converted Swagger documents, the position of each
	// "paths/<path>/<method>" and "paths/<path>" key of the main file.
	lines map[string]compat.Location
}

// Location turns a kin-openapi origin into a location with the display file
// name. It returns the main file with no line when o is nil.
func (d *Document) Location(o *openapi3.Origin) compat.Location {
	if o == nil || o.Key == nil {
		return compat.Location{File: d.Name}
	}
	return d.loc(*o.Key)
}

// FieldLocation is the location of the named field of the collection o, or of
// the collection itself when the field has none.
func (d *Document) FieldLocation(o *openapi3.Origin, field string) compat.Location {
	if o != nil {
		if l, ok := o.Fields.Lookup(field); ok {
			return d.loc(l)
		}
		if s, ok := o.Sequences[field]; ok && len(s) > 0 {
			return d.loc(s[0])
		}
	}
	return d.Location(o)
}

// OperationLocation is where path p's method m starts, for documents whose
// converted tree has no origins (Swagger 2.0); ok is false when unknown.
func (d *Document) OperationLocation(p, method string) (compat.Location, bool) {
	if d.lines == nil {
		return compat.Location{}, false
	}
	if l, ok := d.lines[p+"\x00"+strings.ToLower(method)]; ok {
		return l, true
	}
	l, ok := d.lines[p]
	return l, ok
}

func (d *Document) loc(l openapi3.Location) compat.Location {
	file := l.File
	// kin-openapi names files by URL; ours are plain paths already.
	if strings.ContainsAny(file, ":%?#") {
		if u, err := url.Parse(file); err == nil && u.Path != "" {
			file = u.Path
		}
	}
	if file == "" {
		file = d.Main
	}
	return compat.Location{File: d.Display + file, Line: l.Line, Column: l.Column}
}

// LoadFile loads a document from disk. Only the file's folder is readable,
// so references cannot leave it (not even through a symbolic link: the
// folder is opened as an os.Root); messages name files as the user spelled
// the path ("new/openapi.yaml", "new/schemas/order.yaml").
func LoadFile(ctx context.Context, p string) (*Document, error) {
	dir, base := filepath.Split(p)
	display := filepath.ToSlash(dir)
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &compat.InputError{Location: compat.Location{File: filepath.ToSlash(p)}, Msg: "cannot open the document's folder: " + err.Error(), Err: err}
	}
	defer root.Close()
	return Load(ctx, root.FS(), base, Options{Display: display})
}

// LoadPair loads two documents concurrently, since each load takes time
// proportional to its size and they share nothing.
func LoadPair(ctx context.Context, oldPath, newPath string) (old, new *Document, err error) {
	var wg sync.WaitGroup
	var oldErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		old, oldErr = LoadFile(ctx, oldPath)
	}()
	new, err = LoadFile(ctx, newPath)
	wg.Wait()
	if oldErr != nil {
		return nil, nil, oldErr
	}
	if err != nil {
		return nil, nil, err
	}
	return old, new, nil
}

// Load reads the OpenAPI 3.0/3.1 or Swagger 2.0 document name (YAML or JSON)
// from fsys, following $refs only to files of fsys.
func Load(ctx context.Context, fsys fs.FS, name string, opts Options) (doc *Document, err error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	name = path.Clean(filepath.ToSlash(name))
	l := &loader{ctx: ctx, fsys: fsys, opts: opts, main: name, files: map[string][]byte{}}
	defer func() {
		if r := recover(); r != nil {
			doc = nil
			err = &compat.InputError{
				Location: compat.Location{File: opts.Display + name},
				Msg:      fmt.Sprintf("the document could not be loaded (loader panic: %v)", r),
			}
		}
	}()
	return l.load()
}

// loader holds the state of one load.
type loader struct {
	ctx   context.Context
	fsys  fs.FS
	opts  Options
	main  string
	files map[string][]byte
	total int64
	// refErr is the first error our reader raised: kin-openapi does not
	// always wrap what ReadFromURIFunc returns, so we keep the typed one.
	refErr error
}

func (l *loader) display(name string) string { return l.opts.Display + name }

func (l *loader) load() (*Document, error) {
	data, err := l.read(l.main, "")
	if err != nil {
		return nil, err
	}
	p, err := l.parseMain(data)
	if err != nil {
		return nil, err
	}
	kind, version, err := l.kind(p)
	if err != nil {
		return nil, err
	}
	if p.tree != nil && p.generic != nil {
		if at, chain, ok := refCycle(p.tree, p.generic); ok {
			return nil, l.errorAt(at, "$ref cycle never reaches a schema: %s", chain)
		}
	}
	doc := &Document{Name: l.display(l.main), Main: l.main, Display: l.opts.Display, Files: l.files}
	loc := &url.URL{Path: l.main}
	switch kind {
	case "swagger":
		if !strings.HasPrefix(version, "2") {
			return nil, l.inputf(l.main, 0, "swagger version %q is not supported: want 2.0", version)
		}
		js, err := l.jsonOf(data, p)
		if err != nil {
			return nil, err
		}
		var d2 openapi2.T
		if err := json.Unmarshal(js, &d2); err != nil {
			return nil, l.inputf(l.main, 0, "not a valid Swagger 2.0 document: %v", err)
		}
		inheritMediaTypes(&d2)
		t, err := openapi2conv.ToV3WithLoader(&d2, l.kinLoader(), loc)
		if err != nil {
			return nil, l.wrapKin(err)
		}
		doc.T = t
		doc.Swagger = true
		doc.lines = pathLines(data, p.root, doc.Name)
		walker{file: l.main}.doc(t, p.tree, true)
	default:
		if version != "3" && !strings.HasPrefix(version, "3.") { // "3" is an unquoted 3.0 read as a number
			return nil, l.inputf(l.main, 0, "openapi version %q is not supported: want 3.0 or 3.1", version)
		}
		t := l.fastDecode(p, loc)
		if l.refErr != nil {
			return nil, l.refErr // our reader refused a file: that is the answer
		}
		if l.ctx.Err() != nil {
			return nil, fmt.Errorf("loading %s: %w", l.display(l.main), context.Cause(l.ctx))
		}
		if t == nil {
			js, err := l.jsonOf(data, p)
			if err != nil {
				return nil, err
			}
			if t, err = l.kinLoader().LoadFromDataWithPath(js, loc); err != nil {
				if ref, ok := danglingRef(p.generic, p.generic, 0); ok && l.refErr == nil {
					return nil, l.inputf(l.main, lineOf(data, ref), "$ref %q points at nothing in the document", ref)
				}
				return nil, l.wrapKin(err)
			}
		}
		doc.T = t
		walker{file: l.main}.doc(t, p.tree, false)
	}
	if l.ctx.Err() != nil {
		return nil, fmt.Errorf("loading %s: %w", l.display(l.main), context.Cause(l.ctx))
	}
	if doc.T.Paths == nil {
		doc.T.Paths = openapi3.NewPaths()
	}
	if err := doc.pathParams(); err != nil {
		return nil, err
	}
	return doc, nil
}

// inheritMediaTypes gives every Swagger 2.0 operation without produces or
// consumes of its own the document's global ones, as the specification
// says; openapi2conv applies the global consumes but not the global
// produces, so a change of the global produces would go unseen.
func inheritMediaTypes(d *openapi2.T) {
	for _, item := range d.Paths {
		if item == nil {
			continue
		}
		for _, op := range item.Operations() {
			if op == nil {
				continue
			}
			if len(op.Produces) == 0 {
				op.Produces = d.Produces
			}
			if len(op.Consumes) == 0 {
				op.Consumes = d.Consumes
			}
		}
	}
}

// parsed is the main file after its syntax check.
type parsed struct {
	root    *yaml.Node // the node tree, for YAML files
	generic any        // the decoded value; nil when only kin-openapi can read it
	tree    *pnode     // positions; nil when only kin-openapi can read it
}

// parseMain checks the main file's syntax and nesting, and decodes it once
// into a generic value and a position tree.
func (l *loader) parseMain(data []byte) (*parsed, error) {
	if isJSON(data) {
		if line, ok := jsonDepthOK(data, l.opts.MaxDepth); !ok {
			return nil, l.inputf(l.main, line, "nesting is deeper than the limit of %d levels", l.opts.MaxDepth)
		}
		if !json.Valid(data) {
			var v any
			return nil, l.jsonErr(l.main, data, json.Unmarshal(data, &v))
		}
		tree, g := buildJSONTree(data)
		if m, ok := g.(map[string]any); ok {
			for _, k := range []string{"openapi", "swagger"} {
				if f, ok := m[k].(float64); ok {
					m[k] = strconv.FormatFloat(f, 'f', -1, 64)
				}
			}
		}
		return &parsed{generic: g, tree: tree}, nil
	}
	if err := l.ctx.Err(); err != nil {
		return nil, context.Cause(l.ctx)
	}
	// Most documents are in the subset the fast scanner reads; the others,
	// and every malformed one, go through yaml.v3.
	cancelled := func() bool { return l.ctx.Err() != nil }
	if tree, g, ok := scanYAML(data, l.opts.MaxDepth, cancelled); ok {
		return &parsed{generic: g, tree: tree}, nil
	}
	if cancelled() {
		return nil, fmt.Errorf("loading %s: %w", l.display(l.main), context.Cause(l.ctx))
	}
	root, err := l.checkSyntax(l.main, data)
	if err != nil {
		return nil, err
	}
	versionAsString(root)
	// One walk of the nodes gives both the generic value and the positions.
	budget := 2*len(data) + 1024
	var s slab
	tree, g, err := yamlBoth(root, pos{}, &s, 0, &budget)
	switch {
	case errors.Is(err, errNeedsYAMLPath):
		return &parsed{root: root}, nil
	case err != nil:
		return nil, l.inputf(l.main, 0, "%v", err)
	}
	return &parsed{root: root, generic: g, tree: tree}, nil
}

// versionAsString makes an unquoted version (openapi: 3.0, swagger: 2.0),
// which YAML reads as a number, the string the document means.
func versionAsString(root *yaml.Node) {
	m := root
	if m != nil && m.Kind == yaml.DocumentNode && len(m.Content) > 0 {
		m = m.Content[0]
	}
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k, v := m.Content[i].Value, m.Content[i+1]; (k == "openapi" || k == "swagger") && v.Kind == yaml.ScalarNode {
			v.Tag = "!!str"
		}
	}
}

// kind finds which kind of document the main file is from its openapi or
// swagger key.
func (l *loader) kind(p *parsed) (kind, version string, err error) {
	head := map[string]any{}
	if p.generic != nil {
		m, ok := p.generic.(map[string]any)
		if !ok {
			return "", "", l.inputf(l.main, 0, "not an OpenAPI document: the top level is not a mapping")
		}
		head = m
	} else {
		m := p.root
		if m != nil && m.Kind == yaml.DocumentNode && len(m.Content) > 0 {
			m = m.Content[0]
		}
		if m == nil || m.Kind != yaml.MappingNode {
			return "", "", l.inputf(l.main, 0, "not an OpenAPI document: the top level is not a mapping")
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i].Value; k == "openapi" || k == "swagger" {
				head[k] = m.Content[i+1].Value
			}
		}
	}
	switch {
	case head["openapi"] != nil:
		return "openapi", fmt.Sprint(head["openapi"]), nil
	case head["swagger"] != nil:
		return "swagger", fmt.Sprint(head["swagger"]), nil
	}
	return "", "", l.inputf(l.main, 0, "not an OpenAPI document: it has neither an openapi nor a swagger version key")
}

// jsonOf is the main file as JSON for kin-openapi's decoders: JSON as it
// is, YAML converted (or, with merge keys, as it is: kin-openapi reads YAML
// itself, origins and all).
func (l *loader) jsonOf(data []byte, p *parsed) ([]byte, error) {
	if p.root == nil && p.tree != nil && !isJSON(data) {
		// Read by the fast scanner: convert through yaml.v3's nodes.
		root, err := l.checkSyntax(l.main, data)
		if err != nil {
			return nil, err
		}
		versionAsString(root)
		p.root = root
	}
	if p.root == nil || p.tree == nil {
		return data, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(data))
	budget := 2*len(data) + 1024
	if err := yamlToJSON(&buf, p.root, &budget); err != nil {
		if errors.Is(err, errNeedsYAMLPath) {
			return data, nil
		}
		return nil, l.inputf(l.main, 0, "%v", err)
	}
	return buf.Bytes(), nil
}

func (l *loader) jsonErr(p string, data []byte, err error) error {
	line := 0
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
	}
	return l.inputf(p, line, "malformed JSON: %v", err)
}

// kinLoader is a fresh kin-openapi loader that reads only through readURI
// and keeps origins of the files it decodes itself.
func (l *loader) kinLoader() *openapi3.Loader {
	kl := openapi3.NewLoader()
	kl.Context = l.ctx
	kl.IsExternalRefsAllowed = true
	kl.IncludeOrigin = true
	kl.ReadFromURIFunc = l.readURI
	return kl
}

// fastDecode decodes the main file with decodeT and resolves its refs with
// a kin-openapi loader. It returns nil whenever kin-openapi should do the
// whole load instead: a shape decodeT leaves to it, or any error (the slow
// path then reports it in kin-openapi's words).
func (l *loader) fastDecode(p *parsed, loc *url.URL) *openapi3.T {
	if p.tree == nil || p.generic == nil || l.opts.KinDecode {
		return nil
	}
	t, err := decodeT(l.ctx, p.generic)
	if err != nil {
		return nil
	}
	kl := l.kinLoader()
	// Loading a stub at the main file's location sets the loader's root the
	// way a full load does; a ref back into the main file from another file
	// then finds the stub, fails, and the slow path takes over.
	stub := []byte(`{"openapi":"3.0.0","info":{"title":"","version":""},"paths":{}}`)
	if _, err := kl.LoadFromDataWithPath(stub, loc); err != nil {
		return nil
	}
	if err := kl.ResolveRefsIn(t, loc); err != nil && l.refErr == nil {
		return nil
	}
	return t
}

// wrapKin turns a kin-openapi error into an input error naming the file.
func (l *loader) wrapKin(err error) error {
	if l.refErr != nil {
		return l.refErr
	}
	if ctxErr := l.ctx.Err(); ctxErr != nil {
		return fmt.Errorf("loading %s: %w", l.display(l.main), ctxErr)
	}
	var ie *compat.InputError
	if errors.As(err, &ie) {
		return err
	}
	return &compat.InputError{
		Location: compat.Location{File: l.display(l.main)},
		Msg:      "invalid OpenAPI document: " + err.Error(),
		Err:      err,
	}
}

func (l *loader) inputf(file string, line int, format string, args ...any) *compat.InputError {
	return compat.Inputf(compat.Location{File: l.display(file), Line: line}, format, args...)
}

// readURI is the loader's only way to read a file: it refuses remote
// references and paths leaving fsys, and bounds what it reads.
func (l *loader) readURI(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	data, err := l.readRef(u)
	if err != nil && l.refErr == nil {
		l.refErr = err
	}
	return data, err
}

func (l *loader) readRef(u *url.URL) ([]byte, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return nil, l.inputf(l.main, 0, "remote reference %q refused: references may only name files beside the document", u.String())
	}
	p := u.Path
	if strings.HasPrefix(p, "/") || !fs.ValidPath(p) {
		return nil, l.inputf(l.main, 0, "reference to %q refused: it leaves the document's folder", p)
	}
	if data, ok := l.files[p]; ok {
		return l.forYAML(data), nil
	}
	data, err := l.read(p, l.main)
	if err != nil {
		return nil, err
	}
	if _, err := l.checkSyntax(p, data); err != nil {
		return nil, err
	}
	return l.forYAML(data), nil
}

func (l *loader) forYAML(data []byte) []byte { return yamlPath(data) }

// read reads one file of fsys within the size bounds.
func (l *loader) read(p, from string) ([]byte, error) {
	if st, err := fs.Stat(l.fsys, p); err == nil && st.Size() > l.opts.MaxBytes {
		return nil, l.inputf(p, 0, "file is %d bytes, more than the limit of %d", st.Size(), l.opts.MaxBytes)
	}
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist) && from != "":
			return nil, &compat.InputError{Location: compat.Location{File: l.display(from)}, Msg: fmt.Sprintf("referenced file %s does not exist", l.display(p)), Err: err}
		case errors.Is(err, fs.ErrNotExist):
			return nil, &compat.InputError{Location: compat.Location{File: l.display(p)}, Msg: "file does not exist", Err: err}
		}
		return nil, &compat.InputError{Location: compat.Location{File: l.display(p)}, Msg: "cannot read file: " + err.Error(), Err: err}
	}
	if int64(len(data)) > l.opts.MaxBytes {
		return nil, l.inputf(p, 0, "file is %d bytes, more than the limit of %d", len(data), l.opts.MaxBytes)
	}
	l.total += int64(len(data))
	if l.total > l.opts.MaxBytes {
		return nil, l.inputf(p, 0, "the document's files together exceed the limit of %d bytes", l.opts.MaxBytes)
	}
	l.files[p] = data
	return data, nil
}

// checkSyntax bounds nesting and reports malformed YAML or JSON with a line.
// For YAML it returns the parsed node tree.
func (l *loader) checkSyntax(p string, data []byte) (*yaml.Node, error) {
	if isJSON(data) {
		if line, ok := jsonDepthOK(data, l.opts.MaxDepth); !ok {
			return nil, l.inputf(p, line, "nesting is deeper than the limit of %d levels", l.opts.MaxDepth)
		}
		if !json.Valid(data) {
			var v any
			return nil, l.jsonErr(p, data, json.Unmarshal(data, &v))
		}
		return nil, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, l.yamlErr(p, err)
	}
	if line, ok := nodeDepthOK(&n, l.opts.MaxDepth, 0); !ok {
		return nil, l.inputf(p, line, "nesting is deeper than the limit of %d levels", l.opts.MaxDepth)
	}
	return &n, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) yamlErr(p string, err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &compat.InputError{Location: compat.Location{File: l.display(p), Line: line}, Msg: "malformed YAML: " + msg, Err: err}
}

// isJSON reports whether data looks like a JSON object or array.
func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// yamlPath makes JSON go through kin-openapi's YAML decoder, the only one
// that records origins: a trailing YAML comment is invalid JSON but leaves
// the YAML, and every line number, as they were.
func yamlPath(data []byte) []byte {
	if !isJSON(data) {
		return data
	}
	out := make([]byte, 0, len(data)+4)
	out = append(out, data...)
	return append(out, "\n#\n"...)
}
