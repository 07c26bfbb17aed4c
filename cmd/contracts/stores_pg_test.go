package main

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/contractgate/contracts/registry/postgres/pgtest"
)

// TestPostgresConnectErrors: a registry that cannot be reached says why
// once, the cause first. pgx joins the error of every attempt (each address,
// TLS then plain under the default sslmode=prefer), which put "server
// refused TLS connection" before the real cause and repeated a refused
// connection.
func TestPostgresConnectErrors(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T, u string) string {
		t.Helper()
		_, err := (&globals{registry: u}).openStore(ctx)
		if err == nil {
			t.Fatalf("opening %s worked", u)
		}
		if got := exitCode(err); got != exitUnavailable {
			t.Errorf("exit status %d, want %d (registry unreachable)", got, exitUnavailable)
		}
		return err.Error()
	}

	t.Run("nothing listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // a port nothing listens on
		msg := open(t, "postgres://someone@"+addr+"/registry")
		want := "cannot connect to the PostgreSQL registry registry on 127.0.0.1:"
		if !strings.HasPrefix(msg, want) || !strings.Contains(msg, " as someone: dial error: ") {
			t.Errorf("the message does not start with where and why:\n%s", msg)
		}
		if n := strings.Count(msg, "connection refused"); n != 1 {
			t.Errorf("the message says connection refused %d times, want once:\n%s", n, msg)
		}
	})

	srv := pgtest.Shared(t)
	t.Run("the server refuses the role", func(t *testing.T) {
		u, err := url.Parse(srv.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("nosuchrole", "x")
		q := u.Query()
		q.Del("sslmode") // the default, prefer: TLS first, then plain
		u.RawQuery = q.Encode()
		msg := open(t, u.String())
		if !strings.HasPrefix(msg, "cannot connect to the PostgreSQL registry ") || !strings.Contains(msg, ` as nosuchrole: server error: FATAL: role "nosuchrole" does not exist`) {
			t.Errorf("the message does not give the server's answer first:\n%s", msg)
		}
		if strings.Contains(msg, "TLS") || strings.Contains(msg, "\n") {
			t.Errorf("the message still carries the TLS attempt or several lines:\n%s", msg)
		}
	})
}
