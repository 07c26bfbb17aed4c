package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/postgres"
)

// openPostgres opens a PostgreSQL registry; its migrations run on open,
// under an advisory lock, so many processes may open it at once. Without
// create, a database with no registry schema is refused.
func openPostgres(ctx context.Context, url string, create bool) (registry.Store, error) {
	open := postgres.OpenExisting
	if create {
		open = postgres.Open
	}
	db, err := open(ctx, url)
	if err != nil {
		return nil, connectError(err)
	}
	db.Now = now
	return db, nil
}

// connectError says why a connection failed once, cause first. pgx tries
// every address the host resolves to, and under sslmode=prefer (the default)
// each first over TLS and then without, and joins the error of every
// attempt: "server refused TLS connection" came before the password or
// database problem that stopped it, and a refused connection was said once
// per attempt. The cause is what the server answered when it answered, else
// the last attempt's error; other distinct errors follow it.
func connectError(err error) error {
	var re *registry.Error
	var ce *pgconn.ConnectError
	if !errors.As(err, &re) || !errors.As(err, &ce) {
		return err
	}
	var attempts []error
	switch inner := errors.Unwrap(ce).(type) {
	case interface{ Unwrap() []error }:
		attempts = inner.Unwrap()
	case nil:
		return err
	default:
		attempts = []error{inner}
	}
	cause := -1
	for i, a := range attempts {
		var pe *pgconn.PgError
		if errors.As(a, &pe) {
			cause = i
			break
		}
	}
	if cause < 0 {
		cause = len(attempts) - 1
	}
	msg := attemptMessage(attempts[cause])
	seen := map[string]bool{msg: true}
	var others []string
	for _, a := range attempts {
		m := attemptMessage(a)
		if seen[m] || strings.Contains(m, "server refused TLS connection") {
			continue
		}
		seen[m] = true
		others = append(others, m)
	}
	cfg := ce.Config
	text := fmt.Sprintf("cannot connect to the PostgreSQL registry %s on %s:%d as %s: %s", cfg.Database, cfg.Host, cfg.Port, cfg.User, msg)
	if len(others) > 0 {
		text += " (other attempts: " + strings.Join(others, "; ") + ")"
	}
	return &registry.Error{Code: re.Code, Message: text, Err: err}
}

// attemptMessage is one connection attempt's error without the address
// pgx puts in front of it (the message names the host once).
func attemptMessage(err error) string {
	if inner := errors.Unwrap(err); inner != nil {
		return inner.Error()
	}
	return err.Error()
}
