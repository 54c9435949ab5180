package blob

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Message ids of the reasons a whole-file check refuses a file (the
// errors Check and PutChecked return are KindInvalid with one of them).
const (
	MsgFileType       = "dossier.file_type" // not a type a dossier accepts
	MsgFileMismatch   = "upload.mismatch"   // the name says one type, the content another
	MsgFileMacro      = "upload.macro"      // macros or ActiveX in an Office file, scripts in a PDF
	MsgFileExecutable = "upload.executable" // a program inside, or something hidden after an image
)

// Bounds of the inspection of a ZIP container (an Office file): more parts
// or more unpacked bytes than a dossier paper could need is refused
// before anything is unpacked.
const (
	maxZipParts    = 5000
	maxZipUnpacked = 200 << 20
)

// Check inspects the stored blob whole (see PutChecked) and returns its
// MIME type, or a KindInvalid error whose message id says why it is
// refused. A sum not valid is a KindInvalid error without message, a
// blob not stored KindNotFound.
func (s *Store) Check(sum, name string) (string, error) {
	f, err := s.open("blob.Check", sum)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", domain.E("blob.Check", domain.KindInternal, err)
	}
	return check(f, fi.Size(), name)
}

// PutChecked is Put for a file a user sent for their dossier: the whole
// content is checked (Check) before it is kept, and a refused one is not
// kept at all. It returns the sum, the size and the MIME type.
func (s *Store) PutChecked(r io.Reader, max int64, name string) (sum string, size int64, mime string, err error) {
	sum, size, err = s.put(r, max, func(f *os.File, size int64) error {
		var cerr error
		mime, cerr = check(f, size, name)
		return cerr
	})
	return sum, size, mime, err
}

// check is the whole-file inspection: the type by content (as Sniff),
// the name's extension agreeing with it, and then by type:
//   - JPEG and PNG: nothing after the image's end that is another file (an
//     archive, a PDF, a program);
//   - PDF: no action that launches a program, no JavaScript;
//   - DOC and XLS: no VBA project (macros), no packaged file (Ole10Native);
//   - DOCX and XLSX: the parts listed by [Content_Types].xml declare no
//     macros or ActiveX; no vbaProject.bin, no program (by name or by its
//     first bytes) among the parts, no packaged file in an embedded object.
func check(f io.ReaderAt, size int64, name string) (string, error) {
	const op = "blob.check"
	refuse := func(id string) (string, error) { return "", domain.Invalid(op, id) }
	head := make([]byte, min(size, SniffLen))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return "", domain.E(op, domain.KindInternal, err)
	}
	var mime string
	if bytes.HasPrefix(head, magicZIP) {
		zr, err := zip.NewReader(f, size)
		if err != nil {
			return refuse(MsgFileType)
		}
		if id := inspectZip(zr); id != "" {
			return refuse(id)
		}
		var ok bool
		if mime, ok = sniffOOXML(zr); !ok {
			return refuse(MsgFileType)
		}
	} else {
		var ok bool
		if mime, ok = sniffHead(head, name); !ok {
			return refuse(MsgFileType)
		}
	}
	if e := ext(name); e != "" && family(e) != family(mime) {
		return refuse(MsgFileMismatch)
	}
	var id string
	var err error
	switch mime {
	case MIMEJPEG:
		id, err = imageTrailer(f, size, jpegEnd)
	case MIMEPNG:
		id, err = imageTrailer(f, size, pngEnd)
	case MIMEPDF:
		id, err = scan(f, size, map[string]string{"/Launch": MsgFileExecutable, "/JavaScript": MsgFileMacro})
	case MIMEDOC, MIMEXLS:
		id, err = scan(f, size, map[string]string{utf16("_VBA_PROJECT"): MsgFileMacro, utf16("Ole10Native"): MsgFileExecutable})
	}
	if err != nil {
		return "", domain.E(op, domain.KindInternal, err)
	}
	if id != "" {
		return refuse(id)
	}
	return mime, nil
}

// family groups the types a name may carry for a content: a PNG named
// .jpg is still a photo, a DOC named .docx still a Word file.
func family(s string) string {
	switch s {
	case ".jpg", ".jpeg", ".jpe", ".jfif", ".png", MIMEJPEG, MIMEPNG:
		return "image"
	case ".pdf", MIMEPDF:
		return "pdf"
	case ".doc", ".docx", MIMEDOC, MIMEDOCX:
		return "word"
	case ".xls", ".xlsx", MIMEXLS, MIMEXLSX:
		return "excel"
	}
	return "other:" + s
}

// programExts are the names of programs and scripts (and Office files
// with macros) that have no place inside a dossier paper.
var programExts = map[string]bool{
	".exe": true, ".dll": true, ".com": true, ".scr": true, ".pif": true, ".cpl": true, ".msi": true,
	".bat": true, ".cmd": true, ".ps1": true, ".vbs": true, ".vbe": true, ".js": true, ".jse": true,
	".wsf": true, ".wsh": true, ".hta": true, ".lnk": true, ".jar": true, ".apk": true, ".sh": true,
	".docm": true, ".dotm": true, ".xlsm": true, ".xltm": true, ".xlam": true, ".pptm": true,
}

// inspectZip looks at every part of an Office container; it returns the
// message id of a refusal, or "".
func inspectZip(zr *zip.Reader) string {
	if len(zr.File) > maxZipParts {
		return MsgFileType
	}
	var total uint64
	for _, f := range zr.File {
		if total += f.UncompressedSize64; total > maxZipUnpacked {
			return MsgFileType
		}
	}
	for _, f := range zr.File {
		lower := strings.ToLower(f.Name)
		base := lower[strings.LastIndex(lower, "/")+1:]
		switch {
		case base == "vbaproject.bin" || base == "vbadata.xml" || strings.Contains(lower, "activex/"):
			return MsgFileMacro
		case programExts[ext(base)]:
			return MsgFileExecutable
		}
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return MsgFileType
		}
		id, err := inspectPart(lower, rc)
		rc.Close()
		if err != nil {
			return MsgFileType // a part that does not unpack as declared
		}
		if id != "" {
			return id
		}
	}
	return ""
}

