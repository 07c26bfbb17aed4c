package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// WorkingCopy is a service folder read from disk: its manifest, the version
// it would publish, and the blobs of every document.
type WorkingCopy struct {
	Dir      string
	Manifest *Manifest
	Version  *Version
	Blobs    map[string][]byte
	// Root is the publish root on disk: Dir, or the ancestor the
	// manifest's `root:` names. The version's stored paths are relative to
	// it (Version.ManifestDir is Dir relative to it).
	Root string
	// RootDisplay is the root as the user would write it, ending in "/"
	// (or empty for the current folder): the prefix to show stored paths
	// under.
	RootDisplay string
}

// LoadWorkingCopy reads DIR/contracts.yaml and every document it names,
// validating each with the checkers' loaders. Every error names the file
// (and line) as the user would find it, relative to the current folder.
//
// Documents are read through the publish root opened as an os.Root, so no
// path and no symbolic link (a linked document, $ref target or proto
// folder, relative or absolute) reaches a file outside it: such a link is
// refused, as `contracts diff` refuses one out of a document's folder.
func LoadWorkingCopy(ctx context.Context, dir string) (*WorkingCopy, error) {
	manifestPath := filepath.Join(dir, ManifestName)
	display := filepath.ToSlash(manifestPath)
	data, err := readManifest(dir, display)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(data, display)
	if err != nil {
		return nil, err
	}
	wc := &WorkingCopy{Dir: dir, Manifest: m, Blobs: map[string][]byte{}}
	manifestDir, err := wc.findRoot()
	if err != nil {
		return nil, err
	}
	osRoot, err := os.OpenRoot(wc.Root)
	if err != nil {
		return nil, &compat.InputError{Location: compat.Location{File: display, Line: m.RootLine}, Msg: "cannot open the publish root " + orDot(wc.RootDisplay), Err: err}
	}
	defer osRoot.Close()
	ld := &docLoader{ctx: ctx, root: osRoot, fsys: osRoot.FS(), rootDir: wc.Root, manifestDir: manifestDir, shownDir: filepath.ToSlash(filepath.Clean(dir))}
	v := &Version{Service: m.Service, Manifest: data, ManifestDir: manifestDir}
	for _, p := range m.Provides {
		pr := Provision{Contract: p.Contract, Kind: p.Kind, Path: RootPath(manifestDir, p.Path), Messages: p.Messages, Level: p.Level, Retention: p.Retention}
		loc := compat.Location{File: display, Line: p.Line}
		switch p.Kind {
		case OpenAPI:
			doc, err := ld.openAPI(p.Path, loc)
			if err != nil {
				return nil, err
			}
			pr.Doc = storeDoc(OpenAPI, doc.Main, doc.Files, wc.Blobs)
		case Proto:
			set, err := ld.proto(p.Path, loc)
			if err != nil {
				return nil, err
			}
			for _, msg := range p.Messages {
				if !set.HasMessage(msg) {
					return nil, compat.Inputf(loc, "contract %s lists message %s, which no file under %s defines", p.Contract, msg, ld.shown(p.Path))
				}
			}
			pr.Doc = storeDoc(Proto, "", set.Sources, wc.Blobs)
		}
		v.Provides = append(v.Provides, pr)
	}
	for _, c := range m.Consumes {
		cons := Consumption{Contract: c.Contract, Uses: c.Uses, Messages: c.Messages, Tolerates: c.Tolerates}
		if c.Expectations != "" {
			cons.ExpectationsPath = RootPath(manifestDir, c.Expectations)
			doc, err := ld.openAPI(c.Expectations, compat.Location{File: display, Line: c.Line})
			if err != nil {
				return nil, err
			}
			d := storeDoc(OpenAPI, doc.Main, doc.Files, wc.Blobs)
			cons.Expectations = &d
		}
		v.Consumes = append(v.Consumes, cons)
	}
	v.ComputeDigest()
	wc.Version = v
	return wc, nil
}

