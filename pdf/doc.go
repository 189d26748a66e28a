// Package pdf prints the office's paper as PDF: the pad books of the
// one-time pads (PadBook) and the numbered copies of registered telegrams
// (TelegramCopy).
//
// The output is deterministic: the same input and options give the same
// bytes. The document's creation and modification dates are fixed (Options
// Date, or Epoch when it is zero), the catalogs are sorted, the document has
// no random ID, and content streams are left uncompressed unless Compress is
// set, so that the bytes depend on neither the clock nor the version of
// compress/flate.
//
// Text is set in Courier, one of the PDF core fonts, which a reader supplies
// and which holds the characters of Windows-1252. A document with any
// character outside that set (a Cyrillic station name or cover name, say) is
// set throughout in Go Mono instead, embedded as a subset, so that every
// character prints and the monospaced layout is kept.
//
// A pad book holds key material: the PDF carries every group of every
// unused page in clear. Treat its bytes, and any file or printer they go to,
// as the pad itself. The digits pass through the PDF library as strings,
// which cannot be wiped; call PadBook in a process that is trusted with the
// pad.
package pdf
