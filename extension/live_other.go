//go:build !windows

package main

import (
	"github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"
	"github.com/runkeyhunt/runkeyhunt/tables/sysmonchain"
)

// liveRegistry and liveSysmon are nil where there is no Windows registry: only offline
// input (the source column, --source) gives rows.
var (
	liveRegistry runkeypayloads.LiveRegistry
	liveSysmon   sysmonchain.LiveEvents
)
