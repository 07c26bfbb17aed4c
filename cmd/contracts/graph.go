package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/contractgate/contracts/gate"
)

func newGraphCmd(g *globals) *cobra.Command {
	var env, format string
	cmd := &cobra.Command{
		Use:   "graph [--env E] [--format dot|mermaid|json]",
		Short: "Print who consumes whom among the live versions",
		Long: `graph prints the consumption graph of the versions live in an environment
(or in all of them): an edge from each consumer version to each live provider
version of every contract it consumes, labelled with the contract. Render dot
with Graphviz ('contracts graph | dot -Tsvg > graph.svg'); mermaid renders in
GitHub markdown.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if g.output == "json" {
				format = "json"
			}
			switch format {
			case "dot", "mermaid", "json":
			default:
				return usageErrorf("--format %q: use dot, mermaid or json", format)
			}
			ctx := c.Context()
			store, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			gr, err := gateOf(store, nil, 0).Graph(ctx, env)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout(c), gr)
			}
			// -o markdown fences the graph, so it renders where it is pasted
			// (GitHub renders mermaid fences).
			if g.output == "markdown" {
				fmt.Fprintf(stdout(c), "```%s\n", format)
				defer fmt.Fprintln(stdout(c), "```")
			}
			switch format {
			case "mermaid":
				writeMermaid(stdout(c), gr)
			default:
				writeDot(stdout(c), gr)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only this environment (default: all)")
	cmd.Flags().StringVar(&format, "format", "dot", "dot, mermaid or json")
	return cmd
}

func nodeID(env string, p gate.Party) string {
	r := strings.NewReplacer("-", "_", ".", "_", "+", "_", " ", "_")
	return "n_" + r.Replace(env+"_"+p.Service+"_"+p.Version)
}

func envsOf(gr *gate.Graph) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range gr.Nodes {
		if !seen[n.Env] {
			seen[n.Env] = true
			out = append(out, n.Env)
		}
	}
	sort.Strings(out)
	return out
}

func writeDot(w io.Writer, gr *gate.Graph) {
	fmt.Fprintln(w, "digraph contracts {")
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, "  node [shape=box];")
	for _, env := range envsOf(gr) {
		fmt.Fprintf(w, "  subgraph \"cluster_%s\" {\n    label=%q;\n", env, env)
		for _, n := range gr.Nodes {
			if n.Env == env {
				fmt.Fprintf(w, "    %s [label=%q];\n", nodeID(env, gate.Party{Service: n.Service, Version: n.Version}), n.Service+"\n"+n.Version)
			}
		}
		fmt.Fprintln(w, "  }")
	}
	for _, e := range gr.Edges {
		to := nodeID(e.Env, e.Provider)
		if e.Provider.Service == "" {
			to = nodeID(e.Env, gate.Party{Service: "missing-" + e.Contract})
			fmt.Fprintf(w, "  %s [label=%q, style=dashed, color=red];\n", to, e.Contract+"\n(no live provider)")
		}
		style := ""
		if e.Observed {
			// A caller known only from traces: not a node of its own.
			fmt.Fprintf(w, "  %s [label=%q, style=dashed];\n", nodeID(e.Env, e.Consumer), e.Consumer.Service+"\n(observed)")
			style = ", style=dashed"
		}
		fmt.Fprintf(w, "  %s -> %s [label=%q%s];\n", nodeID(e.Env, e.Consumer), to, e.Contract, style)
	}
	fmt.Fprintln(w, "}")
}

func writeMermaid(w io.Writer, gr *gate.Graph) {
	fmt.Fprintln(w, "flowchart LR")
	for _, env := range envsOf(gr) {
		fmt.Fprintf(w, "  subgraph %s\n", env)
		for _, n := range gr.Nodes {
			if n.Env == env {
				fmt.Fprintf(w, "    %s[\"%s %s\"]\n", nodeID(env, gate.Party{Service: n.Service, Version: n.Version}), n.Service, n.Version)
			}
		}
		fmt.Fprintln(w, "  end")
	}
	for _, e := range gr.Edges {
		to := nodeID(e.Env, e.Provider)
		if e.Provider.Service == "" {
			to = nodeID(e.Env, gate.Party{Service: "missing-" + e.Contract})
			fmt.Fprintf(w, "  %s[\"%s: no live provider\"]\n", to, e.Contract)
		}
		if e.Observed {
			fmt.Fprintf(w, "  %s[\"%s (observed)\"]\n  %s -.->|%s| %s\n", nodeID(e.Env, e.Consumer), e.Consumer.Service, nodeID(e.Env, e.Consumer), e.Contract, to)
			continue
		}
		fmt.Fprintf(w, "  %s -->|%s| %s\n", nodeID(e.Env, e.Consumer), e.Contract, to)
	}
}
