package server

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sort"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/internal/budget"
	"github.com/contractgate/contracts/registry"
)

// webData is what the web page shows.
type webData struct {
	Services []webService
	Envs     []webEnv
	Err      string
	// Ask is the candidate of the can-i-deploy form; Decision its answer.
	Ask      webAsk
	Decision *gate.Decision
	AskErr   string
}

// webAsk is the can-i-deploy form: ?service=&version=&env=.
type webAsk struct {
	Service, Version, Env string
}

type webService struct {
	registry.ServiceInfo
	Versions []string
}

type webEnv struct {
	Name  string
	Live  []registry.Deployment
	Edges []webEdge
}

// webEdge is "consumer → provider over contract" in one environment.
type webEdge struct {
	Consumer, ConsumerVersion, Provider, ProviderVersion, Contract string
}

var webTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>contracts registry</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin-bottom:1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f3f3f3}code{font-size:.95em}.err{color:#a00}.ok{color:#070}
form{margin-bottom:1rem}input{width:9rem}
</style></head><body>
<h1>contracts registry</h1>
{{if .Err}}<p class="err">{{.Err}}</p>{{end}}
<h2>Can I deploy?</h2>
<form method="get" action="/">
<label>service <input name="service" value="{{.Ask.Service}}" required></label>
<label>version <input name="version" value="{{.Ask.Version}}" required></label>
<label>to <input name="env" value="{{.Ask.Env}}" required></label>
<button type="submit">check</button>
</form>
{{if .AskErr}}<p class="err">{{.AskErr}}</p>{{end}}
{{with .Decision}}
<p><strong>{{range .Candidates}}{{.Service}} {{.Version}} {{end}}to {{.Env}}: {{if .Deployable}}<span class="ok">YES</span>{{else}}<span class="err">NO</span>{{end}}</strong></p>
{{if .Checks}}<table><tr><th>Verdict</th><th>Contract</th><th>Direction</th><th>Counterpart</th><th>Relies on</th><th>Why</th></tr>
{{range .Checks}}<tr><td class="{{if eq .Verdict "refused"}}err{{else}}ok{{end}}">{{.Verdict}}</td><td><code>{{.Contract}}</code></td><td>{{.Direction}}</td>
<td>{{.Counterpart.Service}} {{.Counterpart.Version}}</td><td>{{.ReliesOn}}</td>
<td>{{.Reason}}{{if .Findings}}<ul>{{range .Findings}}<li>{{.Severity}} <code>{{.Rule}}</code> {{.Location.String}}: {{.Message}}{{if .Note}} ({{.Note}}){{end}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No live counterpart in {{.Env}} to check.</p>{{end}}
{{range .Notes}}<p><small>{{.}}</small></p>{{end}}
{{end}}
<h2>Services</h2>
{{if .Services}}<table><tr><th>Service</th><th>Contracts it provides</th><th>Versions</th><th>Latest</th></tr>
{{range .Services}}<tr><td>{{.Name}}</td><td>{{range $i, $c := .Contracts}}{{if $i}}, {{end}}<code>{{$c}}</code>{{end}}</td>
<td>{{range $i, $v := .Versions}}{{if $i}}, {{end}}{{$v}}{{end}}</td><td>{{.Latest}}</td></tr>
{{end}}</table>{{else}}<p>No service is published yet: run <code>contracts publish</code>.</p>{{end}}
<h2>Environments</h2>
{{range .Envs}}<h3>{{.Name}}</h3>
<table><tr><th>Live service</th><th>Version</th><th>Since</th></tr>
{{range .Live}}<tr><td>{{.Service}}</td><td>{{.Version}}</td><td>{{.DeployedAt.Format "2006-01-02 15:04 MST"}}</td></tr>{{end}}
</table>
<h4>Dependencies in {{.Name}} (consumer → provider)</h4>
{{if .Edges}}<table><tr><th>Consumer</th><th>Contract</th><th>Provider</th></tr>
{{range .Edges}}<tr><td>{{.Consumer}} {{.ConsumerVersion}}</td><td><code>{{.Contract}}</code></td><td>{{if .Provider}}{{.Provider}} {{.ProviderVersion}}{{else}}<em>no live provider</em>{{end}}</td></tr>{{end}}
</table>{{else}}<p>No live service consumes another here.</p>{{end}}
{{else}}<p>Nothing is deployed yet: run <code>contracts record-deployment</code>.</p>{{end}}
<p><small>API: <code>/v1</code> (schemas/registry-api.yaml) · <a href="/metrics">metrics</a> · <a href="/readyz">readiness</a></small></p>
</body></html>
`))

// webPage renders services, versions, environments with their live
// versions, and the dependency graph per environment. It reads like the API
// and so needs a token unless the server runs without auth. Browsers send
// the token as the password of Basic auth (any user name): the login
// dialog asks for it, and the browser resends it with every page. That is
// why Basic auth opens GET pages only and never an API route, where it
// would let any site the browser visits write with the cached login. The
// page keeps no session: every request carries its credentials, so
// replicas share nothing.
func (s *Server) webPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	c, err := s.webCaller(ctx, r)
	if err != nil {
		// Browsers ask for a user name and password: any name, the token
		// as password.
		w.Header().Set("WWW-Authenticate", `Basic realm="contracts registry (password: your token)"`)
		s.writeError(w, r, err)
		return
	}
	setActor(ctx, c.actor())
	data, err := s.pageData(ctx)
	if err != nil {
		// What the store said stays in the log, as for the API.
		s.log.WarnContext(ctx, "web page: the registry could not be read", requestAttr(ctx), slog.Any("err", err))
		data = &webData{Err: fmt.Sprintf("The registry could not be read: its database is unavailable (request %s); try again in a moment.", requestIDOf(ctx))}
	}
	q := r.URL.Query()
	data.Ask = webAsk{Service: q.Get("service"), Version: q.Get("version"), Env: q.Get("env")}
	if data.Ask != (webAsk{}) {
		data.Decision, data.AskErr = s.ask(ctx, c, data.Ask)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// No scripts, and no framing by another site's page (clickjacking).
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'")
	w.Header().Set("X-Frame-Options", "DENY")
	if err := webTemplate.Execute(w, data); err != nil {
		s.log.ErrorContext(ctx, "render the web page", "err", err)
	}
}

// webCaller authenticates a web page request: the token as the password of
// Basic auth, or a bearer token. Every token may read.
func (s *Server) webCaller(ctx context.Context, r *http.Request) (*caller, error) {
	if _, pw, ok := r.BasicAuth(); ok && pw != "" {
		return s.tokenCaller(ctx, pw)
	}
	return s.authenticate(ctx, r)
}

// maxPageVersions bounds the versions listed per service on the page.
const maxPageVersions = 20

func (s *Server) pageData(ctx context.Context) (*webData, error) {
	services, err := s.store.Services(ctx)
	if err != nil {
		return nil, err
	}
	data := &webData{}
	for _, si := range services {
		ws := webService{ServiceInfo: si}
		vs, err := s.store.Versions(ctx, si.Name)
		if err != nil {
			return nil, err
		}
		if len(vs) > maxPageVersions {
			vs = vs[len(vs)-maxPageVersions:]
		}
		for _, v := range vs {
			ws.Versions = append(ws.Versions, v.Version)
		}
		data.Services = append(data.Services, ws)
	}
	deps, err := s.store.Deployments(ctx, "")
	if err != nil {
		return nil, err
	}
	byEnv := map[string]*webEnv{}
	var names []string
	for _, d := range deps {
		e := byEnv[d.Env]
		if e == nil {
			e = &webEnv{Name: d.Env}
			byEnv[d.Env] = e
			names = append(names, d.Env)
		}
		e.Live = append(e.Live, d)
	}
	sort.Strings(names)
	for _, name := range names {
		e := byEnv[name]
		if err := s.edges(ctx, e); err != nil {
			return nil, err
		}
		data.Envs = append(data.Envs, *e)
	}
	return data, nil
}

// edges fills e.Edges from the consumptions of each live version and the
// live providers of what it consumes.
func (s *Server) edges(ctx context.Context, e *webEnv) error {
	for _, d := range e.Live {
		v, err := s.store.Version(ctx, d.Service, d.Version)
		if err != nil {
			return err
		}
		for _, c := range v.Consumes {
			provs, err := s.store.LiveProviders(ctx, e.Name, c.Contract)
			if err != nil {
				return err
			}
			if len(provs) == 0 {
				e.Edges = append(e.Edges, webEdge{Consumer: d.Service, ConsumerVersion: d.Version, Contract: c.Contract})
			}
			for _, p := range provs {
				e.Edges = append(e.Edges, webEdge{Consumer: d.Service, ConsumerVersion: d.Version, Contract: c.Contract, Provider: p.Service, ProviderVersion: p.Version})
			}
		}
	}
	return nil
}

// ask runs the gate, as `contracts can-i-deploy` over this server would,
// for the page's form: in a slot of the caller's and under the memory
// budget, like POST /v1/gate/can-i-deploy. It returns the decision or a
// message saying what is wrong; the store's own words stay in the log.
func (s *Server) ask(ctx context.Context, c *caller, a webAsk) (*gate.Decision, string) {
	switch {
	case !registry.ValidServiceName(a.Service):
		return nil, "Give a valid service name."
	case !registry.ValidVersion(a.Version):
		return nil, "Give a valid version."
	case !registry.ValidServiceName(a.Env):
		return nil, "Give a valid environment name."
	}
	release, err := s.pools[gateWork].acquire(ctx, c)
	if err != nil {
		return nil, err.Error()
	}
	defer release()
	ctx, end := s.budget.Begin(ctx)
	defer end()
	d, err := s.gate().CanIDeploy(ctx, a.Env, []gate.Party{{Service: a.Service, Version: a.Version}})
	switch {
	case budget.IsExceeded(err) || budget.IsExceeded(context.Cause(ctx)):
		s.metrics.overBudget.Inc()
		return nil, "The gate needed more memory than this server allows one request."
	case registry.ErrorCode(err) == registry.EUNAVAILABLE || registry.ErrorCode(err) == registry.EINTERNAL:
		s.log.ErrorContext(ctx, "web page gate", requestAttr(ctx), slog.Any("err", err))
		return nil, fmt.Sprintf("The gate could not answer (request %s): the registry's database is unavailable or the server failed; try again.", requestIDOf(ctx))
	case err != nil:
		return nil, "The gate could not answer: " + err.Error()
	}
	return d, ""
}
