package main

import (
	"testing"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
)

// TestASEPScenarioCoversCatalog fails when the catalog declares an
// autostart location the ASEP scenario writes nothing to: a new
// declaration needs its Sysmon write (sysmon_asep.go), which
// tables/sysmonchain's TestASEPScenario then holds to its location id.
func TestASEPScenarioCoversCatalog(t *testing.T) {
	events, rows := asepEvents()
	exp := asepExpectation(events, rows)
	written := map[string]bool{}
	for _, r := range exp.Rows {
		if r.Role == "autorun" {
			written[r.Location] = true
		}
	}
	for _, d := range catalog.Docs() {
		if !written[d.ID] {
			t.Errorf("catalog location %s (%s) has no write in the ASEP scenario (internal/fixturegen/sysmon_asep.go)", d.ID, d.Key)
		}
	}
	// Every id the scenario names is a catalog location (a renamed id
	// would otherwise pass here and fail only in the chain test).
	ids := map[string]bool{}
	for _, l := range catalog.All {
		ids[l.ID] = true
	}
	for id := range written {
		if !ids[id] {
			t.Errorf("the ASEP scenario writes to %q, which the catalog does not declare", id)
		}
	}
}
