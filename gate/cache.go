package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/registry"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// Documents are compared with their file names marked as old or new; the
// marks are replaced by each side's display folder when a comparison is used.
// That keeps cached comparisons independent of where a document was shown.
const (
	oldMark = "\x00old/"
	newMark = "\x00new/"
)

// comparer compares stored documents, caching results by content hash in the
// store and parsed documents in memory, so repeated gates over unchanged
// documents do no parsing or diffing.
type comparer struct {
	store registry.Store
	// salt is mixed into cache keys: the release of contracts.
	salt string
	// overlay holds blobs of unpublished working copies.
	overlay map[string][]byte

	mu     sync.Mutex
	parsed map[string]any // mark+doc hash → *oaschema.Document | *protoschema.Set
	blobs  map[string][]byte
}

func newComparer(store registry.Store, salt string, overlay map[string][]byte) *comparer {
	if salt != "" {
		salt = "-" + salt
	}
	return &comparer{store: store, salt: salt, overlay: overlay, parsed: map[string]any{}, blobs: map[string][]byte{}}
}

// checkerFingerprint changes whenever a rule is added, removed or
// re-documented, so a registry shared by several releases of contracts never
// serves one release's comparison to another.
var checkerFingerprint = sync.OnceValue(func() string {
	h := sha256.New()
	for _, list := range [][]compat.Rule{oacheck.Rules, protocheck.Rules} {
		for _, r := range list {
			fmt.Fprintf(h, "%s|%d|%d|%s|%s|%s\n", r.ID, r.Severity, r.Level, r.Tolerance, r.Deprecated, r.Doc)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
})

// cmpKey names one comparison in the report cache: the checkers' fingerprint,
// the caller's salt (the release of contracts), what was compared and how.
func (c *comparer) cmpKey(kind registry.Kind, level compat.Level, flow protocheck.Flow, oldHash, newHash string, messages []string) string {
	key := fmt.Sprintf("cmp/%s%s/%s/%s/%d/%s/%s", checkerFingerprint(), c.salt, kind, level, flow, oldHash, newHash)
	if len(messages) > 0 {
		h := sha256.Sum256([]byte(strings.Join(messages, "\x00")))
		key += "/m" + hex.EncodeToString(h[:8])
	}
	return key
}

// compare returns the full report of old → new, findings' files marked. A
// protobuf comparison with messages (the types a contract publishes)
// reports only what those types reach.
func (c *comparer) compare(ctx context.Context, kind registry.Kind, level compat.Level, flow protocheck.Flow, old, new registry.Doc, messages []string) (*compat.Report, error) {
	key := c.cmpKey(kind, level, flow, old.Hash, new.Hash, messages)
	if data, err := c.store.CachedReport(ctx, key); err == nil && data != nil {
		var r compat.Report
		if json.Unmarshal(data, &r) == nil {
			return &r, nil
		}
	}
	var rep *compat.Report
	switch kind {
	case registry.OpenAPI:
		o, err := c.openapi(ctx, old, oldMark)
		if err != nil {
			return nil, err
		}
		n, err := c.openapi(ctx, new, newMark)
		if err != nil {
			return nil, err
		}
		if rep, err = oacheck.Check(ctx, o, n); err != nil {
			return nil, err
		}
	case registry.Proto:
		o, err := c.proto(ctx, old, oldMark)
		if err != nil {
			return nil, err
		}
		n, err := c.proto(ctx, new, newMark)
		if err != nil {
			return nil, err
		}
		if rep, err = protocheck.Check(ctx, o, n, protocheck.Options{Level: level, Flow: flow, Messages: messages}); err != nil {
			return nil, err
		}
	default:
		return nil, registry.Errorf(registry.EINTERNAL, "unknown document kind %q", kind)
	}
	rep.Old, rep.New = "", ""
	if data, err := json.Marshal(rep); err == nil {
		// A cache that cannot be written only costs time next run.
		_ = c.store.PutCachedReport(ctx, key, data)
	}
	return rep, nil
}

// offers lists what a document offers: operations (OpenAPI, as ScopeKey),
// RPCs and message types (proto). Cached like comparisons.
func (c *comparer) offers(ctx context.Context, d registry.Doc) (map[string]bool, error) {
	key := "offers/" + checkerFingerprint() + c.salt + "/" + d.Hash
	var list []string
	if data, err := c.store.CachedReport(ctx, key); err == nil && data != nil && json.Unmarshal(data, &list) == nil {
		return toSet(list), nil
	}
	switch d.Kind {
	case registry.OpenAPI:
		doc, err := c.openapi(ctx, d, newMark)
		if err != nil {
			return nil, err
		}
		for _, op := range oacheck.Operations(doc) {
			list = append(list, compat.ScopeKey(op))
		}
	case registry.Proto:
		set, err := c.proto(ctx, d, newMark)
		if err != nil {
			return nil, err
		}
		list = protoNames(set)
	}
	sort.Strings(list)
	if data, err := json.Marshal(list); err == nil {
		_ = c.store.PutCachedReport(ctx, key, data)
	}
	return toSet(list), nil
}

func toSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

func (c *comparer) docBlobs(ctx context.Context, d registry.Doc) (map[string][]byte, error) {
	c.mu.Lock()
	var missing []string
	out := map[string][]byte{}
	for _, f := range d.Files {
		if b, ok := c.overlay[f.Hash]; ok {
			out[f.Hash] = b
		} else if b, ok := c.blobs[f.Hash]; ok {
			out[f.Hash] = b
		} else {
			missing = append(missing, f.Hash)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.store.Blobs(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for h, b := range got {
		c.blobs[h] = b
		out[h] = b
	}
	c.mu.Unlock()
	return out, nil
}

func (c *comparer) openapi(ctx context.Context, d registry.Doc, mark string) (*oaschema.Document, error) {
	return parseOnce(ctx, c, d, mark, registry.LoadOpenAPIDoc)
}

func (c *comparer) proto(ctx context.Context, d registry.Doc, mark string) (*protoschema.Set, error) {
	return parseOnce(ctx, c, d, mark, registry.LoadProtoDoc)
}

// parseOnce parses a stored document with load, once per comparer and mark.
func parseOnce[T any](ctx context.Context, c *comparer, d registry.Doc, mark string,
	load func(context.Context, registry.Doc, map[string][]byte, string) (T, error)) (T, error) {
	key := mark + d.Hash
	c.mu.Lock()
	p, ok := c.parsed[key].(T)
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	var zero T
	blobs, err := c.docBlobs(ctx, d)
	if err != nil {
		return zero, err
	}
	p, err = load(ctx, d, blobs, mark)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	c.parsed[key] = p
	c.mu.Unlock()
	return p, nil
}

// relocate replaces the old/new marks in findings' files (and messages) with
// the display folders of the two sides.
func relocate(fs []compat.Finding, oldDisplay, newDisplay string) []compat.Finding {
	out := make([]compat.Finding, len(fs))
	r := strings.NewReplacer(oldMark, oldDisplay, newMark, newDisplay)
	for i, f := range fs {
		f.Location.File = r.Replace(f.Location.File)
		f.Message = r.Replace(f.Message)
		out[i] = f
	}
	return out
}

// protoNames lists the message types and RPCs ("pkg.Service.Method") that
// the set's own files define.
func protoNames(set *protoschema.Set) []string {
	var out []string
	var addMessages func(ms protoreflect.MessageDescriptors)
	addMessages = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			out = append(out, string(m.FullName()))
			addMessages(m.Messages())
		}
	}
	for _, f := range set.Files {
		addMessages(f.Messages())
		for i := 0; i < f.Services().Len(); i++ {
			svc := f.Services().Get(i)
			for j := 0; j < svc.Methods().Len(); j++ {
				out = append(out, string(svc.Methods().Get(j).FullName()))
			}
		}
	}
	return out
}
