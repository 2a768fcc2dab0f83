//go:build windows

package evidence

var liveInspector = NewLive()

// LiveInspector is the running system's inspector, one per process so
// its cache lasts the extension's lifetime.
func LiveInspector() ImageInspector { return liveInspector }
