package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	osquery "github.com/osquery/osquery-go"

	"github.com/runkeyhunt/runkeyhunt/tables/host"
)

type serveOptions struct {
	socket          string
	timeout         time.Duration
	interval        time.Duration
	generateTimeout time.Duration // per table call; 0: none
	sources         *sourcePolicy // which offline sources a query may name
	// shareWindow is how long after a table call a following call of the
	// same source reuses its host (host.Cache.Idle; 0: only overlapping
	// calls share).
	shareWindow time.Duration
	logger      hclog.Logger
}

// extensionName is what osqueryd lists in osquery_extensions and what
// --extensions_require names.
const extensionName = "runkeyhunt"

// serve registers the tables with osqueryd and answers its calls until
// osqueryd goes away (its ping fails) or the process is told to stop.
func serve(ctx context.Context, opts serveOptions) error {
	server, err := connect(ctx, opts)
	if err != nil {
		return err
	}
	// One cache for both tables: osqueryd calls their generates one after
	// the other for a JOIN, and does not say they belong together.
	hosts := &host.Cache{Idle: opts.shareWindow}
	for _, t := range allTables(tableOptions{logger: opts.logger}) {
		server.RegisterPlugin(guard(t, opts.sources, hosts, ctx, opts.generateTimeout, opts.logger).OsqueryPlugin())
	}
	opts.logger.Info("extension starting", "socket", opts.socket, "version", version)
	done := make(chan error, 1)
	go func() { done <- server.Run() }()
	select {
	case <-ctx.Done():
		opts.logger.Info("signal received, shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.timeout)
		defer cancel()
		_ = server.Shutdown(shutdownCtx)
		return nil
	case err := <-done:
		// Run returns once osqueryd stops answering pings or asks us to
		// shut down: the normal end of an extension's life.
		opts.logger.Info("osqueryd went away, exiting", "reason", fmt.Sprint(err))
		return nil
	}
}

// connect waits up to the timeout for osqueryd's socket, since osqueryd may
// start extensions before its manager socket is ready.
func connect(ctx context.Context, opts serveOptions) (*osquery.ExtensionManagerServer, error) {
	deadline := time.Now().Add(opts.timeout)
	for {
		server, err := osquery.NewExtensionManagerServer(extensionName, opts.socket,
			osquery.ServerTimeout(opts.timeout),
			osquery.ServerPingInterval(opts.interval),
			osquery.ExtensionVersion(version))
		if err == nil {
			return server, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("connect to osqueryd at %s: %w", opts.socket, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
