//go:build windows

package evidence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/runkeyhunt/runkeyhunt/tables/winfs"
)

// Live inspects images on the running system: read-only opens that never
// follow a link, WinVerifyTrust without revocation or network, the
// catalog database for Windows' own files, GetFileVersionInfo. Results
// are cached per path, size and mtime for the inspector's lifetime.
type Live struct {
	Cache   *Cache
	serials sync.Map // drive root -> volume serial, asked once
}

var _ ImageInspector = (*Live)(nil)

// NewLive returns a live inspector with its own cache.
func NewLive() *Live { return &Live{Cache: NewCache()} }

// imageLinks refuses image paths through links, as the ADS resolver
// does; a missing component is os.ErrNotExist.
var imageLinks = winfs.LinkCheck{Refused: ErrPathRefused, Missing: os.ErrNotExist}

// Inspect opens the image read-only and judges it.
func (l *Live) Inspect(ctx context.Context, target Target) (Evidence, error) {
	if target.Path == "" {
		return Evidence{}, nil
	}
	p, err := livePath(target.Path)
	if err != nil {
		return Evidence{Path: target.Path, Script: target.Script}, err
	}
	if err := imageLinks.Check(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Evidence{Path: target.Path, Script: target.Script, Exists: ExistsNo}, nil
		}
		return Evidence{Path: target.Path, Script: target.Script}, err
	}
	name, err := windows.UTF16PtrFromString(p)
	if err != nil {
		return Evidence{Path: target.Path}, fmt.Errorf("%w: %v", ErrPathRefused, err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_SEQUENTIAL_SCAN|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		if winfs.NotFound(err) {
			return Evidence{Path: target.Path, Script: target.Script, Exists: ExistsNo}, nil
		}
		return Evidence{Path: target.Path, Script: target.Script, Signature: Unknown}, fmt.Errorf("open %s: %w", p, err)
	}
	f := os.NewFile(uintptr(h), p)
	defer f.Close()
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		return Evidence{Path: target.Path, Signature: Unknown}, fmt.Errorf("stat %s: %w", p, err)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		return Evidence{Path: target.Path}, fmt.Errorf("%w: %s is a directory", ErrPathRefused, p)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		return Evidence{Path: target.Path}, fmt.Errorf("%w: %s is a reparse point", ErrPathRefused, p)
	}
	serial, err := l.volumeSerial(p[:3])
	if err != nil {
		return Evidence{Path: target.Path}, fmt.Errorf("volume of %s: %w", p, err)
	}
	if serial != info.VolumeSerialNumber {
		return Evidence{Path: target.Path}, fmt.Errorf("%w: %s resolves to another volume", ErrPathRefused, p)
	}
	size := int64(info.FileSizeHigh)<<32 | int64(info.FileSizeLow)
	key := CacheKey{Path: p, Script: target.Script, Size: size, ModTime: time.Unix(0, info.LastWriteTime.Nanoseconds())}
	if l.Cache != nil {
		if ev, ok := l.Cache.Get(key); ok {
			ev.Path = target.Path
			return ev, nil
		}
	}
	ev, err := inspectFile(ctx, sizedFile{f, size}, target)
	if err != nil {
		return ev, err
	}
	if !target.Script {
		l.verify(h, p, size, &ev)
		if orig, company, ok := fileVersionStrings(p); ok {
			ev.OriginalName, ev.Company = orig, company
		}
	}
	if l.Cache != nil {
		l.Cache.Put(key, ev)
	}
	return ev, nil
}

type sizedFile struct {
	*os.File
	size int64
}

func (s sizedFile) Size() (int64, error) { return s.size, nil }

// verify asks WinVerifyTrust about the embedded signature and, when there
// is none, the catalog database. The signer CN stays the one read from
// the embedded PKCS#7 (or the catalog file's).
func (l *Live) verify(h windows.Handle, path string, size int64, ev *Evidence) {
	if size > MaxHashed {
		ev.Signature = Unknown
		return
	}
	p16, _ := windows.UTF16PtrFromString(path)
	file := windows.WinTrustFileInfo{Size: uint32(unsafe.Sizeof(windows.WinTrustFileInfo{})), FilePath: p16, File: h}
	err := winVerifyTrust(windows.WTD_CHOICE_FILE, unsafe.Pointer(&file))
	switch {
	case err == nil:
		ev.Signature = Signed
	case errors.Is(err, windows.Errno(windows.TRUST_E_NOSIGNATURE)):
		ev.Signature = Unsigned
		if signer, ok := catalogSigned(h, path); ok {
			ev.Signature, ev.Signer = Catalog, signer
		}
	case errors.Is(err, windows.Errno(windows.TRUST_E_SUBJECT_FORM_UNKNOWN)), errors.Is(err, windows.Errno(windows.TRUST_E_PROVIDER_UNKNOWN)):
		ev.Signature = Unknown
	default:
		// A digest mismatch, an untrusted root, an expired or revoked-in-cache
		// certificate: a signature that does not hold.
		ev.Signature = Invalid
	}
}

