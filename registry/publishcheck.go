package registry

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on what one version may hold: the quota of a publish, besides the
// size of its request.
const (
	// maxVersionFiles bounds the files of all documents of a version.
	maxVersionFiles = 20000
	// maxPathBytes bounds a stored path.
	maxPathBytes = 1024
	// maxLabelBytes bounds a branch or commit.
	maxLabelBytes = 256
)

// PreparePublish checks a version and its blobs before a store writes them,
// and returns the copy to store: PublishedAt set to now when zero and kept in
// UTC to the microsecond (the precision every backend can hold, so both
// backends order and compare times alike), and Digest computed when empty.
// It fails with EINVALID naming the first problem: a bad service, version
// or contract name, a contract provided twice, or a version that does not
// hold together (see CheckStructure). Blobs a document refers to but that
// are absent from blobs must already be stored; ReferencedBlobs lists them
// for that check.
func PreparePublish(v *Version, blobs map[string][]byte, now time.Time) (*Version, error) {
	if v == nil {
		return nil, Errorf(EINVALID, "nothing to publish: the version is missing")
	}
	if !ValidServiceName(v.Service) {
		return nil, Errorf(EINVALID, "service name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", v.Service)
	}
	if !ValidVersion(v.Version) {
		return nil, Errorf(EINVALID, "version %q of %s is invalid: use letters, digits and . _ + - (but not . or .. alone)", v.Version, v.Service)
	}
	seen := map[string]bool{}
	for _, p := range v.Provides {
		if !ValidServiceName(p.Contract) {
			return nil, Errorf(EINVALID, "contract name %q provided by %s is invalid: use [a-z0-9][a-z0-9-]{0,62}", p.Contract, v.Service)
		}
		if seen[p.Contract] {
			return nil, Errorf(EINVALID, "%s %s provides contract %s twice", v.Service, v.Version, p.Contract)
		}
		seen[p.Contract] = true
	}
	for _, c := range v.Consumes {
		if !ValidServiceName(c.Contract) {
			return nil, Errorf(EINVALID, "contract name %q consumed by %s is invalid: use [a-z0-9][a-z0-9-]{0,62}", c.Contract, v.Service)
		}
	}
	if err := CheckStructure(v, blobs); err != nil {
		return nil, err
	}
	out := *v
	if out.PublishedAt.IsZero() {
		out.PublishedAt = now
	}
	out.PublishedAt = out.PublishedAt.UTC().Truncate(time.Microsecond)
	if out.Digest == "" {
		out.ComputeDigest()
	}
	return &out, nil
}

// CheckStructure checks that a version holds together by itself, from
// nothing but what it says and the blobs given: every blob's bytes hash to
// its key; every file path is clean, relative to its document's folder and
// free of "..", NUL and backslashes; every provision's and expectation's
// path is relative to the version's publish root in the same way; files
// are listed once, in order, with the sizes of the blobs given; an OpenAPI
// document's main file is among its files; every document's hash, and the
// version's digest when set, are what they are computed to be. It fails
// with EINVALID naming the first problem.
func CheckStructure(v *Version, blobs map[string][]byte) error {
	for hash, content := range blobs {
		if got := HashBytes(content); got != hash {
			return Errorf(EINVALID, "blob %.80s does not match its content (which hashes to %s)", hash, got)
		}
	}
	if err := checkLabel("branch", v.Branch); err != nil {
		return err
	}
	if err := checkLabel("commit", v.Commit); err != nil {
		return err
	}
	if len(v.Manifest) > maxManifestBytes {
		return Errorf(EINVALID, "the manifest is %d bytes, more than the %d allowed", len(v.Manifest), maxManifestBytes)
	}
	if err := CheckPath(v.ManifestDir, true); err != nil {
		return Errorf(EINVALID, "the manifest's folder %.100q: %v", v.ManifestDir, err)
	}
	files := 0
	for _, p := range v.Provides {
		what := "contract " + p.Contract
		if err := CheckPath(p.Path, p.Kind == Proto); err != nil {
			return Errorf(EINVALID, "%s: path %.100q: %v", what, p.Path, err)
		}
		if p.Kind != OpenAPI && p.Kind != Proto {
			return Errorf(EINVALID, "%s: kind %.40q is neither openapi nor proto", what, p.Kind)
		}
		if p.Doc.Kind != p.Kind {
			return Errorf(EINVALID, "%s is %s but its document is %.40q", what, p.Kind, p.Doc.Kind)
		}
		if err := checkDoc(what, p.Doc, blobs); err != nil {
			return err
		}
		files += len(p.Doc.Files)
	}
	for _, c := range v.Consumes {
		what := "the expectations of " + c.Contract
		if c.Expectations == nil {
			if c.ExpectationsPath != "" {
				return Errorf(EINVALID, "%s: the path %.100q comes without its document", what, c.ExpectationsPath)
			}
			continue
		}
		if err := CheckPath(c.ExpectationsPath, false); err != nil {
			return Errorf(EINVALID, "%s: path %.100q: %v", what, c.ExpectationsPath, err)
		}
		if c.Expectations.Kind != OpenAPI {
			return Errorf(EINVALID, "%s must be an openapi document, not %.40q", what, c.Expectations.Kind)
		}
		if err := checkDoc(what, *c.Expectations, blobs); err != nil {
			return err
		}
		files += len(c.Expectations.Files)
	}
	if files > maxVersionFiles {
		return Errorf(EINVALID, "the version holds %d files, more than the %d allowed", files, maxVersionFiles)
	}
	if v.Digest != "" {
		sent := v.Digest
		check := *v
		check.ComputeDigest()
		if check.Digest != sent {
			return Errorf(EINVALID, "the version's digest %.80q is not the digest of its manifest and documents (%s)", sent, check.Digest)
		}
	}
	return nil
}

