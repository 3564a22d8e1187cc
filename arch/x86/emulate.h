/*
 * Emulation of the instruction that touched an MMIO page: performs its memory access through
 * device callbacks and writes back the guest's registers and arithmetic flags.
 */
#ifndef ARCH_X86_EMULATE_H
#define ARCH_X86_EMULATE_H

#include "arch/x86/decode.h"

/* A memory access of size 1, 2, 4 or 8 bytes; val is little-endian. Returns 0 or -errno. */
typedef int (*x86_emul_read_fn)(void *opaque, u64 addr, void *val, u8 size);
typedef int (*x86_emul_write_fn)(void *opaque, u64 addr, const void *val, u8 size);

struct x86_emul_ctx {
	u64 *gpr;			/* 16 general registers, x86 order (GPR_RAX ... GPR_R15) */
	u64 *rflags;
	/*
	 * The memory operand: the guest-physical address that faulted. The emulator does not
	 * compute addresses; for every supported form it accesses ctx->addr with the
	 * operand's size.
	 */
	u64 addr;
	x86_emul_read_fn read;
	x86_emul_write_fn write;
	void *opaque;

	/*
	 * MOVS only: the other operand. When mmio_is_source, MOVS reads the MMIO side at addr
	 * (read) and writes other_addr (other_write); else it reads other_addr (other_read) and
	 * writes addr (write). The caller translates the other side's ES:rDI or DS:rSI (with its
	 * segment override) to other_addr. Without these callbacks MOVS gives -ENOTSUP.
	 */
	bool mmio_is_source;
	u64 other_addr;
	x86_emul_read_fn other_read;
	x86_emul_write_fn other_write;

	/* Out: a REP string instruction did one iteration and must run again (see below). */
	bool again;
};

/*
 * Emulates i (decoded by x86_decode) against ctx. On success the registers, RFLAGS and memory
 * hold the instruction's results; RIP is the caller's: advance it by i->len unless ctx->again.
 *
 * Supported (memory forms only; register-only forms never reach an MMIO page):
 *   MOV 88/89/8A/8B/C6 /0/C7 /0/A0-A3, MOVZX/MOVSX 0F B6/B7/BE/BF, MOVSXD 63 (64-bit mode),
 *   MOVNTI 0F C3, ADD/OR/ADC/SBB/AND/SUB/XOR/CMP 00-3B and 80-83, TEST 84/85 and F6/F7 /0 /1,
 *   NOT/NEG F6/F7 /2 /3, INC/DEC FE/FF /0 /1, XCHG 86/87, BT/BTS/BTR/BTC 0F A3/AB/B3/BB and
 *   0F BA /4-/7, STOS AA/AB, MOVS A4/A5.
 * Anything else (including VEX/EVEX/XOP encodings) returns -ENOTSUP without touching state;
 * a callback's error is returned as it is, with registers and flags unchanged.
 *
 * Flags: CF, PF, AF, ZF, SF and OF as the SDM defines them for each instruction. Where the
 * SDM leaves a flag undefined, AND/OR/XOR/TEST clear AF, and BT/BTS/BTR/BTC leave OF, SF,
 * AF and PF unchanged (what current AMD and Intel processors do). Other RFLAGS bits are
 * never changed.
 *
 * Register writes: a 32-bit destination zero-extends into the 64-bit register; 16- and 8-bit
 * destinations keep the other bits; byte registers 4-7 are AH/CH/DH/BH without a REX prefix
 * and SPL/BPL/SIL/DIL with one.
 *
 * STOS and MOVS do one iteration: STOS writes AL/AX/EAX/RAX to addr; MOVS copies one element.
 * Then rDI (and for MOVS rSI) moves by the element size, down when RFLAGS.DF is 1, up
 * otherwise, in the address size (16-bit: DI/SI only, upper bits kept; 32-bit: EDI/ESI,
 * zero-extended into RDI/RSI; 64-bit: RDI/RSI). With a REP prefix (F3, or F2 which these
 * instructions treat alike), the count register (CX/ECX/RCX by address size, written the
 * same way) is first checked: 0 means the instruction completes with no access; otherwise
 * it is decremented after the iteration and ctx->again says whether it is still non-zero,
 * in which case the caller leaves RIP on the instruction so that the guest executes (and
 * faults on) the next iteration. Without REP, ctx->again is false.
 *
 * LOCK and XCHG's implicit lock: the read and the write are two callbacks; a device model
 * that needs atomicity must provide it.
 */
int x86_emulate_mmio(const struct x86_insn *i, struct x86_emul_ctx *ctx);

#endif
