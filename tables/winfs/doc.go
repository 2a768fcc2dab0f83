// Package winfs holds the Windows file checks the live readers share:
// walking a path's components without following links (refusing
// symbolic links and name surrogates other than mount points), the
// not-found errors of the file APIs, and a volume's serial number, which
// tells a junction to another volume from the path's own. Its code is
// Windows-only; elsewhere the package is empty.
package winfs
