package storage

import "context"

// Actor is who a request acts for, as the audit log records it: the web layer
// puts the signed-in user and the client's address into the request's
// context with WithActor, and every audit row written under that context
// carries them.
type Actor struct {
	// Name is the actor as the handlers pass it to storage methods (their
	// actor parameter), e.g. the user's email address.
	Name string
	// Role is the actor's role, e.g. "admin" or "staff".
	Role string
	// Addr is the client's address, e.g. "192.0.2.7".
	Addr string
}

// actorKey is the context key of the request's Actor.
type actorKey struct{}

// WithActor returns a copy of ctx carrying a. appendAudit reads it: a row
// without a role or source address takes a's address, and a's role when the
// row's actor is a (the actor parameter of a storage method wins for the
// name, and a row written for another actor, such as SystemActor, does not
// take a's role).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the Actor that WithActor put into ctx; ok is false when
// there is none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// fillFromActor fills ev's empty actor, role and source address from the
// context's Actor, as WithActor describes.
func fillFromActor(ctx context.Context, ev *AuditEvent) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return
	}
	if ev.Actor == "" {
		ev.Actor = a.Name
	}
	if ev.Role == "" && (a.Name == "" || a.Name == ev.Actor) {
		ev.Role = a.Role
	}
	if ev.Addr == "" {
		ev.Addr = a.Addr
	}
}
