package payload

import (
	"slices"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/cmdline"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// maxProxyDepth bounds how many proxies deep a command is followed
// (cmd /c start forfiles /c "cmd /c ..." is four).
const maxProxyDepth = 4

// ImageIndicators scores what an autorun command runs rather than the
// script it carries: the image's folder and name, the value name it sits
// under, and, through the LOLBin proxies of catalog.Proxies, every command
// a proxy hands on, each split and scored the same way. data is the
// command as stored; env expands %VAR% (nil: unexpanded). The ids come back
// sorted, without duplicates; nil when nothing matches.
func ImageIndicators(valueName, data string, env map[string]string) []string {
	norm := cmdline.Normalize(data)
	return imageIndicators(valueName, cmdline.Lowered{Text: norm}, cmdline.Split(norm, env), env)
}

// CommandIndicators is everything an autorun command shows by itself: the
// TextIndicators of its text and the ImageIndicators of what it runs, with
// the command normalised once. Both tables score a value's data with it.
func CommandIndicators(valueName, data string, env map[string]string) []string {
	norm := cmdline.Normalize(data)
	return CommandIndicatorsSplit(valueName, data, norm, cmdline.Split(norm, env), env)
}

// CommandIndicatorsSplit is CommandIndicators for a caller that has
// normalised the data (norm is cmdline.Normalize(data)) and split that
// (normCmd is cmdline.Split(norm, env)) already.
func CommandIndicatorsSplit(valueName, data, norm string, normCmd cmdline.Command, env map[string]string) []string {
	return CommandIndicatorsLowered(valueName, cmdline.Lowered{Text: data}, cmdline.Lowered{Text: norm}, normCmd, env)
}

// CommandIndicatorsLowered is CommandIndicatorsSplit with the data and its
// normalised form lowered already (cmdline.Lower, cmdline.NormalizeLowered).
func CommandIndicatorsLowered(valueName string, data, norm cmdline.Lowered, normCmd cmdline.Command, env map[string]string) []string {
	ids := textIndicatorsOfLowered(data, norm)
	for _, id := range imageIndicators(valueName, norm, normCmd, env) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// imageIndicators is ImageIndicators on an already normalised line.
// cmd is cmdline.Split(line.Text, env); line.Lower its lowered copy, or "".
func imageIndicators(valueName string, line cmdline.Lowered, cmd cmdline.Command, env map[string]string) []string {
	set := indicators.Set{}
	if images, ok := catalog.KnownAutorunImages(valueName); ok && cmd.Image != "" && !slices.Contains(images, strings.ToLower(baseOf(cmd.Image))) {
		set.Add(indicators.AutorunNameMismatch)
	}
	// Script code handed to mshta/rundll32/regsvr32 is lolbin_script
	// already: one behaviour, one indicator.
	_, low := normalizeLowered(line)
	scriptProxy := matchLolbinScript(low, textLits.scan(low))
	budget := maxChainCommands
	scoreChain(set, cmd, env, scriptProxy, 0, &budget)
	if len(set) == 0 {
		return nil
	}
	return set.Sorted()
}

// maxInnerCommands bounds the commands one cmd line chains with & and |;
// maxChainCommands bounds the commands scored for one value in all, so
// nested chains cannot multiply the work.
const (
	maxInnerCommands = 8
	maxChainCommands = 32
)

// scoreChain scores a command and, through proxies, what it starts; cmd's
// inner line is cut at its unquoted &, && , || and | so every command it
// chains is scored.
func scoreChain(set indicators.Set, cmd cmdline.Command, env map[string]string, scriptProxy bool, depth int, budget *int) {
	if depth >= maxProxyDepth || cmd.Image == "" || *budget <= 0 {
		return
	}
	*budget--
	scoreImage(set, cmd, depth > 0)
	p, ok := catalog.ProxyFor(cmd.Image)
	if !ok {
		return
	}
	shape, inner, ok := p.Match(cmd.Args)
	if !ok {
		return
	}
	switch {
	case shape.WritableScript:
		if anyArgWritable(cmd.Args) {
			set.Add(indicators.LolbinProxy)
		}
	case !shape.Launcher && !scriptProxy:
		set.Add(indicators.LolbinProxy)
	}
	if !shape.Inner {
		return
	}
	next := innerCommand(p.Binary, cmd.Args[inner:])
	if next == "" {
		return
	}
	pieces := []string{next}
	if p.Binary == "cmd" {
		pieces = splitChain(next)
	}
	for _, piece := range pieces {
		if *budget <= 0 {
			return
		}
		scoreChain(set, cmdline.Split(piece, env), env, scriptProxy, depth+1, budget)
	}
}

// splitChain cuts a cmd line at &, &&, || and | outside double quotes.
func splitChain(line string) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(line) && len(out) < maxInnerCommands-1; i++ {
		switch c := line[i]; {
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == '&' || c == '|'):
			if piece := strings.TrimSpace(line[start:i]); piece != "" {
				out = append(out, piece)
			}
			if i+1 < len(line) && line[i+1] == c {
				i++
			}
			start = i + 1
		}
	}
	if piece := strings.TrimSpace(line[start:]); piece != "" {
		out = append(out, piece)
	}
	return out
}

