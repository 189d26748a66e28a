package morse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// wavHeader is the 44-byte head of a 16-bit mono PCM RIFF/WAVE file: the
// RIFF chunk, its "fmt " chunk and the header of its "data" chunk.
type wavHeader struct {
	RIFF          [4]byte // "RIFF"
	RIFFSize      uint32  // bytes after this field: 36 + data
	WAVE          [4]byte // "WAVE"
	Fmt           [4]byte // "fmt "
	FmtSize       uint32  // 16 for PCM
	Format        uint16  // 1: integer PCM
	Channels      uint16  // 1
	SampleRate    uint32  // samples per second
	ByteRate      uint32  // SampleRate × BlockAlign
	BlockAlign    uint16  // bytes per frame: 2
	BitsPerSample uint16  // 16
	Data          [4]byte // "data"
	DataSize      uint32  // 2 × samples
}

const (
	formatPCM        = 1
	formatExtensible = 0xFFFE
)

// WriteWAVHeader writes the 44-byte header of a 16-bit mono PCM WAV file
// that will hold numSamples samples; the samples follow it little-endian
// (EncodePCM writes them so).
func WriteWAVHeader(w io.Writer, numSamples int64, sampleRate int) error {
	if numSamples < 0 || numSamples > MaxSamples {
		return fmt.Errorf("morse: %d samples: a WAV file holds 0 to %d", numSamples, MaxSamples)
	}
	if sampleRate < 1 || sampleRate > 1<<30 {
		return fmt.Errorf("morse: sample rate %d Hz out of range", sampleRate)
	}
	data := uint32(2 * numSamples)
	h := wavHeader{
		RIFF: [4]byte{'R', 'I', 'F', 'F'}, RIFFSize: 36 + data, WAVE: [4]byte{'W', 'A', 'V', 'E'},
		Fmt: [4]byte{'f', 'm', 't', ' '}, FmtSize: 16, Format: formatPCM, Channels: 1,
		SampleRate: uint32(sampleRate), ByteRate: uint32(2 * sampleRate), BlockAlign: 2, BitsPerSample: 16,
		Data: [4]byte{'d', 'a', 't', 'a'}, DataSize: data,
	}
	return binary.Write(w, binary.LittleEndian, &h)
}

// WriteWAV writes samples as a 16-bit mono PCM WAV file.
func WriteWAV(w io.Writer, samples []int16, sampleRate int) error {
	if err := WriteWAVHeader(w, int64(len(samples)), sampleRate); err != nil {
		return err
	}
	put := pcmWriter(w)
	for len(samples) > 0 {
		n := min(len(samples), chunk)
		if err := put(samples[:n]); err != nil {
			return err
		}
		samples = samples[n:]
	}
	return nil
}

// ErrNotWAV is returned by ReadWAV for input that is not a RIFF/WAVE file.
var ErrNotWAV = errors.New("morse: not a RIFF/WAVE file")

// ReadWAV reads a WAV file of 16-bit integer PCM (plain or
// WAVE_FORMAT_EXTENSIBLE) and returns its samples and sample rate. Of a
// file with several channels it returns the first. Chunks other than
// "fmt " and "data" are skipped; a data chunk shorter than its header says
// is an error, except that a size of 0xFFFFFFFF (a stream whose length was
// not known) reads to the end.
func ReadWAV(r io.Reader) (samples []int16, sampleRate int, err error) {
	var head [12]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, ErrNotWAV
		}
		return nil, 0, err
	}
	if string(head[0:4]) != "RIFF" || string(head[8:12]) != "WAVE" {
		return nil, 0, ErrNotWAV
	}
	var (
		haveFmt  bool
		channels int
	)
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, 0, errors.New("morse: WAV file has no data chunk")
			}
			return nil, 0, err
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, 0, fmt.Errorf("morse: WAV fmt chunk of %d bytes", size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, 0, fmt.Errorf("morse: WAV fmt chunk: %w", noEOF(err))
			}
			le := binary.LittleEndian
			format, bits := le.Uint16(b[0:]), le.Uint16(b[14:])
			channels, sampleRate = int(le.Uint16(b[2:])), int(le.Uint32(b[4:]))
			if format == formatExtensible && size >= 40 {
				format = le.Uint16(b[24:]) // the sub-format GUID starts with the format code
			}
			switch {
			case format != formatPCM:
				return nil, 0, fmt.Errorf("morse: WAV format %#x: only integer PCM is read", format)
			case bits != 16:
				return nil, 0, fmt.Errorf("morse: WAV of %d bits a sample: only 16 is read", bits)
			case channels < 1:
				return nil, 0, errors.New("morse: WAV with no channel")
			case sampleRate < 1:
				return nil, 0, errors.New("morse: WAV with a sample rate of 0")
			case int(le.Uint16(b[12:])) != 2*channels:
				return nil, 0, fmt.Errorf("morse: WAV block align %d, want %d", le.Uint16(b[12:]), 2*channels)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, 0, errors.New("morse: WAV data chunk before the fmt chunk")
			}
			// Read what is there rather than trust the size to allocate.
			var buf bytes.Buffer
			n, err := io.Copy(&buf, io.LimitReader(r, int64(size)))
			if err != nil {
				return nil, 0, err
			}
			if size != 0xFFFFFFFF && n < int64(size) {
				return nil, 0, fmt.Errorf("morse: WAV data chunk truncated: the header says %d bytes, the file has %d", size, n)
			}
			b := buf.Bytes()
			frame := 2 * channels
			samples = make([]int16, len(b)/frame)
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(b[i*frame:]))
			}
			return samples, sampleRate, nil
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size%2)); err != nil {
				return nil, 0, fmt.Errorf("morse: WAV chunk %q: %w", id, noEOF(err))
			}
		}
	}
}

// noEOF turns a premature end of input into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
