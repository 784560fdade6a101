package plots

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sync"
)

// writePNG writes img as a PNG file at zlib's fastest level, as
// png.Encoder would but with a cheaper choice of each row's filter (the
// pixels are the same; the bytes are not).
//
// png.Encoder tries the five PNG filters on every row and keeps the one
// whose bytes sum smallest: on a run's six figures, half of the encoding's
// time (~45 ms of ~80 ms on the project's VM). A figure is mostly flat
// colour, which zlib compresses as well unfiltered: writePNG writes each
// row unfiltered (filter None) unless it repeats the row above, which it
// writes as filter Up, all zeros. The files come out ~1% smaller, in less
// than half the time.
//
// An image with transparent pixels (a figure's are all opaque) is left to
// png.Encoder, which writes it with an alpha channel.
func writePNG(w io.Writer, img *image.RGBA) error {
	if !img.Opaque() {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		return enc.Encode(w, img)
	}
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	var idat bytes.Buffer
	z := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(z)
	z.Reset(&idat)
	row := make([]byte, 1+3*width) // filter type, then R, G, B of each pixel
	up := make([]byte, 1+3*width)
	up[0] = pngFilterUp // and zeros: no change from the row above
	var above []byte
	for y := b.Min.Y; y < b.Max.Y; y++ {
		pix := img.Pix[img.PixOffset(b.Min.X, y):][:4*width]
		if above != nil && bytes.Equal(pix, above) {
			z.Write(up)
		} else {
			row[0] = pngFilterNone
			for x := range width {
				copy(row[1+3*x:1+3*x+3], pix[4*x:4*x+3])
			}
			z.Write(row)
		}
		above = pix
	}
	if err := z.Close(); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8] = 8  // bits per sample
	ihdr[9] = 2  // colour type: RGB
	ihdr[10] = 0 // compression: zlib
	ihdr[11] = 0 // filter method: the five adaptive filters
	ihdr[12] = 0 // no interlace
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	for _, c := range []struct {
		typ  string
		data []byte
	}{{"IHDR", ihdr[:]}, {"IDAT", idat.Bytes()}, {"IEND", nil}} {
		if err := writeChunk(w, c.typ, c.data); err != nil {
			return err
		}
	}
	return nil
}

// The PNG row filters writePNG uses.
const (
	pngFilterNone = 0
	pngFilterUp   = 2
)

// zlibWriters keeps zlib writers for writePNG: one holds ~0.5 MB of tables
// and buffers, fresh pages the kernel would otherwise hand out for each
// figure.
var zlibWriters = sync.Pool{New: func() any {
	z, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // a valid level: no error
	return z
}}

// writeChunk writes one PNG chunk: length, type, data, and the CRC-32 of
// type and data.
func writeChunk(w io.Writer, typ string, data []byte) error {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, p := range [][]byte{head[:], data, tail[:]} {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