// scoreImage adds the indicators of one image: folder, name, extension,
// rundll32's DLL. Inner images (started by a proxy) also count as
// user-writable images, which the caller adds for the outer image itself.
func scoreImage(set indicators.Set, cmd cmdline.Command, inner bool) {
	if !plausibleImage(cmd.Image) {
		return
	}
	dir, name := splitImage(cmd.Image)
	lname := strings.ToLower(name)
	if dir != "" {
		// Store packages (Windows 11's Notepad, Calculator) ship system
		// names under WindowsApps, which only the system can write.
		if folders, ok := catalog.SystemBinaries[lname]; ok && !slices.Contains(folders, dir) && !strings.HasPrefix(dir, `\program files\windowsapps\`) {
			set.Add(indicators.MasqueradingImage)
		}
		if stagingFolder(dir, lname) {
			set.Add(indicators.StagingFolderImage)
		}
		if inner && catalog.InUserWritableFolder(dir) {
			set.Add(indicators.UserWritableImage)
		}
	}
	if randomLooking(cmd.Image) {
		set.Add(indicators.RandomName)
	}
	if unusualExtension(dir, lname) {
		set.Add(indicators.UnusualExtension)
	}
	if lname == "rundll32.exe" || lname == "rundll32" {
		if unusualDLL(cmd.Args) {
			set.Add(indicators.Rundll32UnusualDLL)
		}
	}
	if lname == "control.exe" || lname == "control" {
		for _, a := range cmd.Args {
			if strings.HasSuffix(strings.ToLower(a), ".cpl") && strings.ContainsAny(a, `\/`) {
				set.Add(indicators.UnusualExtension)
				// The applet is the code that runs: its folder counts.
				adir, aname := splitImage(a)
				if stagingFolder(adir, strings.ToLower(aname)) {
					set.Add(indicators.StagingFolderImage)
				}
				if catalog.InUserWritableFolder(adir) {
					set.Add(indicators.UserWritableImage)
				}
			}
		}
	}
}

// normPath lower-cases a Windows path, uses backslashes, rewrites the
// Windows folder's other spellings and drops the drive (or \\?\ prefix).
func normPath(p string) string {
	l := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p), "/", `\`))
	l = strings.TrimPrefix(l, `\\?\`)
	l = strings.TrimPrefix(l, `\??\`)
	for _, eq := range catalog.SystemFolderEquivalents {
		if strings.HasPrefix(l, eq) {
			l = `c:\windows\` + l[len(eq):]
			break
		}
	}
	if strings.HasPrefix(l, "%") {
		v := strings.ReplaceAll(l, "%%", "%") // Sysmon doubles the percent signs
		if end := strings.IndexByte(v[1:], '%'); end >= 0 {
			if eq, ok := catalog.EnvFolderEquivalents[v[:end+2]+`\`]; ok && len(v) > end+2 && v[end+2] == '\\' {
				l = eq + v[end+3:]
			}
		}
	}
	if len(l) >= 2 && l[1] == ':' {
		l = l[2:]
	}
	l = strings.Replace(l, `\windows\sysnative\`, `\windows\system32\`, 1)
	return l
}

// splitImage returns the folder of an image (normalised by normPath,
// ending in a backslash; "" when the image has none) and its file name as
// written.
func splitImage(image string) (dir, name string) {
	i := strings.LastIndexAny(image, `\/`)
	if i < 0 {
		return "", image
	}
	return normPath(image[:i+1]), image[i+1:]
}

func baseOf(p string) string {
	_, name := splitImage(p)
	return name
}

func stagingFolder(dir, lname string) bool {
	for _, f := range catalog.StagingFolders {
		if f.Match(dir) {
			return true
		}
	}
	// Windows keeps only its own few binaries directly in C:\Windows.
	if dir == `\windows\` && !catalog.WindowsRootBinaries[lname] {
		return true
	}
	return false
}

func anyArgWritable(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "/") || strings.HasPrefix(a, "-") {
			continue
		}
		dir, _ := splitImage(a)
		if dir != "" && (catalog.InUserWritableFolder(dir) || stagingFolder(dir, "")) {
			return true
		}
	}
	return false
}

func unusualExtension(dir, lname string) bool {
	ext := extOf(lname)
	if ext == "" {
		return false
	}
	if slices.Contains(catalog.AutorunOnlyExtensions, ext) {
		// Windows' own .com tools (chcp, more, mode) live in System32.
		return !(ext == ".com" && (dir == "" || dir == `\windows\system32\` || dir == `\windows\syswow64\`))
	}
	if slices.Contains(catalog.ExecutableExtensions, ext) {
		stem := lname[:len(lname)-len(ext)]
		return slices.Contains(catalog.DecoyExtensions, extOf(stem))
	}
	return false
}

func extOf(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	return name[i:]
}

// unusualDLL reports rundll32 loading a DLL by bare name that Windows does
// not ship, or a DLL in a user-writable folder.
func unusualDLL(args []string) bool {
	if len(args) == 0 {
		return false
	}
	dll, _, _ := strings.Cut(args[0], ",")
	dll = strings.TrimSpace(dll)
	l := strings.ToLower(dll)
	if dll == "" || strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "vbscript:") {
		return false
	}
	dir, name := splitImage(dll)
	if dir == "" {
		return !catalog.SystemDLLs[strings.ToLower(name)]
	}
	return catalog.InUserWritableFolder(dir) || stagingFolder(dir, strings.ToLower(name))
}

// innerCommand rebuilds the command line a proxy hands on from its split
// arguments: a single argument is the command as cmd /c "..." passes it;
// several are joined, quoting those with spaces. Leading options of the
// launchers (start /min "title", conhost --headless --width) are dropped.
func innerCommand(proxy string, args []string) string {
	switch proxy {
	case "start":
		for len(args) > 0 && (args[0] == "" || strings.HasPrefix(args[0], "/")) {
			args = args[1:]
		}
	case "conhost", "explorer":
		for len(args) > 0 && (strings.HasPrefix(args[0], "--") || strings.HasPrefix(args[0], "/")) {
			args = args[1:]
		}
	}
	if len(args) == 0 {
		return ""
	}
	if len(args) == 1 {
		return args[0]
	}
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == 0 && strings.ContainsAny(a, " \t") {
			b.WriteString(`"` + a + `"`)
			continue
		}
		b.WriteString(a)
	}
	return b.String()
}

// randomLooking applies the character-statistics test to the file name's
// stem and every folder name of the image, as written.
func randomLooking(image string) bool {
	isSep := func(c byte) bool { return c == '\\' || c == '/' }
	end := len(image) // the end of the last name
	for end > 0 && isSep(image[end-1]) {
		end--
	}
	for i := 0; i < end; {
		for isSep(image[i]) {
			i++
		}
		j := i
		for j < end && !isSep(image[j]) {
			j++
		}
		part := image[i:j]
		i = j
		if j == end {
			if e := extOf(part); e != "" {
				part = part[:len(part)-len(e)]
			}
		}
		if strings.HasPrefix(part, "%") || strings.HasSuffix(part, ":") {
			continue // %VAR% left unexpanded, a drive
		}
		if randomWord(part) {
			return true
		}
	}
	return false
}

// randomWord splits s into runs of letters and digits and tests each: a
// generated name flips between upper case, lower case and digits at most
// characters (Xk3vQp9RtL2w, mNz7qTb), where words and CamelCase flip only
// at word boundaries; an all-lowercase run is random when it has almost no
// vowels. Hex strings (hashes, GUIDs) are left alone: installers use them.
func randomWord(s string) bool {
	return anyAlnumRun(s, func(run string) bool {
		if len(run) < 6 || isHex(run) {
			return false
		}
		flips := 0
		for i := 1; i < len(run); i++ {
			if charClass(run[i]) != charClass(run[i-1]) {
				flips++
			}
		}
		if flips >= 4 && flips*10 >= 6*(len(run)-1) {
			return true
		}
		// randomLower lowers each byte itself: no lowered copy of run.
		return singleCase(run) && randomLower(run)
	})
}

// randomLower: an all-letter run of 10 or more with under 10% vowels
// (glued vendor abbreviations such as msmpengsvc keep one vowel in ten).
func randomLower(s string) bool {
	return anyAlnumRun(s, func(run string) bool {
		if len(run) < 10 {
			return false
		}
		vowels, letters := 0, 0
		for i := 0; i < len(run); i++ {
			c := run[i] | 0x20
			if c < 'a' || c > 'z' {
				letters = -1
				break
			}
			letters++
			if strings.IndexByte("aeiouy", c) >= 0 {
				vowels++
			}
		}
		return letters > 0 && vowels*100 < letters*10
	})
}

// singleCase reports whether ASCII s has no upper-case letter or no
// lower-case one (s == strings.ToLower(s) || s == strings.ToUpper(s)).
func singleCase(s string) bool {
	upper, lower := false, false
	for i := 0; i < len(s); i++ {
		upper = upper || 'A' <= s[i] && s[i] <= 'Z'
		lower = lower || 'a' <= s[i] && s[i] <= 'z'
	}
	return !upper || !lower
}

// anyAlnumRun reports whether fn holds for a run of ASCII letters and
// digits of s, trying them in order (strings.FieldsFunc's fields, without
// the slice: every byte of a non-ASCII rune is a separator too).
func anyAlnumRun(s string, fn func(run string) bool) bool {
	isAlnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	for i := 0; i < len(s); {
		for i < len(s) && !isAlnum(s[i]) {
			i++
		}
		j := i
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		if j > i && fn(s[i:j]) {
			return true
		}
		i = j
	}
	return false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func charClass(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return 1
	case c >= 'a' && c <= 'z':
		return 2
	}
	return 3
}

// plausibleImage rejects what Split returns for a value that is not a
// command (script code, an option): a path cannot start with '/' nor hold
// the characters Windows forbids in file names.
func plausibleImage(image string) bool {
	return image != "" && image[0] != '/' && !strings.ContainsAny(image, "*?\"<>|")
}
