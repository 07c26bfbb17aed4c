package registry

import (
	"context"
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
}

// LoadWorkingCopy reads DIR/contracts.yaml and every document it names,
// validating each with the checkers' loaders. Every error names the file
// (and line) as the user would find it, relative to the current folder.
func LoadWorkingCopy(ctx context.Context, dir string) (*WorkingCopy, error) {
	manifestPath := filepath.Join(dir, ManifestName)
	display := filepath.ToSlash(manifestPath)
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, compat.Inputf(compat.Location{File: display}, "no manifest here: every service folder needs a %s naming the service and what it provides and consumes", ManifestName)
		}
		return nil, &compat.InputError{Location: compat.Location{File: display}, Msg: "cannot read the manifest", Err: err}
	}
	m, err := ParseManifest(data, display)
	if err != nil {
		return nil, err
	}
	wc := &WorkingCopy{Dir: dir, Manifest: m, Blobs: map[string][]byte{}}
	v := &Version{Service: m.Service, Manifest: data}
	root := os.DirFS(dir)
	prefix := displayPrefix(dir)
	for _, p := range m.Provides {
		pr := Provision{Contract: p.Contract, Kind: p.Kind, Path: p.Path, Messages: p.Messages, Level: p.Level}
		loc := compat.Location{File: display, Line: p.Line}
		switch p.Kind {
		case OpenAPI:
			doc, err := loadOpenAPIFile(ctx, root, prefix, p.Path, loc)
			if err != nil {
				return nil, err
			}
			pr.Doc = storeDoc(OpenAPI, doc.Main, doc.Files, wc.Blobs)
		case Proto:
			set, err := loadProtoDir(ctx, root, prefix, p.Path, loc)
			if err != nil {
				return nil, err
			}
			for _, msg := range p.Messages {
				if !set.HasMessage(msg) {
					return nil, compat.Inputf(loc, "contract %s lists message %s, which no file under %s defines", p.Contract, msg, prefix+p.Path)
				}
			}
			pr.Doc = storeDoc(Proto, "", set.Sources, wc.Blobs)
		}
		v.Provides = append(v.Provides, pr)
	}
	for _, c := range m.Consumes {
		cons := Consumption{Contract: c.Contract, Uses: c.Uses, Messages: c.Messages, ExpectationsPath: c.Expectations, Tolerates: c.Tolerates}
		if c.Expectations != "" {
			doc, err := loadOpenAPIFile(ctx, root, prefix, c.Expectations, compat.Location{File: display, Line: c.Line})
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

// loadOpenAPIFile loads the document at rel (relative to the service root);
// references may reach only the document's own folder.
func loadOpenAPIFile(ctx context.Context, root fs.FS, prefix, rel string, from compat.Location) (*oaschema.Document, error) {
	dir, name := path.Split(rel)
	fsys := root
	if dir != "" {
		st, err := fs.Stat(root, strings.TrimSuffix(dir, "/"))
		if err != nil || !st.IsDir() {
			return nil, compat.Inputf(from, "the document %s does not exist", prefix+rel)
		}
		fsys, _ = fs.Sub(root, strings.TrimSuffix(dir, "/"))
	}
	if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
		return nil, compat.Inputf(from, "the document %s does not exist (paths are relative to %s)", prefix+rel, ManifestName)
	}
	return oaschema.Load(ctx, fsys, name, oaschema.Options{Display: prefix + dir})
}

func loadProtoDir(ctx context.Context, root fs.FS, prefix, rel string, from compat.Location) (*protoschema.Set, error) {
	st, err := fs.Stat(root, rel)
	if err != nil || !st.IsDir() {
		return nil, compat.Inputf(from, "the proto import root %s is not a folder", prefix+rel)
	}
	fsys, _ := fs.Sub(root, rel)
	return protoschema.Compile(ctx, fsys, protoschema.Options{Display: prefix + rel + "/"})
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
