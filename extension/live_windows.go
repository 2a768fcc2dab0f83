//go:build windows

package main

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/osquery/osquery-go/plugin/table"

	"github.com/runkeyhunt/runkeyhunt/tables/autoruns"
	"github.com/runkeyhunt/runkeyhunt/tables/chain"
	"github.com/runkeyhunt/runkeyhunt/tables/registry"
	"github.com/runkeyhunt/runkeyhunt/tables/registry/live"
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmon/eventlog"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// liveRegistry and liveSysmon read the running system (SPEC §7 "Live").
var (
	liveRegistry runkeypayloads.LiveRegistry = openLiveRegistry
	liveSysmon   sysmonchain.LiveEvents      = liveSysmonChain
)

// openLiveRegistry opens the live registry for run_key_payloads. The
// LiveRegistry signature carries no warning sink, so the view's own skips
// (a hive that cannot be opened, a locked NTUSER.DAT) go to go-hclog's
// default logger; unreadable keys reach the table's logger through the
// scanner.
func openLiveRegistry() (registry.View, autoruns.Resolver, error) {
	log := hclog.L().Named("live")
	return live.New(func(err error) { log.Warn("run_key_payloads", "source", "live", "warning", err.Error()) }), live.Resolver{}, nil
}

// liveSysmonChain correlates the live Sysmon log. The payload locations the
// live registry's autorun commands name are targets too (SPEC §5: "present
// in the live registry").
func liveSysmonChain(ctx context.Context, qc table.QueryContext, window time.Duration, warn func(error)) ([]chain.Row, error) {
	scanner := autoruns.Scanner{View: live.New(warn), Warn: warn}
	rows, err := scanner.Scan(ctx)
	if err != nil {
		return nil, err
	}
	return eventlog.Live(ctx, qc, window, chain.AutorunTargets(rows), warn)
}