// winVerifyTrust runs WINTRUST_ACTION_GENERIC_VERIFY_V2 with revocation
// off and URL retrieval from the cache only, so no network is touched.
func winVerifyTrust(choice uint32, info unsafe.Pointer) error {
	data := windows.WinTrustData{
		Size:                            uint32(unsafe.Sizeof(windows.WinTrustData{})),
		UIChoice:                        windows.WTD_UI_NONE,
		RevocationChecks:                windows.WTD_REVOKE_NONE,
		UnionChoice:                     choice,
		FileOrCatalogOrBlobOrSgnrOrCert: info,
		StateAction:                     windows.WTD_STATEACTION_VERIFY,
		ProvFlags:                       windows.WTD_CACHE_ONLY_URL_RETRIEVAL | windows.WTD_REVOCATION_CHECK_NONE,
	}
	err := windows.WinVerifyTrustEx(windows.InvalidHWND, &windows.WINTRUST_ACTION_GENERIC_VERIFY_V2, &data)
	data.StateAction = windows.WTD_STATEACTION_CLOSE
	windows.WinVerifyTrustEx(windows.InvalidHWND, &windows.WINTRUST_ACTION_GENERIC_VERIFY_V2, &data)
	return err
}

var (
	modwintrust                              = windows.NewLazySystemDLL("wintrust.dll")
	procCryptCATAdminAcquireContext          = modwintrust.NewProc("CryptCATAdminAcquireContext")
	procCryptCATAdminAcquireContext2         = modwintrust.NewProc("CryptCATAdminAcquireContext2")
	procCryptCATAdminCalcHashFromFileHandle  = modwintrust.NewProc("CryptCATAdminCalcHashFromFileHandle")
	procCryptCATAdminCalcHashFromFileHandle2 = modwintrust.NewProc("CryptCATAdminCalcHashFromFileHandle2")
	procCryptCATAdminEnumCatalogFromHash     = modwintrust.NewProc("CryptCATAdminEnumCatalogFromHash")
	procCryptCATCatalogInfoFromContext       = modwintrust.NewProc("CryptCATCatalogInfoFromContext")
	procCryptCATAdminReleaseCatalogContext   = modwintrust.NewProc("CryptCATAdminReleaseCatalogContext")
	procCryptCATAdminReleaseContext          = modwintrust.NewProc("CryptCATAdminReleaseContext")

	// DRIVER_ACTION_VERIFY (softpub.h): the catalog subsystem of Windows' files.
	driverActionVerify = windows.GUID{Data1: 0xF750E6C3, Data2: 0x38EE, Data3: 0x11d1, Data4: [8]byte{0x85, 0xE5, 0x00, 0xC0, 0x4F, 0xC2, 0x95, 0xEE}}
)

type catalogInfo struct {
	Size        uint32
	CatalogFile [windows.MAX_PATH]uint16
}

type wintrustCatalogInfo struct {
	Size               uint32
	CatalogVersion     uint32
	CatalogFilePath    *uint16
	MemberTag          *uint16
	MemberFilePath     *uint16
	MemberFile         windows.Handle
	CalculatedFileHash *byte
	CalculatedHashSize uint32
	CatalogContext     uintptr
	CatAdmin           windows.Handle
}

// catalogSigned looks the file's hash up in the system catalogs (SHA-256
// catalogs first, then SHA-1 ones) and verifies the catalog that lists it.
func catalogSigned(h windows.Handle, path string) (string, bool) {
	for _, sha256 := range []bool{true, false} {
		if signer, ok := catalogLookup(h, path, sha256); ok {
			return signer, true
		}
	}
	return "", false
}

