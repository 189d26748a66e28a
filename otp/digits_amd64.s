//go:build amd64 && !purego

#include "textflag.h"

// The digit extraction of DigitReader.convert for amd64 with SSSE3: eight
// 10-bit chunks (two 5-byte blocks, ten bytes) at a time, one chunk a
// 16-bit lane. The result is the same digit stream as the portable code's;
// digits_test.go checks every chunk value in every lane against it.
//
//   - PSHUFB puts the two bytes that hold chunk j into lane j, big end
//     high; PMULLW by 1, 4, 16, 64 shifts each chunk to the top ten bits,
//     PSRLW by 6 brings it down: v in 0..1023.
//   - Chunks v > 999 are rejected (PCMPGTW).
//   - v/100 is the high half of v*656, r = v - 100(v/100), r/10 the high
//     half of r*6554; both exact for v < 1000 (checked exhaustively).
//   - Each lane becomes a 32-bit word of three ASCII digits and a zero.
//   - The words of the chunks kept are packed together with PSHUFB and a
//     mask chosen by which of four chunks were kept, and stored. That table
//     lookup, indexed by the rejection pattern, is the one memory access
//     that depends on the random bytes. It can tell only which chunks were
//     rejected, and the digits are independent of that: a kept chunk is
//     uniform on 0..999 whatever the others were. There is no branch on the
//     bytes but the one that stops on a broken source.
//   - The run of rejected chunks is carried from group to group; the call
//     stops after a group in which it reaches 64 (a broken source).
//
// The vector registers are cleared before returning.

