package registry

import (
	"context"
	"time"
)

// Environment is a place versions are deployed to: production, staging, …
// Environments are created explicitly, so a command naming one the registry
// does not know (a typo) is bad input, never a silent yes.
type Environment struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// UnknownEnvironment is the error for a command naming an environment the
// registry does not know: EINVALID (exit 2), naming the nearest and the
// known ones.
func UnknownEnvironment(name string, known []Environment) *Error {
	names := make([]string, len(known))
	for i, e := range known {
		names[i] = e.Name
	}
	return Errorf(EINVALID, "unknown environment %q%s; create it with 'contracts environment create %s'",
		name, DidYouMean(name, names, "environments"), name)
}

// CheckEnvironment returns nil when the registry knows env, and the
// UnknownEnvironment error otherwise (or EINVALID for a name that is not
// one).
func CheckEnvironment(ctx context.Context, store Store, env string) error {
	if !ValidServiceName(env) {
		return Errorf(EINVALID, "environment %q is not a valid name: use lower-case letters, digits and '-'", env)
	}
	envs, err := store.Environments(ctx)
	if err != nil {
		return err
	}
	for _, e := range envs {
		if e.Name == env {
			return nil
		}
	}
	return UnknownEnvironment(env, envs)
}
