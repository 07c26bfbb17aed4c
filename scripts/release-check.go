//go:build ignore

// release-check verifies the release binaries that scripts/release.sh wrote:
//
//	go run scripts/release-check.go DIR VERSION
//
// For every binary in DIR it checks that SHA256SUMS lists it with its hash
// (and lists nothing else), that Go's build information says it is the
// contracts command built for the GOOS/GOARCH its name says with
// CGO_ENABLED=0, and that main.version holds VERSION. The version is read
// out of the binary's symbol table and data (ELF, Mach-O or PE), so a binary
// for another platform is checked without running it; a binary for this
// platform is also run with --version. make test runs it on one
// cross-compiled target, make release on all of them.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/release-check.go DIR VERSION")
		os.Exit(2)
	}
	if err := check(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "release-check:", err)
		os.Exit(1)
	}
}

func check(dir, version string) error {
	sums, err := readSums(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return err
	}
	bins, err := filepath.Glob(filepath.Join(dir, "contracts-*"))
	if err != nil {
		return err
	}
	if len(bins) == 0 {
		return fmt.Errorf("no contracts-* binaries in %s", dir)
	}
	sort.Strings(bins)
	var problems []string
	for _, path := range bins {
		name := filepath.Base(path)
		want, listed := sums[name]
		delete(sums, name)
		if !listed {
			problems = append(problems, name+": not listed in SHA256SUMS")
			continue
		}
		if err := checkBinary(path, want, version); err != nil {
			problems = append(problems, name+": "+err.Error())
		}
	}
	for name := range sums {
		problems = append(problems, "SHA256SUMS lists "+name+", which is not in "+dir)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// readSums reads "HASH  NAME" lines (and the "HASH *NAME" binary-mode form).
func readSums(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		hash, name, ok := strings.Cut(sc.Text(), " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		if !ok || len(hash) != 64 || name == "" {
			return nil, fmt.Errorf("%s:%d: not a sha256sum line: %q", path, n, sc.Text())
		}
		sums[name] = hash
	}
	return sums, sc.Err()
}

func checkBinary(path, wantSum, version string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != wantSum {
		return fmt.Errorf("sha256 %s, SHA256SUMS says %s", got, wantSum)
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("no Go build information: %v", err)
	}
	if info.Path != "github.com/contractgate/contracts/cmd/contracts" {
		return fmt.Errorf("built from %s, not the contracts command", info.Path)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	target := settings["GOOS"] + "-" + settings["GOARCH"]
	if name := strings.TrimSuffix(filepath.Base(path), ".exe"); name != "contracts-"+target {
		return fmt.Errorf("built for %s/%s, which its name does not say", settings["GOOS"], settings["GOARCH"])
	}
	if settings["CGO_ENABLED"] != "0" {
		return fmt.Errorf("CGO_ENABLED=%q: a release binary must be static", settings["CGO_ENABLED"])
	}
	stamped, err := stampedVersion(path)
	if err != nil {
		return fmt.Errorf("reading main.version: %v", err)
	}
	if stamped != version {
		return fmt.Errorf("main.version is %q, want %q", stamped, version)
	}
	ran := ""
	if settings["GOOS"] == runtime.GOOS && settings["GOARCH"] == runtime.GOARCH {
		out, err := exec.Command(path, "--version").Output()
		if want := "contracts version " + version + "\n"; err != nil || string(out) != want {
			return fmt.Errorf("--version printed %q (%v), want %q", out, err, want)
		}
		ran = ", --version ok"
	}
	fmt.Printf("%s: %.1f MB, sha256 ok, %s/%s, CGO_ENABLED=0, version %s%s\n",
		filepath.Base(path), float64(len(b))/1e6, settings["GOOS"], settings["GOARCH"], stamped, ran)
	return nil
}

// image is a binary's loaded memory as its file describes it: where the
// symbol main.version is, and the regions that hold initialised data.
type image struct {
	order   binary.ByteOrder
	ptrSize int
	symbol  uint64 // address of main.version: a string header (data pointer, length)
	regions []region
}

type region struct {
	addr, size uint64
	data       io.ReaderAt
}

func (im *image) read(addr, n uint64) ([]byte, error) {
	for _, r := range im.regions {
		if addr >= r.addr && addr+n <= r.addr+r.size {
			buf := make([]byte, n)
			if _, err := r.data.ReadAt(buf, int64(addr-r.addr)); err != nil {
				return nil, err
			}
			return buf, nil
		}
	}
	return nil, fmt.Errorf("no initialised data at %#x", addr)
}

func (im *image) word(b []byte) uint64 {
	if im.ptrSize == 4 {
		return uint64(im.order.Uint32(b))
	}
	return im.order.Uint64(b)
}

// stampedVersion reads the string main.version holds.
func stampedVersion(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var im *image
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		im, err = elfImage(path)
	case bytes.HasPrefix(b, []byte("MZ")):
		im, err = peImage(path)
	default:
		im, err = machoImage(path)
	}
	if err != nil {
		return "", err
	}
	hdr, err := im.read(im.symbol, uint64(2*im.ptrSize))
	if err != nil {
		return "", err
	}
	ptr, n := im.word(hdr), im.word(hdr[im.ptrSize:])
	if n == 0 {
		return "", nil
	}
	s, err := im.read(ptr, n)
	return string(s), err
}

func elfImage(path string) (*image, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	im := &image{order: f.ByteOrder, ptrSize: 8}
	if f.Class == elf.ELFCLASS32 {
		im.ptrSize = 4
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("no symbol table (built with -s?): %v", err)
	}
	found := false
	for _, s := range syms {
		if s.Name == "main.version" {
			im.symbol, found = s.Value, true
		}
	}
	if !found {
		return nil, errors.New("no symbol main.version")
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Addr != 0 {
			im.regions = append(im.regions, region{s.Addr, s.Size, s})
		}
	}
	return im, nil
}

func machoImage(path string) (*image, error) {
	f, err := macho.Open(path)
	if err != nil {
		return nil, fmt.Errorf("neither ELF, PE nor Mach-O: %v", err)
	}
	im := &image{order: f.ByteOrder, ptrSize: 8}
	if f.Symtab == nil {
		return nil, errors.New("no symbol table (built with -s?)")
	}
	found := false
	for _, s := range f.Symtab.Syms {
		if s.Name == "main.version" || s.Name == "_main.version" {
			im.symbol, found = s.Value, true
		}
	}
	if !found {
		return nil, errors.New("no symbol main.version")
	}
	const zerofill = 0x1 // S_ZEROFILL: no file data
	for _, s := range f.Sections {
		if s.Flags&0xff != zerofill {
			im.regions = append(im.regions, region{s.Addr, s.Size, s})
		}
	}
	return im, nil
}

func peImage(path string) (*image, error) {
	f, err := pe.Open(path)
	if err != nil {
		return nil, err
	}
	im := &image{order: binary.LittleEndian, ptrSize: 8}
	var base uint64
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		base = oh.ImageBase
	case *pe.OptionalHeader32:
		base, im.ptrSize = uint64(oh.ImageBase), 4
	default:
		return nil, errors.New("no optional header")
	}
	found := false
	for _, s := range f.Symbols {
		if s.Name == "main.version" && s.SectionNumber > 0 && int(s.SectionNumber) <= len(f.Sections) {
			sec := f.Sections[s.SectionNumber-1]
			im.symbol, found = base+uint64(sec.VirtualAddress)+uint64(s.Value), true
		}
	}
	if !found {
		return nil, errors.New("no symbol main.version (built with -s?)")
	}
	for _, s := range f.Sections {
		im.regions = append(im.regions, region{base + uint64(s.VirtualAddress), uint64(min(s.VirtualSize, s.Size)), s})
	}
	return im, nil
}
