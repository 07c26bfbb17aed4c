package proto

func serviceAdded(c *checker, p servicePair, e *emit) {
	if p.old == nil && !inFileOnlyHere(c.old, p.new) {
		e.add("Service %s was added.", p.new.FullName())
	}
}

func serviceDeleted(c *checker, p servicePair, e *emit) {
	if p.new == nil {
		e.add("Service %s was deleted; every call to its methods by clients built from OLD fails.", p.old.FullName())
	}
}

func serviceRenamed(c *checker, p servicePair, e *emit) {
	if p.old != nil && p.new != nil && p.old.Name() != p.new.Name() {
		e.add("Service %s was renamed to %s, which changes the path of each of its methods.", p.old.FullName(), p.new.FullName())
	}
}

func servicePackageChanged(c *checker, p servicePair, e *emit) {
	if p.old != nil && p.new != nil && p.old.ParentFile().Package() != p.new.ParentFile().Package() {
		e.add("Service %s moved from package %s to %s as %s, which changes the path of each of its methods.", p.old.FullName(), p.old.ParentFile().Package(), p.new.ParentFile().Package(), p.new.FullName())
	}
}

func rpcAdded(c *checker, p methodPair, e *emit) {
	if p.old == nil {
		e.add("RPC %s was added.", p.new.FullName())
	}
}

func rpcDeleted(c *checker, p methodPair, e *emit) {
	if p.new == nil {
		e.add("RPC %s was deleted; calls from clients built from OLD fail with UNIMPLEMENTED.", p.old.FullName())
	}
}

func streaming(b bool) string {
	if b {
		return "a stream"
	}
	return "a single message"
}

func rpcClientStreamingChanged(c *checker, p methodPair, e *emit) {
	if p.old != nil && p.new != nil && p.old.IsStreamingClient() != p.new.IsStreamingClient() {
		e.add("RPC %s now takes %s as its request where it took %s.", p.old.FullName(), streaming(p.new.IsStreamingClient()), streaming(p.old.IsStreamingClient()))
	}
}

func rpcServerStreamingChanged(c *checker, p methodPair, e *emit) {
	if p.old != nil && p.new != nil && p.old.IsStreamingServer() != p.new.IsStreamingServer() {
		e.add("RPC %s now returns %s where it returned %s.", p.old.FullName(), streaming(p.new.IsStreamingServer()), streaming(p.old.IsStreamingServer()))
	}
}

func rpcRequestTypeChanged(c *checker, p methodPair, e *emit) {
	if p.old != nil && p.new != nil && p.old.Input().FullName() != p.new.Input().FullName() && !c.renamed(p.old.Input().FullName(), p.new.Input().FullName()) {
		e.add("RPC %s now takes %s instead of %s.", p.old.FullName(), p.new.Input().FullName(), p.old.Input().FullName())
	}
}

func rpcResponseTypeChanged(c *checker, p methodPair, e *emit) {
	if p.old != nil && p.new != nil && p.old.Output().FullName() != p.new.Output().FullName() && !c.renamed(p.old.Output().FullName(), p.new.Output().FullName()) {
		e.add("RPC %s now returns %s instead of %s.", p.old.FullName(), p.new.Output().FullName(), p.old.Output().FullName())
	}
}

func rpcRequestIncompatible(c *checker, p methodPair, e *emit) {
	if p.old == nil || p.new == nil || p.old.Input().FullName() == p.new.Input().FullName() {
		return
	}
	if why := c.firstBreak(pairKey{p.old.Input().FullName(), p.new.Input().FullName()}); why != "" {
		e.add("RPC %s takes %s where it took %s, which clients built from OLD encode differently: %s", p.old.FullName(), p.new.Input().FullName(), p.old.Input().FullName(), why)
	}
}

func rpcResponseIncompatible(c *checker, p methodPair, e *emit) {
	if p.old == nil || p.new == nil || p.old.Output().FullName() == p.new.Output().FullName() {
		return
	}
	if why := c.firstBreak(pairKey{p.old.Output().FullName(), p.new.Output().FullName()}); why != "" {
		e.add("RPC %s returns %s where it returned %s, which clients built from OLD decode differently: %s", p.old.FullName(), p.new.Output().FullName(), p.old.Output().FullName(), why)
	}
}
