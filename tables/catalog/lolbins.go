package catalog

import "strings"

// Proxy is a Windows binary that runs or fetches code for its caller
// (a LOLBin), with the argument shapes under which it does.
type Proxy struct {
	Binary string // file name without .exe, lower-case
	Shapes []Shape
	Source string // the LOLBAS project entry (or other public source)
}

// Shape is one way of calling a proxy.
type Shape struct {
	// Args are matched in order against the split arguments: an element
	// matches an argument that starts with it, or that contains it when it
	// names a DLL export (has a comma). `-` and `/` are interchangeable.
	// No elements: any non-empty argument list.
	Args []string
	// Inner: the arguments after the last matched element are a command the
	// proxy starts, to be split and scored in its own right.
	Inner bool
	// Launcher: the shape only starts another program (cmd /c, start,
	// explorer <path>); it adds no weight itself, its inner command does.
	Launcher bool
	// WritableScript: the shape matters only when an argument is a file in
	// a user-writable folder (cscript/wscript on a dropped script).
	WritableScript bool
}

func lolbas(name string) string {
	return "https://lolbas-project.github.io/lolbas/Binaries/" + name + "/"
}

// Proxies is the LOLBin table. Sources: the LOLBAS project entry named in
// each row (Execute, AWL bypass and Download use cases), Sigma's
// proc_creation_win_* rules for the same binaries.
var Proxies = []Proxy{
	{Binary: "pcalua", Source: lolbas("Pcalua"), Shapes: []Shape{{Args: []string{"-a"}, Inner: true}}},
	{Binary: "forfiles", Source: lolbas("Forfiles"), Shapes: []Shape{{Args: []string{"/c"}, Inner: true}}},
	{Binary: "cmstp", Source: lolbas("Cmstp"), Shapes: []Shape{{Args: []string{"/s"}}, {Args: []string{"/au"}}, {Args: []string{"/ni"}}}},
	{Binary: "msiexec", Source: lolbas("Msiexec"), Shapes: []Shape{
		{Args: []string{"/i", "http"}}, {Args: []string{"/package", "http"}}, {Args: []string{"/y"}}, {Args: []string{"/z"}}}},
	{Binary: "hh", Source: lolbas("Hh"), Shapes: []Shape{{Args: []string{"http"}}}},
	{Binary: "mshta", Source: lolbas("Mshta"), Shapes: []Shape{{}}},
	{Binary: "regsvr32", Source: lolbas("Regsvr32"), Shapes: []Shape{{Args: []string{"/i:"}}}},
	{Binary: "rundll32", Source: lolbas("Rundll32") + ", " + "https://lolbas-project.github.io/#/execute (Url.dll, Shell32.dll, Zipfldr.dll, Pcwutl.dll, Advpack.dll, Ieadvpack.dll, Setupapi.dll, Syssetup.dll, Shdocvw.dll, Ieframe.dll, Mshtml.dll)",
		Shapes: []Shape{
			{Args: []string{"javascript:"}}, {Args: []string{"vbscript:"}},
			{Args: []string{"url.dll,fileprotocolhandler"}, Inner: true}, {Args: []string{"url.dll,openurl"}, Inner: true},
			{Args: []string{"shell32.dll,shellexec_rundll"}, Inner: true}, {Args: []string{"shell32,shellexec_rundll"}, Inner: true},
			{Args: []string{"zipfldr.dll,routethecall"}, Inner: true}, {Args: []string{"pcwutl.dll,launchapplication"}, Inner: true},
			{Args: []string{"advpack.dll,registerocx"}, Inner: true}, {Args: []string{"advpack.dll,launchinfsection"}},
			{Args: []string{"ieadvpack.dll,launchinfsection"}}, {Args: []string{"setupapi.dll,installhinfsection"}},
			{Args: []string{"syssetup.dll,setupinfobjectinstallaction"}}, {Args: []string{"shdocvw.dll,openurl"}},
			{Args: []string{"ieframe.dll,openurl"}}, {Args: []string{"mshtml,runhtmlapplication"}},
			{Args: []string{"mshtml.dll,runhtmlapplication"}}, {Args: []string{"dfshim.dll,shopenverbapplication"}},
		}},
	{Binary: "wmic", Source: lolbas("Wmic"), Shapes: []Shape{
		{Args: []string{"process", "call", "create"}, Inner: true}, {Args: []string{"/format:http"}}}},
	{Binary: "bitsadmin", Source: lolbas("Bitsadmin"), Shapes: []Shape{
		{Args: []string{"/transfer"}}, {Args: []string{"/addfile"}}, {Args: []string{"/setnotifycmdline"}}, {Args: []string{"/create"}}}},
	{Binary: "certutil", Source: lolbas("Certutil"), Shapes: []Shape{
		{Args: []string{"-urlcache"}}, {Args: []string{"-verifyctl"}}, {Args: []string{"-decode"}}, {Args: []string{"-decodehex"}}}},
	{Binary: "msbuild", Source: lolbas("Msbuild"), Shapes: []Shape{{}}},
	{Binary: "installutil", Source: lolbas("Installutil"), Shapes: []Shape{{}}},
	{Binary: "regasm", Source: lolbas("Regasm"), Shapes: []Shape{{}}},
	{Binary: "regsvcs", Source: lolbas("Regsvcs"), Shapes: []Shape{{}}},
	{Binary: "odbcconf", Source: lolbas("Odbcconf"), Shapes: []Shape{{Args: []string{"/a"}}, {Args: []string{"/f"}}}},
	{Binary: "ieexec", Source: lolbas("Ieexec"), Shapes: []Shape{{Args: []string{"http"}}}},
	{Binary: "scriptrunner", Source: lolbas("Scriptrunner"), Shapes: []Shape{{Args: []string{"-appvscript"}, Inner: true}}},
	{Binary: "syncappvpublishingserver", Source: lolbas("Syncappvpublishingserver"), Shapes: []Shape{{}}},
	{Binary: "mavinject", Source: lolbas("Mavinject"), Shapes: []Shape{{Args: []string{"/injectrunning"}}}},
	{Binary: "ftp", Source: lolbas("Ftp"), Shapes: []Shape{{Args: []string{"-s:"}}}},
	{Binary: "wsl", Source: lolbas("Wsl"), Shapes: []Shape{{Args: []string{"-e"}, Inner: true}}},
	{Binary: "curl", Source: "https://lolbas-project.github.io/lolbas/Binaries/Curl/", Shapes: []Shape{{Args: []string{"http"}}}},
	{Binary: "conhost", Source: lolbas("Conhost"), Shapes: []Shape{{Args: []string{"--headless"}, Inner: true}, {Launcher: true, Inner: true}}},
	{Binary: "cscript", Source: lolbas("Cscript"), Shapes: []Shape{{WritableScript: true}}},
	{Binary: "wscript", Source: lolbas("Wscript"), Shapes: []Shape{{WritableScript: true}}},
	{Binary: "explorer", Source: lolbas("Explorer"), Shapes: []Shape{{Launcher: true, Inner: true}}},
	// cmd's /c, /k, /r and its built-in start only hand their arguments on:
	// what they start is scored. Source: cmd /? and start /?.
	{Binary: "cmd", Source: "https://learn.microsoft.com/windows-server/administration/windows-commands/cmd", Shapes: []Shape{
		{Args: []string{"/c"}, Inner: true, Launcher: true}, {Args: []string{"/k"}, Inner: true, Launcher: true}, {Args: []string{"/r"}, Inner: true, Launcher: true}}},
	{Binary: "start", Source: "https://learn.microsoft.com/windows-server/administration/windows-commands/start", Shapes: []Shape{{Launcher: true, Inner: true}}},
}

