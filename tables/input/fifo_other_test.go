//go:build !unix

package input

func mkfifo(string) {}