// readManifest reads DIR/contracts.yaml, which must be a regular file: a
// linked manifest would be read from wherever the link points.
func readManifest(dir, display string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, compat.Inputf(compat.Location{File: display}, "no manifest here: every service folder needs a %s naming the service and what it provides and consumes", ManifestName)
		}
		return nil, &compat.InputError{Location: compat.Location{File: display}, Msg: "cannot read the manifest", Err: err}
	}
	defer root.Close()
	if st, err := root.Lstat(ManifestName); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil, compat.Inputf(compat.Location{File: display}, "is a symbolic link; the manifest must be a file of the service's folder")
	}
	data, err := fs.ReadFile(root.FS(), ManifestName)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, compat.Inputf(compat.Location{File: display}, "no manifest here: every service folder needs a %s naming the service and what it provides and consumes", ManifestName)
		}
		return nil, &compat.InputError{Location: compat.Location{File: display}, Msg: "cannot read the manifest", Err: err}
	}
	return data, nil
}

// findRoot sets wc.Root and wc.RootDisplay from the manifest's `root:` and
// returns the manifest's folder relative to the root. A widened root must
// be inside the nearest folder at or above the manifest that holds .git.
func (wc *WorkingCopy) findRoot() (manifestDir string, err error) {
	m := wc.Manifest
	shown := filepath.ToSlash(filepath.Clean(wc.Dir))
	if m.Root == "" {
		wc.Root, wc.RootDisplay = wc.Dir, displayPrefix(wc.Dir)
		return "", nil
	}
	loc := compat.Location{File: m.File, Line: m.RootLine}
	abs, err := filepath.Abs(wc.Dir)
	if err != nil {
		return "", &compat.InputError{Location: loc, Msg: "cannot find the service's folder", Err: err}
	}
	repo := abs
	for {
		if _, err := os.Lstat(filepath.Join(repo, ".git")); err == nil {
			break
		}
		parent := filepath.Dir(repo)
		if parent == repo {
			return "", compat.Inputf(loc, "root %q needs the manifest to be in a git repository (no folder at or above %s holds .git); outside one, paths stay in the service's folder", m.Root, shown)
		}
		repo = parent
	}
	root := filepath.Join(abs, filepath.FromSlash(m.Root))
	if rel, err := filepath.Rel(repo, root); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", compat.Inputf(loc, "root %q leaves the repository at %s (the nearest folder with .git above the manifest); the publish root stays inside it", m.Root, repo)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return "", &compat.InputError{Location: loc, Msg: "cannot place the manifest under its root", Err: err}
	}
	wc.Root = root
	wc.RootDisplay = displayPrefix(filepath.Join(wc.Dir, filepath.FromSlash(m.Root)))
	return filepath.ToSlash(rel), nil
}

func displayPrefix(dir string) string {
	d := filepath.ToSlash(filepath.Clean(dir))
	if d == "." {
		return ""
	}
	return d + "/"
}

func storeDoc(kind Kind, main string, files map[string][]byte, blobs map[string][]byte) Doc {
	d, b := NewDoc(kind, main, files)
	for h, c := range b {
		blobs[h] = c
	}
	return d
}

// docLoader loads a working copy's documents through its publish root.
type docLoader struct {
	ctx  context.Context
	root *os.Root
	fsys fs.FS
	// rootDir is the root on disk; manifestDir the manifest's folder
	// relative to it; shownDir the manifest's folder as the user named it.
	rootDir, manifestDir, shownDir string
}

// shown is a manifest-relative path as the user would find it.
func (l *docLoader) shown(rel string) string { return path.Join(l.shownDir, rel) }

