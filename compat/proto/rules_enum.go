package proto

func valueAdded(c *checker, p valuePair, e *emit) {
	if p.old == nil && p.oldEnum.Values().ByName(p.new.Name()) == nil {
		e.add("Enum value %s (number %d) was added.", e.element, p.new.Number())
	}
}

// valueGone reports whether the value's number is gone from NEW.
func valueGone(p valuePair) bool { return p.old != nil && p.new == nil && p.moved == nil }

func valueDeleted(c *checker, p valuePair, e *emit) {
	if valueGone(p) && !p.newEnum.ReservedRanges().Has(p.old.Number()) {
		e.add("Enum value %s (number %d) was deleted without reserving its number.", e.element, p.old.Number())
	}
}

func valueDeletedNameNotReserved(c *checker, p valuePair, e *emit) {
	if valueGone(p) && p.newEnum.ReservedRanges().Has(p.old.Number()) && !p.newEnum.ReservedNames().Has(p.old.Name()) {
		e.add("Enum value %s was deleted with number %d reserved but not its name, so the JSON name may come back with another meaning.", e.element, p.old.Number())
	}
}

func valueDeletedReserved(c *checker, p valuePair, e *emit) {
	if valueGone(p) && p.newEnum.ReservedRanges().Has(p.old.Number()) && p.newEnum.ReservedNames().Has(p.old.Name()) {
		e.add("Enum value %s was deleted with its number and name reserved; the generated constant disappears.", e.element)
	}
}

func valueNumberChanged(c *checker, p valuePair, e *emit) {
	if p.old != nil && p.moved != nil {
		e.at(c.new.location(p.moved), "Enum value %s changed number from %d to %d.", e.element, p.old.Number(), p.moved.Number())
	}
}

func valueNameChanged(c *checker, p valuePair, e *emit) {
	if p.old != nil && p.new != nil && p.moved == nil && p.old.Name() != p.new.Name() {
		e.add("Enum value %s (number %d) was renamed to %s; JSON carries the name.", e.element, p.old.Number(), p.new.Name())
	}
}
