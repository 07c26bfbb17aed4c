package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// Kind is the kind of document a contract is described by.
type Kind string

// The contract kinds.
const (
	OpenAPI Kind = "openapi"
	Proto   Kind = "proto"
)

// File is one stored file of a document, by path inside the document's folder
// (or import root) and the hash of its content. Contents live in the blob
// store, addressed by hash.
type File struct {
	Path string `json:"path"`
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// Doc is a stored document: an OpenAPI document with the files it refers to,
// or a protobuf import root. Hash addresses the whole set of files, so two
// documents with the same files share a hash whatever version holds them.
type Doc struct {
	Kind Kind `json:"kind"`
	// Main is the OpenAPI document's path among Files; empty for proto.
	Main  string `json:"main,omitempty"`
	Hash  string `json:"hash"`
	Files []File `json:"files"`
}

// Provision is one contract a service version provides.
type Provision struct {
	Contract string `json:"contract"`
	Kind     Kind   `json:"kind"`
	// Path is where the manifest says the document is (file or import root).
	Path string `json:"path"`
	// Messages are the message types the service publishes (proto).
	Messages []string `json:"messages,omitempty"`
	// Level is the protobuf check level for this contract: wire, json or
	// source; empty means json.
	Level string `json:"level,omitempty"`
	Doc   Doc    `json:"doc"`
	// Retention is how long the topic keeps the messages this version
	// publishes; empty when the manifest declares none.
	Retention Retention `json:"retention,omitempty"`
}

// Consumption is what one service version consumes of one contract. Without
// Uses, Expectations or Messages it relies on everything the provider offers.
type Consumption struct {
	Contract string `json:"contract"`
	// Uses narrows to HTTP operations ("GET /payments/{id}") or RPCs
	// ("pkg.Service.Method").
	Uses []string `json:"uses,omitempty"`
	// Messages narrows to the message types the consumer reads.
	Messages []string `json:"messages,omitempty"`
	// ExpectationsPath is the manifest's path of a partial document of what
	// the consumer uses; Expectations is that document, stored.
	ExpectationsPath string `json:"expectationsPath,omitempty"`
	Expectations     *Doc   `json:"expectations,omitempty"`
	// Tolerates names the classes of response change this reader copes
	// with (compat.Tolerance names: new-enum-values, new-variants,
	// wider-bounds); the gate reports them as info for this consumer only.
	Tolerates []string `json:"tolerates,omitempty"`
}

// Narrowed reports whether the consumption names what it relies on.
func (c Consumption) Narrowed() bool {
	return len(c.Uses) > 0 || len(c.Messages) > 0 || c.Expectations != nil
}

// Version is an immutable snapshot of a service: its manifest and the
// documents of every contract it provides or expects.
type Version struct {
	Service     string    `json:"service"`
	Version     string    `json:"version"`
	Branch      string    `json:"branch,omitempty"`
	Commit      string    `json:"commit,omitempty"`
	PublishedAt time.Time `json:"publishedAt"`
	Manifest    []byte    `json:"manifest"`
	// ManifestDir is the manifest's folder relative to the version's
	// publish root, with Provision.Path and ExpectationsPath relative to
	// that root: empty unless the manifest widens its root (`root:`).
	ManifestDir string        `json:"manifestDir,omitempty"`
	Provides    []Provision   `json:"provides"`
	Consumes    []Consumption `json:"consumes"`
	// Digest addresses the content (manifest and documents), not the
	// branch, commit or time: publishing the same content again is a no-op.
	Digest string `json:"digest"`
}

// ComputeDigest sets v.Digest from the manifest and the document hashes.
func (v *Version) ComputeDigest() {
	h := sha256.New()
	h.Write([]byte("manifest\x00"))
	h.Write(v.Manifest)
	if v.ManifestDir != "" {
		// Where the manifest sits decides what its paths name.
		h.Write([]byte("\x00dir\x00" + v.ManifestDir))
	}
	for _, p := range v.Provides {
		h.Write([]byte("\x00provides\x00" + p.Contract + "\x00" + p.Doc.Hash))
	}
	for _, c := range v.Consumes {
		if c.Expectations != nil {
			h.Write([]byte("\x00expects\x00" + c.Contract + "\x00" + c.Expectations.Hash))
		}
	}
	v.Digest = hex.EncodeToString(h.Sum(nil))
}

// Provision returns the provision of contract, if v provides it.
func (v *Version) Provision(contract string) (Provision, bool) {
	for _, p := range v.Provides {
		if p.Contract == contract {
			return p, true
		}
	}
	return Provision{}, false
}

// HashBytes is the content address of a blob.
func HashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// NewDoc builds a stored document from its files (path → content), returning
// it and the blobs to store.
func NewDoc(kind Kind, main string, files map[string][]byte) (Doc, map[string][]byte) {
	d := Doc{Kind: kind, Main: main}
	blobs := make(map[string][]byte, len(files))
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		hash := HashBytes(files[p])
		blobs[hash] = files[p]
		d.Files = append(d.Files, File{Path: p, Hash: hash, Size: int64(len(files[p]))})
	}
	d.Hash = docHash(kind, main, d.Files)
	return d, blobs
}

