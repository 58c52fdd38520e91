package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/loopbrug/paspoort/internal/pg"
)

// Where the services under load keep their state: badger in the server's
// temporary folder (Store empty, one replica), or the PostgreSQL database
// of Store shared by Replicas replicas in this process, each with its own
// listener, TLS certificate and connection pool, as separate servers
// would have. A flow then moves between replicas (see the runs), so
// that what one replica wrote another must see.

// ErrReplicas reports replicas asked for without a shared store.
var ErrReplicas = errors.New("loadtest: more than one replica needs a shared store (postgres://…): badger is one process's")

// checkReplicas validates Store and Replicas and returns the number of
// replicas (at least 1).
func checkReplicas(store string, replicas int) (int, error) {
	switch {
	case replicas < 0 || replicas > 16:
		return 0, fmt.Errorf("loadtest: replicas must be 1 to 16")
	case replicas > 1 && store == "":
		return 0, ErrReplicas
	case store != "" && !pg.IsDSN(store):
		return 0, fmt.Errorf("%w: the store must be a postgres:// URL", pg.ErrBadDSN)
	}
	return max(replicas, 1), nil
}

// openPool opens one replica's pool on the shared database: enough
// connections for every concurrent client to be served at once.
func openPool(ctx context.Context, dsn string, conc int) (*pg.DB, error) {
	return pg.Open(ctx, dsn, pg.Options{MaxConns: int32(min(conc+4, 64))})
}