// checkDoc checks one document's files and hash.
func checkDoc(what string, d Doc, blobs map[string][]byte) error {
	if d.Kind == Proto && d.Main != "" {
		return Errorf(EINVALID, "%s: a protobuf import root has no main file (got %.100q)", what, d.Main)
	}
	if len(d.Files) == 0 {
		return Errorf(EINVALID, "%s: the document has no files", what)
	}
	for i, f := range d.Files {
		if err := CheckPath(f.Path, false); err != nil {
			return Errorf(EINVALID, "%s: file %.100q: %v", what, f.Path, err)
		}
		if i > 0 && d.Files[i-1].Path >= f.Path {
			return Errorf(EINVALID, "%s: file %.100q is listed twice or out of order (files are sorted by path)", what, f.Path)
		}
		if b, ok := blobs[f.Hash]; ok && int64(len(b)) != f.Size {
			return Errorf(EINVALID, "%s: file %s is said to be %d bytes but its content is %d", what, f.Path, f.Size, len(b))
		}
	}
	if d.Kind == OpenAPI {
		i := sort.Search(len(d.Files), func(i int) bool { return d.Files[i].Path >= d.Main })
		if i == len(d.Files) || d.Files[i].Path != d.Main {
			return Errorf(EINVALID, "%s: the main file %.100q is not among the document's files", what, d.Main)
		}
	}
	if got := docHash(d.Kind, d.Main, d.Files); got != d.Hash {
		return Errorf(EINVALID, "%s: the document's hash %.80q is not the hash of its files (%s)", what, d.Hash, got)
	}
	return nil
}

