// Package packaging holds the release packaging of runkeyhunt: the MSI
// source (windows/), the nfpm config for deb and rpm (linux/), the osquery
// autoload and flagfile snippets, package.sh (make package) and test.sh
// (make package-test). The Go tests here pin the invariants that the
// packages and the snippets must keep in step; see README.md.
package packaging

// NOTICE lists the third-party modules the binary links, with their terms.
//go:generate go run ./notice -o ../NOTICE
