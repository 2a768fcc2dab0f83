package evidence

import (
	"reflect"
	"testing"
)

func TestIndicators(t *testing.T) {
	ms := "Microsoft Corporation"
	tests := []struct {
		name string
		ev   Evidence
		want []string
	}{
		{"missing", Evidence{Path: `C:\Users\a\AppData\x.exe`, Exists: ExistsNo}, []string{ImageMissing}},
		{"unknown existence says nothing", Evidence{Path: `C:\Users\a\AppData\x.exe`}, nil},
		{"unsigned in AppData", Evidence{Path: `C:\Users\a\AppData\Local\t\tool.exe`, Exists: ExistsYes, Signature: Unsigned}, []string{UnsignedImage}},
		{"invalid in ProgramData", Evidence{Path: `C:\ProgramData\t\tool.exe`, Exists: ExistsYes, Signature: Invalid}, []string{UnsignedImage}},
		{"unsigned in Program Files", Evidence{Path: `C:\Program Files\t\tool.exe`, Exists: ExistsYes, Signature: Unsigned}, nil},
		{"unsigned script", Evidence{Path: `C:\Users\Public\a.vbs`, Exists: ExistsYes, Script: true}, nil},
		{"renamed cmd.exe", Evidence{Path: `C:\Program Files\x\svchost32.exe`, Exists: ExistsYes, Signature: Signed, Signer: "Microsoft Windows", OriginalName: "Cmd.Exe", Company: ms}, []string{OriginalNameMismatch}},
		{"cmd.exe copied out of Windows", Evidence{Path: `C:\Users\Public\cmd.exe`, Exists: ExistsYes, Signature: Signed, Signer: "Microsoft Windows", OriginalName: "cmd.exe", Company: ms}, []string{OriginalNameMismatch}},
		{"Git's own curl.exe", Evidence{Path: `C:\Program Files\Git\mingw64\bin\curl.exe`, Exists: ExistsYes, Signature: Signed, Signer: "Johannes Schindelin", OriginalName: "curl.exe", Company: "curl, https://curl.se/"}, nil},
		{"a fake cmd.exe resource without Microsoft", Evidence{Path: `C:\Program Files\x\svc.exe`, Exists: ExistsYes, Signature: Signed, OriginalName: "cmd.exe", Company: "x"}, nil},
		{"cmd.exe at home", Evidence{Path: `C:\Windows\System32\cmd.exe`, Exists: ExistsYes, Signature: Catalog, Signer: "Microsoft Windows", OriginalName: "Cmd.Exe"}, nil},
		{"vendor's own name differs", Evidence{Path: `C:\Program Files\x\x64.exe`, Exists: ExistsYes, Signature: Signed, OriginalName: "x.exe"}, nil},
		{"OneDrive by Microsoft", Evidence{Path: `C:\Users\a\AppData\Local\Microsoft\OneDrive\OneDrive.exe`, Exists: ExistsYes, Signature: Signed, Signer: ms}, nil},
		{"OneDrive by someone else", Evidence{Path: `C:\Users\a\AppData\Local\Microsoft\OneDrive\OneDrive.exe`, Exists: ExistsYes, Signature: Signed, Signer: "Evil Ltd"}, []string{SignerMismatch}},
		{"OneDrive unsigned", Evidence{Path: `C:\Users\a\AppData\Local\Microsoft\OneDrive\onedrive.exe`, Exists: ExistsYes, Signature: Unsigned}, []string{UnsignedImage, SignerMismatch}},
		{"OneDrive invalid, signer name right", Evidence{Path: `C:\Program Files\Microsoft OneDrive\OneDrive.exe`, Exists: ExistsYes, Signature: Invalid, Signer: ms}, []string{SignerMismatch}},
		{"SecurityHealthSystray offline: catalog-signed, reads unsigned", Evidence{Path: `C:\Windows\System32\SecurityHealthSystray.exe`, Exists: ExistsYes, Signature: Unsigned}, nil},
		{"SecurityHealthSystray in AppData", Evidence{Path: `C:\Users\a\AppData\Roaming\SecurityHealthSystray.exe`, Exists: ExistsYes, Signature: Unsigned}, []string{UnsignedImage, SignerMismatch}},
		{"unreadable signature", Evidence{Path: `C:\Program Files\Microsoft OneDrive\OneDrive.exe`, Exists: ExistsYes, Signature: Unknown}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range Indicators(tt.ev) {
			got = append(got, h.ID)
			if h.Weight <= 0 || h.Reason == "" {
				t.Errorf("%s: %+v has no weight or reason", tt.name, h)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