// CheckPath reports what is wrong with a stored path: it must be relative
// (to its document's folder, or to the version's publish root), clean, at
// most 1 KiB, and hold no "..", NUL, backslash or other control character.
// dotOK allows "." (the root itself: a proto import root, the manifest's
// folder) and, for the manifest's folder, the empty path.
func CheckPath(p string, dotOK bool) error {
	switch {
	case p == "" && dotOK:
		return nil
	case p == "":
		return fmt.Errorf("is empty")
	case len(p) > maxPathBytes:
		return fmt.Errorf("is longer than %d bytes", maxPathBytes)
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return fmt.Errorf("holds NUL or another control character, or is not UTF-8")
	case strings.Contains(p, `\`):
		return fmt.Errorf(`holds a backslash; paths use "/"`)
	case path.IsAbs(p):
		return fmt.Errorf("is absolute; stored paths are relative to the publish root")
	case p == ".":
		if dotOK {
			return nil
		}
		return fmt.Errorf(`is "."; name a file`)
	case slices.Contains(strings.Split(p, "/"), ".."):
		return fmt.Errorf(`has a ".." segment; stored paths stay inside the publish root`)
	case path.Clean(p) != p:
		return fmt.Errorf("is not clean (it would be %q)", path.Clean(p))
	}
	return nil
}

// checkLabel bounds a free-text label of a version.
func checkLabel(what, s string) error {
	if len(s) > maxLabelBytes || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return Errorf(EINVALID, "the %s %.80q must be at most %d bytes of printable text", what, s, maxLabelBytes)
	}
	return nil
}

// BlobsFunc fetches stored blobs by hash; missing ones are absent.
type BlobsFunc func(ctx context.Context, hashes []string) (map[string][]byte, error)

// VerifyPublish checks a version as a registry server receives it,
// trusting nothing the client computed: CheckStructure, with the blobs the
// request leaves out fetched from stored (they were verified when stored)
// so that every file's size is checked; the provisions and consumptions
// are those its manifest names, from the manifest's folder (ManifestDir)
// inside the publish root; and every document loads as its kind, each
// proto contract defining the messages it lists. Failures are EINVALID,
// saying what is wrong.
func VerifyPublish(ctx context.Context, v *Version, blobs map[string][]byte, stored BlobsFunc) error {
	if _, err := PreparePublish(v, blobs, time.Time{}); err != nil {
		return err
	}
	all := make(map[string][]byte, len(blobs))
	for h, b := range blobs {
		all[h] = b
	}
	var missing []string
	for _, h := range ReferencedBlobs(v) {
		if _, ok := all[h]; !ok {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		got, err := stored(ctx, missing)
		if err != nil {
			return err
		}
		for _, h := range missing {
			b, ok := got[h]
			if !ok {
				return Errorf(EINVALID, "blob %.80s is neither in the request nor stored in the registry; send it", h)
			}
			all[h] = b
		}
	}
	if err := CheckStructure(v, all); err != nil {
		return err
	}
	if err := checkAgainstManifest(v); err != nil {
		return err
	}
	return loadDocuments(ctx, v, all)
}

// checkAgainstManifest checks that the version's provisions and
// consumptions are what its manifest says, in its order.
func checkAgainstManifest(v *Version) error {
	m, err := ParseManifest(v.Manifest, path.Join(v.ManifestDir, ManifestName))
	if err != nil {
		return &Error{Code: EINVALID, Message: "the version's manifest does not parse: " + err.Error(), Err: err}
	}
	if m.Service != v.Service {
		return Errorf(EINVALID, "the manifest describes service %s, not %s", m.Service, v.Service)
	}
	if depth := rootDepth(m.Root); depth != pathDepth(v.ManifestDir) {
		return Errorf(EINVALID, "the manifest's root %q puts its folder %d levels under the publish root, but the version says it is at %q", orDot(m.Root), depth, orDot(v.ManifestDir))
	}
	if len(m.Provides) != len(v.Provides) {
		return Errorf(EINVALID, "the manifest provides %d contracts but the version lists %d", len(m.Provides), len(v.Provides))
	}
	for i, mp := range m.Provides {
		p := v.Provides[i]
		want := Provision{Contract: mp.Contract, Kind: mp.Kind, Path: RootPath(v.ManifestDir, mp.Path), Messages: mp.Messages, Level: mp.Level}
		if p.Contract != want.Contract || p.Kind != want.Kind || p.Path != want.Path || !slices.Equal(p.Messages, want.Messages) || p.Level != want.Level {
			return Errorf(EINVALID, "provision %d of the version (contract %.63s %s at %.100q) is not what the manifest says (contract %s %s at %q)", i+1, p.Contract, p.Kind, p.Path, want.Contract, want.Kind, want.Path)
		}
	}
	if len(m.Consumes) != len(v.Consumes) {
		return Errorf(EINVALID, "the manifest consumes %d contracts but the version lists %d", len(m.Consumes), len(v.Consumes))
	}
	for i, mc := range m.Consumes {
		c := v.Consumes[i]
		exp := ""
		if mc.Expectations != "" {
			exp = RootPath(v.ManifestDir, mc.Expectations)
		}
		if c.Contract != mc.Contract || !slices.Equal(c.Uses, mc.Uses) || !slices.Equal(c.Messages, mc.Messages) || !slices.Equal(c.Tolerates, mc.Tolerates) ||
			c.ExpectationsPath != exp || (c.Expectations != nil) != (exp != "") {
			return Errorf(EINVALID, "consumption %d of the version (contract %.63s) is not what the manifest says (contract %s)", i+1, c.Contract, mc.Contract)
		}
	}
	return nil
}

// loadDocuments loads every document of v as its kind.
func loadDocuments(ctx context.Context, v *Version, blobs map[string][]byte) error {
	for _, p := range v.Provides {
		display := DocDisplay(p.Kind, p.Path)
		switch p.Kind {
		case OpenAPI:
			if _, err := LoadOpenAPIDoc(ctx, p.Doc, blobs, display); err != nil {
				return unloadable(ctx, "contract "+p.Contract, err)
			}
		case Proto:
			set, err := LoadProtoDoc(ctx, p.Doc, blobs, display)
			if err != nil {
				return unloadable(ctx, "contract "+p.Contract, err)
			}
			for _, msg := range p.Messages {
				if !set.HasMessage(msg) {
					return Errorf(EINVALID, "contract %s lists message %s, which no file under %s defines", p.Contract, msg, p.Path)
				}
			}
		}
	}
	for _, c := range v.Consumes {
		if c.Expectations == nil {
			continue
		}
		if _, err := LoadOpenAPIDoc(ctx, *c.Expectations, blobs, DocDisplay(OpenAPI, c.ExpectationsPath)); err != nil {
			return unloadable(ctx, "the expectations of "+c.Contract, err)
		}
	}
	return nil
}

// unloadable makes a document's load failure the publisher's mistake,
// unless the load was stopped (the request's time or memory ran out).
func unloadable(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, context.Cause(ctx))
	}
	return &Error{Code: EINVALID, Message: what + ": " + err.Error(), Err: err}
}

// ReferencedBlobs returns, sorted and without duplicates, the hashes of every
// file of every document v provides or expects.
func ReferencedBlobs(v *Version) []string {
	set := map[string]bool{}
	for _, p := range v.Provides {
		for _, f := range p.Doc.Files {
			set[f.Hash] = true
		}
	}
	for _, c := range v.Consumes {
		if c.Expectations != nil {
			for _, f := range c.Expectations.Files {
				set[f.Hash] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
