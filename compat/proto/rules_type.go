package proto

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// goneParent reports whether d is nested in a message that side s no longer
// (or not yet) has: the parent's finding covers it.
func goneParent(s *side, d protoreflect.Descriptor) bool {
	parent, ok := d.Parent().(protoreflect.MessageDescriptor)
	if !ok {
		return false
	}
	_, has := s.messages[parent.FullName()]
	return !has
}

// freshPartners returns the structural partners whose names OLD does not
// have: the types o was renamed or moved to.
func freshPartners[D protoreflect.Descriptor](c *checker, partners []D, inOld func(protoreflect.FullName) bool) []string {
	var out []string
	for _, n := range partners {
		if !inOld(n.FullName()) {
			out = append(out, string(n.FullName()))
		}
	}
	return out
}

func (c *checker) oldHasMessage(n protoreflect.FullName) bool { _, ok := c.old.messages[n]; return ok }

// renamed reports whether the OLD type o was renamed to the NEW type n: o
// is gone under its name and paired with n, a name OLD lacks. MESSAGE_RENAMED
// or ENUM_RENAMED reports it once, for every field and RPC that names it.
func (c *checker) renamed(o, n protoreflect.FullName) bool {
	if o == n {
		return false
	}
	if _, ok := c.old.messages[o]; ok {
		_, still := c.new.messages[o]
		_, taken := c.old.messages[n]
		return !still && !taken && hasPartner(c.p.msgPartner[o], n)
	}
	if _, ok := c.old.enums[o]; ok {
		_, still := c.new.enums[o]
		_, taken := c.old.enums[n]
		return !still && !taken && hasPartner(c.p.enumPartner[o], n)
	}
	return false
}

func hasPartner[D protoreflect.Descriptor](partners []D, n protoreflect.FullName) bool {
	for _, d := range partners {
		if d.FullName() == n {
			return true
		}
	}
	return false
}

func (c *checker) oldHasEnum(n protoreflect.FullName) bool { _, ok := c.old.enums[n]; return ok }

func messageAdded(c *checker, p messagePair, e *emit) {
	if p.old == nil && !c.renamedTo[p.new.FullName()] && !goneParent(c.old, p.new) && !inFileOnlyHere(c.old, p.new) {
		e.add("Message %s was added.", p.new.FullName())
	}
}

func messageDeleted(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new != nil || goneParent(c.new, p.old) || inFileOnlyHere(c.new, p.old) {
		return
	}
	if len(freshPartners(c, p.partners, c.oldHasMessage)) == 0 {
		e.add("Message %s was deleted; code generated from OLD that names it no longer compiles.", p.old.FullName())
	}
}

func messageRenamed(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new != nil || goneParent(c.new, p.old) {
		return
	}
	if to := freshPartners(c, p.partners, c.oldHasMessage); len(to) > 0 && !packageMoveOnly(p.old, p.partners) {
		e.add("Message %s was renamed or moved to %s; generated code that names it breaks.", p.old.FullName(), strings.Join(to, " and "))
	}
}

// packageMoveOnly reports whether every partner of o is o itself under the
// new package of its file, at the same path: FILE_PACKAGE_CHANGED reports
// that rename, once for the file.
func packageMoveOnly[D protoreflect.Descriptor](o protoreflect.Descriptor, partners []D) bool {
	if len(partners) == 0 {
		return false
	}
	for _, n := range partners {
		of, nf := o.ParentFile(), n.ParentFile()
		if of.Path() != nf.Path() || of.Package() == nf.Package() || of.Package() == "" {
			return false
		}
		rel := strings.TrimPrefix(string(o.FullName()), string(of.Package())+".")
		want := rel
		if nf.Package() != "" {
			want = string(nf.Package()) + "." + rel
		}
		if string(n.FullName()) != want {
			return false
		}
	}
	return true
}

