//go:build !windows

package main

import "github.com/runkeyhunt/runkeyhunt/tables/runkeypayloads"

// liveRegistry is nil where there is no Windows registry: only offline
// input (the source column, --source) gives rows.
var liveRegistry runkeypayloads.LiveRegistry
