package query

import "testing"

// Expected strings are what SQLite's "%!.15g" prints (sqlite3 CLI:
// SELECT CAST(x AS TEXT)), i.e. what osqueryi shows for a REAL.
func TestSQLiteReal(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0.0", 4.5: "4.5", 100: "100.0", 0.1: "0.1", 1e20: "1.0e+20", 1.5e-7: "1.5e-07",
		-2: "-2.0", 3.14159265358979: "3.14159265358979", 123456789012345: "123456789012345.0",
	} {
		if got := sqliteReal(f); got != want {
			t.Errorf("sqliteReal(%v) = %q, want %q", f, got, want)
		}
	}
}