// moved reports a top-level declaration that changed files.
func moved(o, n protoreflect.Descriptor, kind string, e *emit) {
	if o == nil || n == nil || o.FullName() != n.FullName() {
		return
	}
	if _, top := o.Parent().(protoreflect.FileDescriptor); !top {
		return
	}
	if op, np := o.ParentFile().Path(), n.ParentFile().Path(); op != np {
		e.add("%s %s moved from file %s to %s.", kind, o.FullName(), op, np)
	}
}

func messageMoved(c *checker, p messagePair, e *emit) { moved(p.old, p.new, "Message", e) }
func enumMoved(c *checker, p enumPair, e *emit)       { moved(p.old, p.new, "Enum", e) }
func serviceMoved(c *checker, p servicePair, e *emit) {
	if p.old != nil && p.new != nil {
		moved(p.old, p.new, "Service", e)
	}
}

// maxRangeWalk bounds how many numbers of a reserved range are looked at
// one by one when no single NEW range covers it.
const maxRangeWalk = 4096

func messageReservedNumbers(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	or, nr := p.old.ReservedRanges(), p.new.ReservedRanges()
	for i := 0; i < or.Len(); i++ {
		r := or.Get(i) // [start, end)
		if covered(int64(r[0]), int64(r[1])-1, nr.Len(), func(j int) (int64, int64) {
			g := nr.Get(j)
			return int64(g[0]), int64(g[1]) - 1
		}) {
			continue
		}
		e.add("Message %s no longer reserves %s%s.", p.old.FullName(), numberRange(int64(r[0]), int64(r[1])-1),
			reuse(int64(r[0]), int64(r[1])-1, p.new.Fields().Len(), func(i int) (int64, string) {
				f := p.new.Fields().Get(i)
				return int64(f.Number()), "field " + string(f.Name())
			}))
	}
}

func enumReservedNumbers(c *checker, p enumPair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	or, nr := p.old.ReservedRanges(), p.new.ReservedRanges()
	for i := 0; i < or.Len(); i++ {
		r := or.Get(i) // [start, end]
		if covered(int64(r[0]), int64(r[1]), nr.Len(), func(j int) (int64, int64) {
			g := nr.Get(j)
			return int64(g[0]), int64(g[1])
		}) {
			continue
		}
		e.add("Enum %s no longer reserves %s%s.", p.old.FullName(), numberRange(int64(r[0]), int64(r[1])),
			reuse(int64(r[0]), int64(r[1]), p.new.Values().Len(), func(i int) (int64, string) {
				v := p.new.Values().Get(i)
				return int64(v.Number()), "value " + string(v.Name())
			}))
	}
}

// covered reports whether the inclusive range [lo, hi] is reserved by the
// n inclusive ranges get returns.
func covered(lo, hi int64, n int, get func(int) (int64, int64)) bool {
	for j := 0; j < n; j++ {
		if a, b := get(j); a <= lo && hi <= b {
			return true
		}
	}
	if hi-lo > maxRangeWalk {
		return false
	}
	for x := lo; x <= hi; x++ {
		in := false
		for j := 0; j < n && !in; j++ {
			a, b := get(j)
			in = a <= x && x <= b
		}
		if !in {
			return false
		}
	}
	return true
}

// reuse names the first of n NEW elements numbered within [lo, hi], as a
// clause, or returns "".
func reuse(lo, hi int64, n int, get func(int) (int64, string)) string {
	for i := 0; i < n; i++ {
		if num, what := get(i); lo <= num && num <= hi {
			return fmt.Sprintf(", and %s now uses %d", what, num)
		}
	}
	return ""
}

// numberRange spells an inclusive range for "no longer reserves …": a
// range that is only narrowed is not all reserved any more.
func numberRange(lo, hi int64) string {
	if lo == hi {
		return "number " + itoa(lo)
	}
	return "all of numbers " + itoa(lo) + " to " + itoa(hi)
}

func messageReservedNames(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	names := p.old.ReservedNames()
	for i := 0; i < names.Len(); i++ {
		if n := names.Get(i); !p.new.ReservedNames().Has(n) {
			e.add("Message %s no longer reserves the name %q.", p.old.FullName(), n)
		}
	}
}