// docHash addresses a document: its kind, main file and each file's path
// and content hash, in the files' order (sorted by path).
func docHash(kind Kind, main string, files []File) string {
	h := sha256.New()
	h.Write([]byte(string(kind) + "\x00" + main))
	for _, f := range files {
		h.Write([]byte("\x00" + f.Path + "\x00" + f.Hash))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Deployment records that a service version is live in an environment.
type Deployment struct {
	Env        string    `json:"env"`
	Service    string    `json:"service"`
	Version    string    `json:"version"`
	DeployedAt time.Time `json:"deployedAt"`
}

// ServiceInfo summarises a service for listings.
type ServiceInfo struct {
	Name      string   `json:"name"`
	Contracts []string `json:"contracts"`
	Versions  int      `json:"versions"`
	// Latest is the most recently published version.
	Latest string `json:"latest"`
}

// Contract is a named interface and the service that owns it.
type Contract struct {
	Name  string `json:"name"`
	Owner string `json:"owner"`
	Kind  Kind   `json:"kind"`
}

// LiveConsumption is a consumption by a version that is live in an
// environment.
type LiveConsumption struct {
	Service     string      `json:"service"`
	Version     string      `json:"version"`
	Consumption Consumption `json:"consumption"`
}

// LiveProvision is a provision by a version that is live in an environment.
type LiveProvision struct {
	Service   string    `json:"service"`
	Version   string    `json:"version"`
	Provision Provision `json:"provision"`
}

// Approval records a deliberate break: the gate reports a finding that
// matches it as approved instead of refusing, until it expires.
type Approval struct {
	ID       int64  `json:"id"`
	Contract string `json:"contract"`
	Rule     string `json:"rule"`
	// Element is the finding's element, or an operation / message type it
	// affects.
	Element string `json:"element"`
	// Consumer limits the approval to one consuming service; empty for all.
	Consumer string `json:"consumer,omitempty"`
	// Envs are the environments the approval holds in. One stored before
	// approvals were scoped has none and holds nowhere.
	Envs   []string `json:"envs"`
	Reason string   `json:"reason"`
	// By is who approved: the token's name over a registry server, the
	// operating system user locally. Never taken from the caller's word.
	By        string    `json:"by"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// RevokedAt is set once the approval is revoked; it then holds nowhere.
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Holds reports whether the approval holds in env at now: scoped to env,
// not revoked, not expired.
func (a Approval) Holds(env string, now time.Time) bool {
	if a.RevokedAt != nil || !now.Before(a.ExpiresAt) {
		return false
	}
	for _, e := range a.Envs {
		if e == env {
			return true
		}
	}
	return false
}

// PublishOutcome says what Publish did.
type PublishOutcome int

// The outcomes of a publish that succeeded.
const (
	// Created: the version is new and now stored.
	Created PublishOutcome = iota
	// Unchanged: the same version with the same content was already stored.
	Unchanged
)

// Store is the registry's storage: SQLite, PostgreSQL, or a registry server
// reached through registry/client. Every backend passes registry/storetest.
type Store interface {
	// Publish stores v and its blobs in one transaction: all of it or
	// nothing. The same version with the same Digest again is Unchanged;
	// with another Digest it fails with ECONFLICT saying what differs. A
	// contract is owned by the first service that publishes it; another
	// service providing it fails with EFORBIDDEN.
	Publish(ctx context.Context, v *Version, blobs map[string][]byte) (PublishOutcome, error)
	// Version returns one version, or ENOTFOUND.
	Version(ctx context.Context, service, version string) (*Version, error)
	// Versions returns every version of a service, ordered by Sort.
	Versions(ctx context.Context, service string) ([]*Version, error)
	// Services lists every service, by name.
	Services(ctx context.Context) ([]ServiceInfo, error)
	// Contract returns a contract and its owner, or ENOTFOUND.
	Contract(ctx context.Context, name string) (*Contract, error)
	// Blobs returns the contents of the given hashes; missing ones are
	// absent from the map.
	Blobs(ctx context.Context, hashes []string) (map[string][]byte, error)

	// CreateEnvironment creates an environment; created is false when it
	// already existed (not an error).
	CreateEnvironment(ctx context.Context, name string) (created bool, err error)
	// Environments lists every environment, by name.
	Environments(ctx context.Context) ([]Environment, error)

	// RecordDeployment makes d.Service d.Version live in d.Env. Unless
	// keepPrevious, the service's other live versions there stop being
	// live. The version must be published (ENOTFOUND otherwise) and the
	// environment created (UnknownEnvironment otherwise).
	RecordDeployment(ctx context.Context, d Deployment, keepPrevious bool) error
	// RecordUndeployment removes one live version (ENOTFOUND if it is not
	// live there, UnknownEnvironment if env was never created).
	RecordUndeployment(ctx context.Context, env, service, version string) error
	// Deployments lists live versions in env, or in every environment when
	// env is empty, ordered by env, service, version. An env the registry
	// does not know is UnknownEnvironment.
	Deployments(ctx context.Context, env string) ([]Deployment, error)
	// LiveConsumers lists the consumptions of contract by versions live in
	// env.
	LiveConsumers(ctx context.Context, env, contract string) ([]LiveConsumption, error)
	// LiveProviders lists the provisions of contract by versions live in
	// env.
	LiveProviders(ctx context.Context, env, contract string) ([]LiveProvision, error)

	// AddApproval stores an approval and returns it with its ID set.
	AddApproval(ctx context.Context, a Approval) (*Approval, error)
	// Approvals lists the approvals of a contract (every contract when
	// empty), expired and revoked ones included, oldest first.
	Approvals(ctx context.Context, contract string) ([]Approval, error)
	// RevokeApproval revokes an approval by ID at the given time
	// (ENOTFOUND if there is none; revoking it again changes nothing).
	RevokeApproval(ctx context.Context, id int64, at time.Time) error

	// CachedReport returns a comparison result stored under key, or nil.
	CachedReport(ctx context.Context, key string) ([]byte, error)
	// PutCachedReport stores a comparison result under key.
	PutCachedReport(ctx context.Context, key string, report []byte) error

	// Close releases the store.
	Close() error

	// DeploymentHistory lists the intervals during which versions were
	// live in env and that had not ended before since (every interval
	// when since is zero), ordered by service, start and version; the
	// ones still live have no Until. Recording a deployment opens an
	// interval, unless the version is live already; replacing a version
	// or recording its undeployment closes its interval. An env the
	// registry does not know is UnknownEnvironment.
	DeploymentHistory(ctx context.Context, env string, since time.Time) ([]LiveInterval, error)

	// ObservedUsage lists the calls observed from traces of contract's
	// elements in env (every environment when empty), per consumer
	// version, provider version and element, over the days from since's
	// day on (every day kept when since is zero), ordered by env,
	// consumer, consumer version, element, provider and provider version.
	// Counts are kept per UTC day, so a window starts at a day's start.
	ObservedUsage(ctx context.Context, env, contract string, since time.Time) ([]ObservedCall, error)
	// UnmatchedSpans lists the spans that could not be recorded as usage,
	// by environment (every one when env is empty, those naming no known
	// environment included, under Env ""), reason and service, over the
	// days from since's day on.
	UnmatchedSpans(ctx context.Context, env string, since time.Time) ([]UnmatchedSpans, error)
}

// Token is an API token of the registry server. Only a hash of its secret is
// stored.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// AuditEntry is one mutation made through the registry server.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}

// AuthStore holds the server's tokens and audit log. SQLite and PostgreSQL
// implement it; the remote client does not.
type AuthStore interface {
	// CreateToken stores t with the hash of its secret.
	CreateToken(ctx context.Context, t Token, secretHash string) error
	// TokenByHash returns the token whose secret hashes to secretHash, or
	// ENOTFOUND. Revoked tokens are returned with RevokedAt set.
	TokenByHash(ctx context.Context, secretHash string) (*Token, error)
	// RevokeToken revokes a token by ID (ENOTFOUND if unknown).
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// Tokens lists every token, revoked ones included.
	Tokens(ctx context.Context) ([]Token, error)
	// AppendAudit appends one entry to the append-only audit log.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// Audit returns the newest entries, newest first, at most limit.
	Audit(ctx context.Context, limit int) ([]AuditEntry, error)
}

// EnvName and ServiceName validation are shared by the manifest, the CLI and
// the server.
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidServiceName reports whether s is a service (or contract, or
// environment) name: [a-z0-9][a-z0-9-]{0,62}.
func ValidServiceName(s string) bool { return validName(s, 63) }

// ValidVersion reports whether s is a version string: [A-Za-z0-9._+-]+,
// but not "." or "..", which no URL path can address.
func ValidVersion(s string) bool {
	if s == "" || len(s) > 128 || s == "." || s == ".." {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") == ""
}

// MarshalJSON writes Envs as [] rather than null: an approval that holds in
// no environment says so.
func (a Approval) MarshalJSON() ([]byte, error) {
	type plain Approval
	if a.Envs == nil {
		a.Envs = []string{}
	}
	return json.Marshal(plain(a))
}

// LiveInterval is one period during which a service version was live in an
// environment. A version deployed, replaced and deployed again (a rollback)
// has two.
type LiveInterval struct {
	Env     string    `json:"env"`
	Service string    `json:"service"`
	Version string    `json:"version"`
	From    time.Time `json:"from"`
	// Until is when the version stopped being live; nil while it is.
	Until *time.Time `json:"until,omitempty"`
	// ReplacedBy is the version whose deployment ended the interval;
	// empty when it was undeployed, or is still live.
	ReplacedBy string `json:"replacedBy,omitempty"`
}

// Live reports whether the interval has not ended.
func (li LiveInterval) Live() bool { return li.Until == nil }

// ObservedCall counts the calls one consumer version was observed making to
// one element of a contract, from OpenTelemetry traces: a CLIENT span of the
// consumer joined to the SERVER span of the provider it caused.
type ObservedCall struct {
	Env string `json:"env"`
	// Consumer and ConsumerVersion are the client span's service.name and
	// service.version; the consumer need not be a registered service, and
	// the version is empty when the span did not say.
	Consumer        string `json:"consumer"`
	ConsumerVersion string `json:"consumerVersion,omitempty"`
	Provider        string `json:"provider"`
	ProviderVersion string `json:"providerVersion,omitempty"`
	Contract        string `json:"contract"`
	// Element is the operation as the contract writes it ("GET
	// /orders/{orderId}") or the RPC ("orders.v1.OrderService.GetOrder").
	Element   string    `json:"element"`
	Calls     int64     `json:"calls"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// The reasons a span is counted as unmatched instead of recorded as usage.
const (
	// UnmatchedNoEnvironment: the resource has no deployment.environment.name
	// (nor the older deployment.environment).
	UnmatchedNoEnvironment = "no-environment"
	// UnmatchedUnknownEnvironment: the environment is not one the registry
	// knows; never guessed, never created.
	UnmatchedUnknownEnvironment = "unknown-environment"
	// UnmatchedUnknownProvider: the server span's service.name is not a
	// registered service.
	UnmatchedUnknownProvider = "unknown-provider"
	// UnmatchedNoOperation: the server span says neither http.route and
	// the method nor rpc.service and rpc.method.
	UnmatchedNoOperation = "no-operation"
	// UnmatchedUnknownElement: the route or RPC matches no element of the
	// provider's contracts.
	UnmatchedUnknownElement = "unknown-element"
	// UnmatchedEnvironmentMismatch: the client and server spans name
	// different environments.
	UnmatchedEnvironmentMismatch = "environment-mismatch"
	// UnmatchedUnpairedClient: a CLIENT span whose SERVER span did not
	// arrive within the join window (the callee is not instrumented, or
	// is outside the registry).
	UnmatchedUnpairedClient = "unpaired-client"
	// UnmatchedUnpairedServer: a SERVER span whose CLIENT parent did not
	// arrive within the join window (the caller is not instrumented).
	UnmatchedUnpairedServer = "unpaired-server"
	// UnmatchedInvalid: the span's trace or span id is malformed.
	UnmatchedInvalid = "invalid-span"
)

// UnmatchedSpans counts spans that could not be recorded as usage, per
// environment, reason and service.
type UnmatchedSpans struct {
	// Env is empty when the span named no environment the registry knows.
	Env    string `json:"env"`
	Reason string `json:"reason"`
	// Service is the span's service when it is known (the provider of a
	// server span, the consumer of an unpaired client span).
	Service string `json:"service,omitempty"`
	// Example is the last such span's route, RPC or environment, for a
	// person to find what sends it.
	Example   string    `json:"example,omitempty"`
	Calls     int64     `json:"calls"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// SpanHalf is one side of a call waiting for the other: a CLIENT span,
// keyed by its own span id, or a SERVER span, keyed by its parent's. Two
// halves with the same TraceID and SpanID, one of each kind, are one call.
type SpanHalf struct {
	TraceID string `json:"traceId"`
	SpanID  string `json:"spanId"`
	Server  bool   `json:"server"`
	Env     string `json:"env"`
	Service string `json:"service"`
	Version string `json:"version,omitempty"`
	// Contract and Element are what a server half was a call to; empty
	// for a client half, and for a server half whose call matched no
	// element, which says why in Unmatched (and what in Example).
	Contract  string `json:"contract,omitempty"`
	Element   string `json:"element,omitempty"`
	Unmatched string `json:"unmatched,omitempty"`
	Example   string `json:"example,omitempty"`
}

// SpanBatch is what one OTLP request brings: halves to join, and spans
// already set aside as unmatched (each with Calls counted).
type SpanBatch struct {
	Halves    []SpanHalf
	Unmatched []UnmatchedSpans
	// At is when the batch was received: the time recorded as seen, and
	// the clock of the join window.
	At time.Time
	// Window is how long a half waits for its other half; older halves
	// are counted as unpaired and dropped.
	Window time.Duration
}

// SpanOutcome says what became of a batch's halves.
type SpanOutcome struct {
	// Joined halves met their other half: one call each pair.
	Joined int
	// Pending halves wait for their other half.
	Pending int
	// Duplicates were halves already pending (an exporter's retry).
	Duplicates int
	// Expired counts halves of earlier batches that waited past the
	// window, now counted as unpaired.
	Expired int
	// Unmatched counts the calls this batch added to UnmatchedSpans
	// (joined pairs that name no element, or mismatched environments).
	Unmatched int
}

// SpanStore keeps the halves of calls seen in traces until they join, and
// the usage they add up to. Pending halves live in the store, not in a
// server's memory, so the two halves of a call may reach different servers
// behind a load balancer and still join. SQLite and PostgreSQL implement
// it; the remote client does not (traces go to POST /v1/traces).
type SpanStore interface {
	// ObserveSpans, in one transaction: drops the halves pending longer
	// than b.Window (counting them unpaired), joins each half of b with
	// its pending other half or leaves it pending, adds each joined call
	// to the usage of its element (or to UnmatchedSpans), and adds
	// b.Unmatched.
	ObserveSpans(ctx context.Context, b SpanBatch) (SpanOutcome, error)
}
