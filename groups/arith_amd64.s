//go:build amd64 && !purego

#include "textflag.h"

// The kernels of Add and Sub for amd64, with SSE2 (every amd64 processor
// has it): sixteen digits per instruction, 64 per iteration. For ASCII
// digits a and b, one byte each:
//
//	Add: s = a + b - 0x60 is the digit sum, 0..18; s - 10 wraps to 246..255
//	     below 10. The unsigned minimum of s and s - 10 is s mod 10.
//	Sub: d = a - b is -9..9, or 247..255 below 0; d + 10 wraps to 1..9
//	     there. The unsigned minimum of d and d + 10 is (a - b) mod 10.
//
// '0' is then added back. Every block is loaded before it is stored, so
// that dst may be a or b.

// func addVec(dst, a, b *byte, n int)
// n is a positive multiple of 64.
TEXT ·addVec(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ $0x6060606060606060, AX
	MOVQ AX, X12
	PUNPCKLQDQ X12, X12
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	MOVQ AX, X13
	PUNPCKLQDQ X13, X13
	MOVQ $0x3030303030303030, AX
	MOVQ AX, X14
	PUNPCKLQDQ X14, X14
	XORQ BX, BX

addLoop:
	MOVOU 0(SI)(BX*1), X0
	MOVOU 16(SI)(BX*1), X1
	MOVOU 32(SI)(BX*1), X2
	MOVOU 48(SI)(BX*1), X3
	MOVOU 0(DX)(BX*1), X4
	MOVOU 16(DX)(BX*1), X5
	MOVOU 32(DX)(BX*1), X6
	MOVOU 48(DX)(BX*1), X7
	PADDB X4, X0
	PADDB X5, X1
	PADDB X6, X2
	PADDB X7, X3
	PSUBB X12, X0
	PSUBB X12, X1
	PSUBB X12, X2
	PSUBB X12, X3
	MOVO X0, X4
	MOVO X1, X5
	MOVO X2, X6
	MOVO X3, X7
	PSUBB X13, X4
	PSUBB X13, X5
	PSUBB X13, X6
	PSUBB X13, X7
	PMINUB X4, X0
	PMINUB X5, X1
	PMINUB X6, X2
	PMINUB X7, X3
	PADDB X14, X0
	PADDB X14, X1
	PADDB X14, X2
	PADDB X14, X3
	MOVOU X0, 0(DI)(BX*1)
	MOVOU X1, 16(DI)(BX*1)
	MOVOU X2, 32(DI)(BX*1)
	MOVOU X3, 48(DI)(BX*1)
	ADDQ $64, BX
	CMPQ BX, CX
	JB addLoop
	RET

// func subVec(dst, a, b *byte, n int)
// n is a positive multiple of 64.
TEXT ·subVec(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	MOVQ AX, X13
	PUNPCKLQDQ X13, X13
	MOVQ $0x3030303030303030, AX
	MOVQ AX, X14
	PUNPCKLQDQ X14, X14
	XORQ BX, BX

subLoop:
	MOVOU 0(SI)(BX*1), X0
	MOVOU 16(SI)(BX*1), X1
	MOVOU 32(SI)(BX*1), X2
	MOVOU 48(SI)(BX*1), X3
	MOVOU 0(DX)(BX*1), X4
	MOVOU 16(DX)(BX*1), X5
	MOVOU 32(DX)(BX*1), X6
	MOVOU 48(DX)(BX*1), X7
	PSUBB X4, X0
	PSUBB X5, X1
	PSUBB X6, X2
	PSUBB X7, X3
	MOVO X0, X4
	MOVO X1, X5
	MOVO X2, X6
	MOVO X3, X7
	PADDB X13, X4
	PADDB X13, X5
	PADDB X13, X6
	PADDB X13, X7
	PMINUB X4, X0
	PMINUB X5, X1
	PMINUB X6, X2
	PMINUB X7, X3
	PADDB X14, X0
	PADDB X14, X1
	PADDB X14, X2
	PADDB X14, X3
	MOVOU X0, 0(DI)(BX*1)
	MOVOU X1, 16(DI)(BX*1)
	MOVOU X2, 32(DI)(BX*1)
	MOVOU X3, 48(DI)(BX*1)
	ADDQ $64, BX
	CMPQ BX, CX
	JB subLoop
	RET
