package proto

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// The benchmark data: two consecutive releases of google-proto-files,
// fetched by scripts/fetch-proto-bench.sh (make fetch-bench-data).
const (
	benchRoot = "../../testdata/external/google-proto-files"
	benchOld  = "5.0.2"
	benchNew  = "5.0.3"
)

// benchRoots are the APIs BenchmarkGoogleAPIs compiles: one of the larger
// Google Cloud APIs that changed between the two releases, with the files
// it imports a few hundred files. BenchmarkGoogleAPIsWhole takes the whole
// tree (wholeRoots, about 7,800 files, 4,400 of them google/ads).
// google/protobuf is left to the standard imports.
var (
	benchRoots = []string{"google/cloud/discoveryengine/"}
	wholeRoots = []string{"google/", "grafeas/"}
)

// importRE finds the imports of a .proto file.
var importRE = regexp.MustCompile(`(?m)^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"`)

// loadTree reads the benchRoots of a release and the files they import
// into memory, then leaves out any file that does not compile in that
// release, so both sides are one compilable import root.
func loadTree(tb testing.TB, version string, roots []string) fstest.MapFS {
	dir := filepath.Join(benchRoot, version)
	if _, err := os.Stat(filepath.Join(dir, "google")); err != nil {
		tb.Skipf("benchmark data absent: run scripts/fetch-proto-bench.sh (make fetch-bench-data) to fetch google-proto-files %s and %s into testdata/external/", benchOld, benchNew)
	}
	m := fstest.MapFS{}
	var queue []string
	for _, root := range roots {
		err := filepath.WalkDir(filepath.Join(dir, root), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".proto") {
				queue = append(queue, filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator))))
			}
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	for len(queue) > 0 {
		rel := queue[0]
		queue = queue[1:]
		if m[rel] != nil || strings.HasPrefix(rel, "google/protobuf/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			continue // a missing import: the compile below reports it
		}
		m[rel] = &fstest.MapFile{Data: b}
		for _, sub := range importRE.FindAllSubmatch(b, -1) {
			queue = append(queue, string(sub[1]))
		}
	}
	for tries := 0; tries < 200; tries++ {
		_, err := protoschema.Compile(context.Background(), m, protoschema.Options{})
		if err == nil {
			return m
		}
		var ie *compat.InputError
		if !errors.As(err, &ie) || m[ie.Location.File] == nil {
			tb.Fatalf("%s: %v", version, err)
		}
		tb.Logf("%s: leaving out %s: %v", version, ie.Location.File, err)
		delete(m, ie.Location.File)
	}
	tb.Fatalf("%s: too many files do not compile", version)
	return nil
}

// BenchmarkGoogleAPIs compiles both releases and diffs them, the way
// `contracts diff` does; the sub-benchmarks time the two steps apart.
func BenchmarkGoogleAPIs(b *testing.B) {
	benchmarkTree(b, benchRoots)
}

// BenchmarkGoogleAPIsWhole is BenchmarkGoogleAPIs over the whole tree. Run
// it alone (-bench GoogleAPIsWhole -benchtime 1x): peak-rss-MB is the
// process's peak resident memory so far.
func BenchmarkGoogleAPIsWhole(b *testing.B) {
	benchmarkTree(b, wholeRoots)
}

func benchmarkTree(b *testing.B, roots []string) {
	old, new := loadTree(b, benchOld, roots), loadTree(b, benchNew, roots)
	ctx := context.Background()
	b.Logf("%d files in %s, %d in %s", len(old), benchOld, len(new), benchNew)
	compile := func(b *testing.B) (*protoschema.Set, *protoschema.Set) {
		os, err := protoschema.Compile(ctx, old, protoschema.Options{Display: "old/"})
		if err != nil {
			b.Fatal(err)
		}
		ns, err := protoschema.Compile(ctx, new, protoschema.Options{Display: "new/"})
		if err != nil {
			b.Fatal(err)
		}
		return os, ns
	}
	b.Run("compile+diff", func(b *testing.B) {
		// CPU time says what the work costs when the machine is shared and
		// wall time is noisy; with idle cores, wall time is about CPU time
		// divided by the cores the compiler keeps busy.
		cpu0 := cpuTime()
		defer func() {
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MB")
		}()
		for i := 0; i < b.N; i++ {
			os, ns := compile(b)
			rep, err := Check(ctx, os, ns, Options{Level: compat.JSON})
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				b.Logf("%d findings, %d breaking", len(rep.Findings), rep.Count(compat.Breaking))
			}
		}
	})
	b.Run("diff", func(b *testing.B) {
		os, ns := compile(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := Check(ctx, os, ns, Options{Level: compat.JSON}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// peakRSS is the peak resident memory of the process so far, in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10 // kilobytes on Linux
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