var proxyByBinary = func() map[string]*Proxy {
	m := make(map[string]*Proxy, len(Proxies))
	for i := range Proxies {
		m[Proxies[i].Binary] = &Proxies[i]
	}
	return m
}()

// ProxyFor finds the proxy entry of an image (path or bare name, any case,
// with or without .exe).
func ProxyFor(image string) (*Proxy, bool) {
	name := strings.ToLower(image)
	if i := strings.LastIndexAny(name, `\/`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, ".exe")
	p, ok := proxyByBinary[name]
	return p, ok
}

// Match finds the first shape the arguments take. inner is the index of
// the first argument of the proxied command (len(args) when there is none),
// meaningful for shapes with Inner.
func (p *Proxy) Match(args []string) (shape Shape, inner int, ok bool) {
	for _, s := range p.Shapes {
		if len(s.Args) == 0 {
			if len(args) == 0 {
				continue
			}
			return s, 0, true
		}
		k := 0
		for i, a := range args {
			if argMatches(strings.ToLower(a), s.Args[k]) {
				k++
				if k == len(s.Args) {
					return s, i + 1, true
				}
			}
		}
	}
	return Shape{}, 0, false
}

func argMatches(arg, want string) bool {
	if strings.HasPrefix(want, "-") || strings.HasPrefix(want, "/") {
		if strings.HasPrefix(arg, "-") || strings.HasPrefix(arg, "/") {
			return strings.HasPrefix(arg[1:], want[1:]) && (len(arg) == len(want) || strings.HasSuffix(want, ":") || !isLetterByte(arg[len(want)]))
		}
		return false
	}
	if strings.Contains(want, ",") {
		return strings.Contains(arg, want)
	}
	return strings.HasPrefix(arg, want)
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' }