// checkLinks refuses a manifest path any folder or file of which is a
// symbolic link leaving the publish root (or absolute, which os.Root does
// not follow either), saying which link it is.
func (l *docLoader) checkLinks(rel string, from compat.Location) error {
	inRoot := RootPath(l.manifestDir, rel)
	if inRoot == "." {
		return nil
	}
	parts := strings.Split(inRoot, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		st, err := l.root.Lstat(p)
		if err != nil {
			return nil // missing: the loader says so
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		target, _ := os.Readlink(filepath.Join(l.rootDir, filepath.FromSlash(p)))
		if _, err := l.root.Stat(p); err != nil || filepath.IsAbs(target) {
			return compat.Inputf(from, "%s is a symbolic link to %s, which leaves %s (or is absolute); publish and validate follow no link out of it", l.inRootShown(p), target, l.rootShown())
		}
	}
	return nil
}

// inRootShown is a root-relative path as the user would find it.
func (l *docLoader) inRootShown(p string) string {
	return path.Join(l.shownDir, strings.Repeat("../", pathDepth(l.manifestDir)), p)
}

// rootShown names the publish root for messages.
func (l *docLoader) rootShown() string {
	if l.manifestDir == "" {
		return "the service's folder"
	}
	return "the publish root " + l.inRootShown(".")
}

// openAPI loads the document at rel (relative to the manifest); references
// may reach only the document's own folder.
func (l *docLoader) openAPI(rel string, from compat.Location) (*oaschema.Document, error) {
	if err := l.checkLinks(rel, from); err != nil {
		return nil, err
	}
	inRoot := RootPath(l.manifestDir, rel)
	dir, name := path.Split(inRoot)
	shownDir := path.Dir(l.shown(rel))
	prefix := shownDir + "/"
	if shownDir == "." {
		prefix = ""
	}
	fsys := l.fsys
	if dir != "" {
		st, err := fs.Stat(l.fsys, strings.TrimSuffix(dir, "/"))
		if err != nil || !st.IsDir() {
			return nil, compat.Inputf(from, "the document %s does not exist", l.shown(rel))
		}
		fsys, _ = fs.Sub(l.fsys, strings.TrimSuffix(dir, "/"))
	}
	if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
		return nil, compat.Inputf(from, "the document %s does not exist (paths are relative to %s)", l.shown(rel), ManifestName)
	}
	return oaschema.Load(l.ctx, fsys, name, oaschema.Options{Display: prefix})
}

// proto compiles the import root at rel (relative to the manifest).
func (l *docLoader) proto(rel string, from compat.Location) (*protoschema.Set, error) {
	if err := l.checkLinks(rel, from); err != nil {
		return nil, err
	}
	inRoot := RootPath(l.manifestDir, rel)
	st, err := fs.Stat(l.fsys, inRoot)
	if err != nil || !st.IsDir() {
		return nil, compat.Inputf(from, "the proto import root %s is not a folder", l.shown(rel))
	}
	fsys, _ := fs.Sub(l.fsys, inRoot)
	prefix := l.shown(rel) + "/"
	if prefix == "./" {
		prefix = ""
	}
	return protoschema.Compile(l.ctx, fsys, protoschema.Options{Display: prefix})
}

// docFS builds an in-memory file system from a stored document's files.
func docFS(d Doc, blobs map[string][]byte) (fs.FS, error) {
	m := fstest.MapFS{}
	for _, f := range d.Files {
		content, ok := blobs[f.Hash]
		if !ok {
			return nil, Errorf(EINTERNAL, "the registry lacks the content of %s (%s)", f.Path, f.Hash)
		}
		m[f.Path] = &fstest.MapFile{Data: content, Mode: 0o644, ModTime: time.Time{}}
	}
	return m, nil
}

// LoadOpenAPIDoc parses a stored OpenAPI document. display prefixes file
// names in positions (for example the manifest-relative folder).
func LoadOpenAPIDoc(ctx context.Context, d Doc, blobs map[string][]byte, display string) (*oaschema.Document, error) {
	fsys, err := docFS(d, blobs)
	if err != nil {
		return nil, err
	}
	doc, err := oaschema.Load(ctx, fsys, d.Main, oaschema.Options{Display: display})
	if err != nil {
		return nil, fmt.Errorf("stored document %s: %w", display+d.Main, err)
	}
	return doc, nil
}

// LoadProtoDoc compiles a stored protobuf import root.
func LoadProtoDoc(ctx context.Context, d Doc, blobs map[string][]byte, display string) (*protoschema.Set, error) {
	fsys, err := docFS(d, blobs)
	if err != nil {
		return nil, err
	}
	set, err := protoschema.Compile(ctx, fsys, protoschema.Options{Display: display})
	if err != nil {
		return nil, fmt.Errorf("stored protobuf files %s: %w", display, err)
	}
	return set, nil
}

// DocDisplay is the folder prefix under which findings about a provision's
// or expectation's files are shown: the manifest-relative folder of the
// document (OpenAPI) or the import root (proto).
func DocDisplay(kind Kind, manifestPath string) string {
	if kind == Proto {
		return strings.TrimSuffix(manifestPath, "/") + "/"
	}
	dir := path.Dir(manifestPath)
	if dir == "." {
		return ""
	}
	return dir + "/"
}
