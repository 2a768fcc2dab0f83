package host

import (
	"context"
	"sync"
)

// scope shares hosts by source for as long as one query runs.
type scope struct {
	mu    sync.Mutex
	hosts map[string]*shared
}

// shared is one source's host, opened once: later openers wait for the
// first and get its host or its error.
type shared struct {
	once sync.Once
	host Host
	err  error
}

type scopeKey struct{}

// Scope returns a context in which Open shares one host per source (one
// `runkeyhunt query` statement: the tables of a JOIN read the source
// once), and the function that ends it. Hosts opened in it are dropped
// when it ends; nothing outlives the query. A source's host is opened with
// the Options of its first Open: the tables of one binary share one.
func Scope(ctx context.Context) (context.Context, func()) {
	s := &scope{hosts: map[string]*shared{}}
	return context.WithValue(ctx, scopeKey{}, s), func() {
		s.mu.Lock()
		s.hosts = nil
		s.mu.Unlock()
	}
}

func scopeOf(ctx context.Context) *scope {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}

// open returns the scope's host for source, opening it on first use. A
// failed open is not kept: a cancelled first caller must not fail the
// next one. After the scope ended, hosts are no longer shared.
func (s *scope) open(ctx context.Context, source string, o Options) (Host, error) {
	s.mu.Lock()
	if s.hosts == nil {
		s.mu.Unlock()
		return o.open(ctx, source)
	}
	sh := s.hosts[source]
	if sh == nil {
		sh = &shared{}
		s.hosts[source] = sh
	}
	s.mu.Unlock()
	sh.once.Do(func() { sh.host, sh.err = o.open(ctx, source) })
	if sh.err != nil {
		s.mu.Lock()
		if s.hosts != nil && s.hosts[source] == sh {
			delete(s.hosts, source)
		}
		s.mu.Unlock()
		return nil, sh.err
	}
	return sh.host, nil
}
