//go:build !windows

package host

// LiveSystem opens the running system; nil where there is no Windows
// registry or Sysmon log: only offline input gives rows.
var LiveSystem func(warn func(error)) (System, error)

func apiUnavailable(error) bool { return false }