// func convertVec(dst, src *byte, groups, run int) (digits, done, newRun, stuck int)
TEXT ·convertVec(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVQ run+24(FP), R8
	XORQ DX, DX
	XORQ R11, R11
	XORQ R12, R12
	TESTQ CX, CX
	JZ done
	MOVOU unpack<>(SB), X8
	MOVOU shift<>(SB), X9
	MOVOU c999<>(SB), X10
	MOVOU c656<>(SB), X11
	MOVOU c100<>(SB), X12
	MOVOU c6554<>(SB), X13
	MOVOU c10<>(SB), X14
	LEAQ compact<>(SB), R9
	LEAQ compactLen<>(SB), R10

loop:
	MOVQ (SI), X0
	PINSRW $4, 8(SI), X0
	PSHUFB X8, X0
	PMULLW X9, X0
	PSRLW $6, X0           // v
	MOVO X0, X1
	PCMPGTW X10, X1        // rejected lanes
	MOVO X0, X2
	PMULHUW X11, X2        // h = v/100
	MOVO X2, X3
	PMULLW X12, X3
	PSUBW X3, X0           // r = v - 100h
	MOVO X0, X3
	PMULHUW X13, X3        // t = r/10
	MOVO X3, X4
	PMULLW X14, X4
	PSUBW X4, X0           // u = r - 10t
	PSLLW $8, X3
	POR X3, X2             // h | t<<8
	MOVO X2, X5
	PUNPCKLWL X0, X2       // lanes 0-3: h | t<<8 | u<<16
	PUNPCKHWL X0, X5       // lanes 4-7
	PADDB ascii<>(SB), X2
	PADDB ascii<>(SB), X5
	PACKSSWB X1, X1
	PMOVMSKB X1, AX
	NOTL AX
	ANDL $0xff, AX         // bit j: chunk j kept

	MOVL AX, BX
	ANDL $15, BX
	SHLQ $4, BX
	PSHUFB (R9)(BX*1), X2
	MOVOU X2, (DI)(DX*1)
	SHRQ $4, BX
	ADDQ (R10)(BX*8), DX
	MOVL AX, BX
	SHRL $4, BX
	SHLQ $4, BX
	PSHUFB (R9)(BX*1), X5
	MOVOU X5, (DI)(DX*1)
	SHRQ $4, BX
	ADDQ (R10)(BX*8), DX

	MOVL AX, BX
	ORL $0x100, BX
	BSFL BX, BX            // rejected chunks before the first kept one (8 if none)
	ADDQ R8, BX            // the run through them
	MOVL AX, R13
	SHLL $1, R13
	ORL $1, R13
	BSRL R13, R13          // 1 + the last kept chunk, 0 if none
	MOVQ $8, R8
	SUBQ R13, R8           // rejected chunks after the last kept one
	TESTL AX, AX
	CMOVQEQ BX, R8         // none kept: the run goes on
	ADDQ $10, SI
	INCQ R11
	CMPQ BX, $64
	JAE stuck
	DECQ CX
	JNZ loop
	JMP done

stuck:
	MOVQ $1, R12

done:
	PXOR X0, X0
	PXOR X1, X1
	PXOR X2, X2
	PXOR X3, X3
	PXOR X4, X4
	PXOR X5, X5
	MOVQ DX, digits+32(FP)
	MOVQ R11, done+40(FP)
	MOVQ R8, newRun+48(FP)
	MOVQ R12, stuck+56(FP)
	RET

// func cpuid1ECX() uint32
TEXT ·cpuid1ECX(SB), NOSPLIT, $0-4
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, ret+0(FP)
	RET

DATA unpack<>+0(SB)/8, $0x0304020301020001
DATA unpack<>+8(SB)/8, $0x0809070806070506
GLOBL unpack<>(SB), RODATA|NOPTR, $16

DATA shift<>+0(SB)/8, $0x0040001000040001
DATA shift<>+8(SB)/8, $0x0040001000040001
GLOBL shift<>(SB), RODATA|NOPTR, $16

DATA c999<>+0(SB)/8, $0x03e703e703e703e7
DATA c999<>+8(SB)/8, $0x03e703e703e703e7
GLOBL c999<>(SB), RODATA|NOPTR, $16

DATA c656<>+0(SB)/8, $0x0290029002900290
DATA c656<>+8(SB)/8, $0x0290029002900290
GLOBL c656<>(SB), RODATA|NOPTR, $16

DATA c100<>+0(SB)/8, $0x0064006400640064
DATA c100<>+8(SB)/8, $0x0064006400640064
GLOBL c100<>(SB), RODATA|NOPTR, $16

DATA c6554<>+0(SB)/8, $0x199a199a199a199a
DATA c6554<>+8(SB)/8, $0x199a199a199a199a
GLOBL c6554<>(SB), RODATA|NOPTR, $16

DATA c10<>+0(SB)/8, $0x000a000a000a000a
DATA c10<>+8(SB)/8, $0x000a000a000a000a
GLOBL c10<>(SB), RODATA|NOPTR, $16

DATA ascii<>+0(SB)/8, $0x0030303000303030
DATA ascii<>+8(SB)/8, $0x0030303000303030
GLOBL ascii<>(SB), RODATA|NOPTR, $16

// compact<> holds, for each pattern m of four chunks kept (bit j: chunk j),
// the PSHUFB mask that packs the three digits of each kept chunk's word,
// in order, and zeroes the rest; compactLen<> the digits that makes.
DATA compact<>+0(SB)/8, $0x8080808080808080
DATA compact<>+8(SB)/8, $0x8080808080808080
DATA compact<>+16(SB)/8, $0x8080808080020100
DATA compact<>+24(SB)/8, $0x8080808080808080
DATA compact<>+32(SB)/8, $0x8080808080060504
DATA compact<>+40(SB)/8, $0x8080808080808080
DATA compact<>+48(SB)/8, $0x8080060504020100
DATA compact<>+56(SB)/8, $0x8080808080808080
DATA compact<>+64(SB)/8, $0x80808080800a0908
DATA compact<>+72(SB)/8, $0x8080808080808080
DATA compact<>+80(SB)/8, $0x80800a0908020100
DATA compact<>+88(SB)/8, $0x8080808080808080
DATA compact<>+96(SB)/8, $0x80800a0908060504
DATA compact<>+104(SB)/8, $0x8080808080808080
DATA compact<>+112(SB)/8, $0x0908060504020100
DATA compact<>+120(SB)/8, $0x808080808080800a
DATA compact<>+128(SB)/8, $0x80808080800e0d0c
DATA compact<>+136(SB)/8, $0x8080808080808080
DATA compact<>+144(SB)/8, $0x80800e0d0c020100
DATA compact<>+152(SB)/8, $0x8080808080808080
DATA compact<>+160(SB)/8, $0x80800e0d0c060504
DATA compact<>+168(SB)/8, $0x8080808080808080
DATA compact<>+176(SB)/8, $0x0d0c060504020100
DATA compact<>+184(SB)/8, $0x808080808080800e
DATA compact<>+192(SB)/8, $0x80800e0d0c0a0908
DATA compact<>+200(SB)/8, $0x8080808080808080
DATA compact<>+208(SB)/8, $0x0d0c0a0908020100
DATA compact<>+216(SB)/8, $0x808080808080800e
DATA compact<>+224(SB)/8, $0x0d0c0a0908060504
DATA compact<>+232(SB)/8, $0x808080808080800e
DATA compact<>+240(SB)/8, $0x0908060504020100
DATA compact<>+248(SB)/8, $0x808080800e0d0c0a
GLOBL compact<>(SB), RODATA|NOPTR, $256
DATA compactLen<>+0(SB)/8, $0
DATA compactLen<>+8(SB)/8, $3
DATA compactLen<>+16(SB)/8, $3
DATA compactLen<>+24(SB)/8, $6
DATA compactLen<>+32(SB)/8, $3
DATA compactLen<>+40(SB)/8, $6
DATA compactLen<>+48(SB)/8, $6
DATA compactLen<>+56(SB)/8, $9
DATA compactLen<>+64(SB)/8, $3
DATA compactLen<>+72(SB)/8, $6
DATA compactLen<>+80(SB)/8, $6
DATA compactLen<>+88(SB)/8, $9
DATA compactLen<>+96(SB)/8, $6
DATA compactLen<>+104(SB)/8, $9
DATA compactLen<>+112(SB)/8, $9
DATA compactLen<>+120(SB)/8, $12
GLOBL compactLen<>(SB), RODATA|NOPTR, $128