func catalogLookup(h windows.Handle, path string, sha256 bool) (string, bool) {
	var admin windows.Handle
	var r uintptr
	if sha256 {
		if procCryptCATAdminAcquireContext2.Find() != nil || procCryptCATAdminCalcHashFromFileHandle2.Find() != nil {
			return "", false
		}
		alg, _ := windows.UTF16PtrFromString("SHA256")
		r, _, _ = procCryptCATAdminAcquireContext2.Call(uintptr(unsafe.Pointer(&admin)), uintptr(unsafe.Pointer(&driverActionVerify)), uintptr(unsafe.Pointer(alg)), 0, 0)
	} else {
		if procCryptCATAdminAcquireContext.Find() != nil {
			return "", false
		}
		r, _, _ = procCryptCATAdminAcquireContext.Call(uintptr(unsafe.Pointer(&admin)), uintptr(unsafe.Pointer(&driverActionVerify)), 0)
	}
	if r == 0 {
		return "", false
	}
	defer procCryptCATAdminReleaseContext.Call(uintptr(admin), 0)
	hash := make([]byte, 64)
	n := uint32(len(hash))
	if sha256 {
		r, _, _ = procCryptCATAdminCalcHashFromFileHandle2.Call(uintptr(admin), uintptr(h), uintptr(unsafe.Pointer(&n)), uintptr(unsafe.Pointer(&hash[0])), 0)
	} else {
		r, _, _ = procCryptCATAdminCalcHashFromFileHandle.Call(uintptr(h), uintptr(unsafe.Pointer(&n)), uintptr(unsafe.Pointer(&hash[0])), 0)
	}
	if r == 0 || n == 0 || n > uint32(len(hash)) {
		return "", false
	}
	hash = hash[:n]
	cat, _, _ := procCryptCATAdminEnumCatalogFromHash.Call(uintptr(admin), uintptr(unsafe.Pointer(&hash[0])), uintptr(n), 0, 0)
	if cat == 0 {
		return "", false
	}
	defer procCryptCATAdminReleaseCatalogContext.Call(uintptr(admin), cat, 0)
	ci := catalogInfo{Size: uint32(unsafe.Sizeof(catalogInfo{}))}
	if r, _, _ := procCryptCATCatalogInfoFromContext.Call(cat, uintptr(unsafe.Pointer(&ci)), 0); r == 0 {
		return "", false
	}
	tag, _ := windows.UTF16PtrFromString(strings.ToUpper(fmt.Sprintf("%x", hash)))
	p16, _ := windows.UTF16PtrFromString(path)
	info := wintrustCatalogInfo{
		Size:               uint32(unsafe.Sizeof(wintrustCatalogInfo{})),
		CatalogFilePath:    &ci.CatalogFile[0],
		MemberTag:          tag,
		MemberFilePath:     p16,
		MemberFile:         h,
		CalculatedFileHash: &hash[0],
		CalculatedHashSize: n,
		CatAdmin:           admin,
	}
	if winVerifyTrust(windows.WTD_CHOICE_CATALOG, unsafe.Pointer(&info)) != nil {
		return "", false
	}
	return catalogSigner(windows.UTF16ToString(ci.CatalogFile[:])), true
}

// catalogSigner reads the signer CN of a catalog file (a PKCS#7 whose
// content is a certificate trust list), at most maxCertTable bytes.
func catalogSigner(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, maxCertTable)
	n, _ := f.Read(buf)
	_, _, signer, _ := ParseSignature(buf[:n])
	return signer
}

// fileVersionStrings reads OriginalFilename and CompanyName with
// GetFileVersionInfo, in the first language the resource lists.
func fileVersionStrings(path string) (original, company string, ok bool) {
	size, err := windows.GetFileVersionInfoSize(path, nil)
	if err != nil || size == 0 || size > maxVersionInfo {
		return "", "", false
	}
	buf := make([]byte, size)
	if err := windows.GetFileVersionInfo(path, 0, size, unsafe.Pointer(&buf[0])); err != nil {
		return "", "", false
	}
	var trans unsafe.Pointer
	var n uint32
	if err := windows.VerQueryValue(unsafe.Pointer(&buf[0]), `\VarFileInfo\Translation`, unsafe.Pointer(&trans), &n); err != nil || n < 4 {
		return "", "", false
	}
	pair := unsafe.Slice((*uint16)(trans), 2)
	prefix := fmt.Sprintf(`\StringFileInfo\%04x%04x\`, pair[0], pair[1])
	query := func(name string) string {
		var v unsafe.Pointer
		var vn uint32
		if err := windows.VerQueryValue(unsafe.Pointer(&buf[0]), prefix+name, unsafe.Pointer(&v), &vn); err != nil || vn == 0 {
			return ""
		}
		return strings.TrimSpace(windows.UTF16ToString(unsafe.Slice((*uint16)(v), vn)))
	}
	return query("OriginalFilename"), query("CompanyName"), true
}

// volumeSerial asks each drive's serial once per inspector.
func (l *Live) volumeSerial(root string) (uint32, error) {
	root = strings.ToUpper(root)
	if v, ok := l.serials.Load(root); ok {
		return v.(uint32), nil
	}
	serial, err := winfs.VolumeSerial(root)
	if err == nil {
		l.serials.Store(root, serial)
	}
	return serial, err
}