func enumReservedNames(c *checker, p enumPair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	names := p.old.ReservedNames()
	for i := 0; i < names.Len(); i++ {
		if n := names.Get(i); !p.new.ReservedNames().Has(n) {
			e.add("Enum %s no longer reserves the name %q.", p.old.FullName(), n)
		}
	}
}

func enumAdded(c *checker, p enumPair, e *emit) {
	if p.old == nil && !c.renamedTo[p.new.FullName()] && !goneParent(c.old, p.new) && !inFileOnlyHere(c.old, p.new) {
		e.add("Enum %s was added.", p.new.FullName())
	}
}

func enumDeleted(c *checker, p enumPair, e *emit) {
	if p.old == nil || p.new != nil || goneParent(c.new, p.old) || inFileOnlyHere(c.new, p.old) {
		return
	}
	if len(freshPartners(c, p.partners, c.oldHasEnum)) == 0 {
		e.add("Enum %s was deleted; code generated from OLD that names it no longer compiles.", p.old.FullName())
	}
}

func enumRenamed(c *checker, p enumPair, e *emit) {
	if p.old == nil || p.new != nil || goneParent(c.new, p.old) {
		return
	}
	if to := freshPartners(c, p.partners, c.oldHasEnum); len(to) > 0 && !packageMoveOnly(p.old, p.partners) {
		e.add("Enum %s was renamed or moved to %s, paired through the fields that use it; generated code that names it breaks.", p.old.FullName(), strings.Join(to, " and "))
	}
}

func enumClosed(c *checker, p enumPair, e *emit) {
	if p.old == nil || p.new == nil || c.opts.Flow == FlowNewWritesOldReads {
		return
	}
	if !p.old.IsClosed() && p.new.IsClosed() {
		e.add("Enum %s became closed: readers built from NEW set aside values they do not know, which readers built from OLD kept.", p.old.FullName())
	}
}

func oneofRenamed(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	oos := p.old.Oneofs()
	for i := 0; i < oos.Len(); i++ {
		oo := oos.Get(i)
		if oo.IsSynthetic() {
			continue
		}
		// The NEW oneof holding every member still present, if one does.
		var no protoreflect.OneofDescriptor
		same := true
		for j := 0; j < oo.Fields().Len() && same; j++ {
			nf := p.new.Fields().ByNumber(oo.Fields().Get(j).Number())
			if nf == nil {
				continue
			}
			switch o := realOneof(nf); {
			case o == nil:
				same = false
			case no == nil:
				no = o
			default:
				same = o == no
			}
		}
		if same && no != nil && no.Name() != oo.Name() && p.old.Oneofs().ByName(no.Name()) == nil && !mergedInto(no, oo, p.old) {
			e.on(string(oo.FullName())).at(c.new.location(no), "Oneof %s of %s was renamed to %s.", oo.Name(), p.old.FullName(), no.Name())
		}
	}
}

// mergedInto reports whether the NEW oneof no also holds fields that OLD
// had outside its oneof oo: a merge (FIELD_ONEOF_CHANGED), not a rename.
func mergedInto(no, oo protoreflect.OneofDescriptor, old protoreflect.MessageDescriptor) bool {
	for i := 0; i < no.Fields().Len(); i++ {
		if of := old.Fields().ByNumber(no.Fields().Get(i).Number()); of != nil && of.ContainingOneof() != oo {
			return true
		}
	}
	return false
}

func extensionRangeRemoved(c *checker, p messagePair, e *emit) {
	if p.old == nil || p.new == nil {
		return
	}
	or, nr := p.old.ExtensionRanges(), p.new.ExtensionRanges()
	for i := 0; i < or.Len(); i++ {
		r := or.Get(i) // [start, end)
		if !covered(int64(r[0]), int64(r[1])-1, nr.Len(), func(j int) (int64, int64) {
			g := nr.Get(j)
			return int64(g[0]), int64(g[1]) - 1
		}) {
			e.add("Message %s no longer accepts extensions in %s.", p.old.FullName(), numberRange(int64(r[0]), int64(r[1])-1))
		}
	}
}
