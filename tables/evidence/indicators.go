package evidence

import (
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/catalog"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// Indicator ids of image evidence; weights and descriptions are in
// tables/indicators with the rest.
const (
	UnsignedImage        = indicators.UnsignedImage
	OriginalNameMismatch = indicators.OriginalNameMismatch
	SignerMismatch       = indicators.SignerMismatch
	ImageMissing         = indicators.ImageMissing
)

// userWritable tells whether an unprivileged user can write to the folder
// of p (catalog.UserWritableFolders).
func userWritable(p string) bool {
	return catalog.InUserWritableFolder(strings.ToLower(strings.ReplaceAll(p, "/", `\`)))
}

// wellKnownSigners are autorun names every fleet has, and the organisation
// that signs them (the signing certificate's CN starts with it). Source:
// the vendors' own binaries as Autoruns shows them on Windows 10/11.
var wellKnownSigners = map[string]string{
	"onedrive.exe":                  "Microsoft",
	"teams.exe":                     "Microsoft",
	"ms-teams.exe":                  "Microsoft",
	"msedge.exe":                    "Microsoft",
	"securityhealthsystray.exe":     "Microsoft",
	"msascuil.exe":                  "Microsoft",
	"ctfmon.exe":                    "Microsoft",
	"skype.exe":                     "Skype",
	"googleupdate.exe":              "Google",
	"chrome.exe":                    "Google",
	"googledrivefs.exe":             "Google",
	"dropbox.exe":                   "Dropbox",
	"spotify.exe":                   "Spotify",
	"discord.exe":                   "Discord",
	"update.exe":                    "",
	"adobearm.exe":                  "Adobe",
	"acrotray.exe":                  "Adobe",
	"jusched.exe":                   "Oracle",
	"igfxtray.exe":                  "Intel",
	"rtkaudusservice64.exe":         "Realtek",
	"vmtoolsd.exe":                  "VMware",
	"zoom.exe":                      "Zoom",
	"slack.exe":                     "Slack",
	"steam.exe":                     "Valve",
	"epicgameslauncher.exe":         "Epic Games",
	"microsoftedgeupdate.exe":       "Microsoft",
	"securityhealthservice.exe":     "Microsoft",
	"windowsdefender.exe":           "Microsoft",
	"mpcmdrun.exe":                  "Microsoft",
	"onedrivestandaloneupdater.exe": "Microsoft",
}

// Hit is one indicator image evidence raises.
type Hit struct {
	ID     string
	Weight int
	Reason string
}

// Indicators judges the evidence of an autorun's image.
//   - image_missing: the file is known to be absent;
//   - unsigned_image: a PE without a valid signature (unsigned or invalid)
//     in a user-writable folder;
//   - original_name_mismatch: the version resource (CompanyName
//     Microsoft) names a Windows binary other than the file's own name (a
//     renamed cmd.exe), or a Windows binary's own name outside \Windows\
//     (a copied one);
//   - signer_mismatch: a well-known autorun name not signed by its vendor.
func Indicators(ev Evidence) []Hit {
	var hits []Hit
	if ev.Exists == ExistsNo {
		hits = append(hits, Hit{ImageMissing, indicators.Weight(ImageMissing), ev.Path + " does not exist"})
	}
	if ev.Exists != ExistsYes || ev.Script || ev.Signature == "" {
		return hits
	}
	base := strings.ToLower(baseName(ev.Path))
	untrusted := ev.Signature == Unsigned || ev.Signature == Invalid
	if untrusted && userWritable(ev.Path) {
		hits = append(hits, Hit{UnsignedImage, indicators.Weight(UnsignedImage), ev.Path + " is " + ev.Signature + " in a user-writable folder"})
	}
	orig := strings.ToLower(strings.TrimSuffix(ev.OriginalName, ".mui"))
	// Only Microsoft's own binaries count: Git ships its own curl.exe.
	windowsBinary := strings.HasPrefix(strings.ToLower(ev.Company), "microsoft")
	switch {
	case !windowsBinary:
	case orig != "" && catalog.RenamedSystemUtilities[orig] && orig != base:
		hits = append(hits, Hit{OriginalNameMismatch, indicators.Weight(OriginalNameMismatch), ev.Path + " is " + ev.OriginalName + " renamed"})
	case catalog.RenamedSystemUtilities[base] && orig == base && !strings.Contains(strings.ToLower(ev.Path), `\windows\`):
		hits = append(hits, Hit{OriginalNameMismatch, indicators.Weight(OriginalNameMismatch), ev.Path + " is a copy of a Windows binary outside \\Windows"})
	}
	// Windows' own files (SecurityHealthSystray.exe, ctfmon.exe) carry no
	// embedded signature: their catalog signs them, which only the live
	// source can ask. Unsigned under \Windows\ is not held against them.
	catalogOnly := ev.Signature == Unsigned && strings.Contains(strings.ToLower(ev.Path), `\windows\`)
	if vendor, ok := wellKnownSigners[base]; ok && !catalogOnly && ev.Signature != Unknown {
		signed := ev.Signature == Signed || ev.Signature == Catalog
		if !signed || !strings.HasPrefix(strings.ToLower(ev.Signer), strings.ToLower(vendor)) {
			hits = append(hits, Hit{SignerMismatch, indicators.Weight(SignerMismatch), base + " signed by " + quoteSigner(ev) + ", not " + vendor})
		}
	}
	return hits
}

func quoteSigner(ev Evidence) string {
	if ev.Signer == "" || ev.Signature != Signed && ev.Signature != Catalog {
		return "nobody (" + ev.Signature + ")"
	}
	return `"` + ev.Signer + `"`
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}
