//go:build !windows

package evidence

// LiveInspector is nil where there is no live Windows system.
func LiveInspector() ImageInspector { return nil }