// inspectPart reads one part of a container: the content types (macro or
// ActiveX types), embedded objects (a packaged file or macros), and the
// first bytes of any part (a program).
func inspectPart(lower string, r io.Reader) (string, error) {
	first := make([]byte, 4)
	n, err := io.ReadFull(r, first)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	first = first[:n]
	if bytes.HasPrefix(first, []byte("MZ")) || bytes.HasPrefix(first, []byte("\x7fELF")) {
		return MsgFileExecutable, nil
	}
	whole := lower == "[content_types].xml" || strings.Contains(lower, "embeddings/")
	if !whole {
		return "", nil
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	data := append(first, rest...)
	if lower == "[content_types].xml" {
		t := bytes.ToLower(data)
		if bytes.Contains(t, []byte("macroenabled")) || bytes.Contains(t, []byte("vbaproject")) || bytes.Contains(t, []byte("activex")) {
			return MsgFileMacro, nil
		}
		return "", nil
	}
	switch {
	case bytes.Contains(data, []byte(utf16("Ole10Native"))):
		return MsgFileExecutable, nil
	case bytes.Contains(data, []byte(utf16("_VBA_PROJECT"))):
		return MsgFileMacro, nil
	}
	return "", nil
}

// scan reads the whole file once, looking for any of the needles; it
// returns the value of the first found.
func scan(f io.ReaderAt, size int64, needles map[string]string) (string, error) {
	longest := 0
	for n := range needles {
		longest = max(longest, len(n))
	}
	buf := make([]byte, 256<<10)
	carry := 0
	for off := int64(0); off < size; {
		k, err := f.ReadAt(buf[carry:], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		if k == 0 {
			break
		}
		off += int64(k)
		data := buf[:carry+k]
		for n, id := range needles {
			if bytes.Contains(data, []byte(n)) {
				return id, nil
			}
		}
		carry = copy(buf, data[max(len(data)-longest+1, 0):])
	}
	return "", nil
}

// utf16 is s in UTF-16LE, as compound files name their streams.
func utf16(s string) string {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return string(b)
}

// imageTrailer finds the end of the image (end) and refuses what follows
// it when that is another file: an archive, a PDF or a program hidden
// after a photo. Padding and camera trailers are let through. An image
// whose end cannot be found (cut short, or a structure not understood)
// is searched whole.
func imageTrailer(f io.ReaderAt, size int64, end func(io.ReaderAt, int64) (int64, bool)) (string, error) {
	at, ok := end(f, size)
	if !ok {
		at = 0
	}
	if at >= size {
		return "", nil
	}
	return scan(io.NewSectionReader(f, at, size-at), size-at, map[string]string{
		"PK\x03\x04": MsgFileExecutable, "PK\x05\x06": MsgFileExecutable, "%PDF-": MsgFileExecutable,
		"\x7fELF": MsgFileExecutable, "PE\x00\x00": MsgFileExecutable, "Rar!": MsgFileExecutable, "7z\xbc\xaf": MsgFileExecutable,
		"<script": MsgFileExecutable, "<?php": MsgFileExecutable,
	})
}

// pngEnd walks the chunks of a PNG to the end of IEND.
func pngEnd(f io.ReaderAt, size int64) (int64, bool) {
	off := int64(len(magicPNG))
	hdr := make([]byte, 8)
	for off+12 <= size {
		if _, err := f.ReadAt(hdr, off); err != nil {
			return 0, false
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		next := off + 12 + n
		if n > size || next > size {
			return 0, false
		}
		if string(hdr[4:8]) == "IEND" {
			return next, true
		}
		off = next
	}
	return 0, false
}

// jpegEnd walks the segments of a JPEG, and the entropy-coded data after
// each start of scan, to the end of the EOI marker.
func jpegEnd(f io.ReaderAt, size int64) (int64, bool) {
	r := bufReaderAt{f: f, size: size}
	off := int64(2) // after SOI
	for off+2 <= size {
		if r.at(off) != 0xff {
			return 0, false
		}
		m := r.at(off + 1)
		switch {
		case m == 0xff: // fill byte
			off++
			continue
		case m == 0xd9: // EOI
			return off + 2, true
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // no length
			off += 2
			continue
		}
		if off+4 > size {
			return 0, false
		}
		n := int64(r.at(off+2))<<8 | int64(r.at(off+3))
		off += 2 + n
		if n < 2 || off > size {
			return 0, false
		}
		if m != 0xda { // not SOS
			continue
		}
		// Entropy-coded data: ends at a marker other than a stuffed 0xff00
		// or a restart marker.
		for ; off+1 < size; off++ {
			if r.at(off) != 0xff {
				continue
			}
			if b := r.at(off + 1); b != 0x00 && !(b >= 0xd0 && b <= 0xd7) && b != 0xff {
				break
			}
		}
	}
	return 0, false
}

// bufReaderAt reads single bytes of a file through a buffer.
type bufReaderAt struct {
	f     io.ReaderAt
	size  int64
	buf   [32 << 10]byte
	start int64
	n     int
}

func (b *bufReaderAt) at(off int64) byte {
	if off < b.start || off >= b.start+int64(b.n) {
		b.start = off
		k, _ := b.f.ReadAt(b.buf[:], off)
		b.n = k
		if k == 0 {
			return 0
		}
	}
	return b.buf[off-b.start]
}
