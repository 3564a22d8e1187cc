/*
 * The VEX, XOP and EVEX opcode tables of the instruction decoder: which opcodes exist, and the
 * L/W/vvvv/ModRM/register rules whose violation is #UD (SDM vol. 2 ch. 2.3, 2.7, 3-5 and
 * appendix A; APM vol. 6 for XOP and FMA4).
 */
#include "arch/x86/decode_tables.h"
#include "lib/errno.h"

/*
 * Private attribute bits, above the X86_VA_* ones. "L0"/"L1" restrict VEX.L (LZ/L0/128 and
 * L1/256 in the SDM's opcode columns); without either, both lengths are valid (or L is
 * ignored, LIG). "W0"/"W1" likewise; without either the form is WIG.
 */
#define A_L0	BIT(8)
#define A_L1	BIT(9)
#define A_W0	BIT(10)
#define A_W1	BIT(11)
#define A_NOV	BIT(12)	/* VEX.vvvv is reserved: must be 1111b */
#define A_MEM	BIT(13)	/* ModRM must name memory */
#define A_REG	BIT(14)	/* ModRM must name a register */
#define A_NOVM	BIT(15)	/* vvvv reserved with a memory operand (VMOVSS/VMOVSD loads/stores) */
#define A_GRP	BIT(16)	/* ModRM.reg is an opcode extension: see group_ok() */
#define A_K	BIT(17)	/* opmask instruction: k registers have no REX-style extension */
#define A_O64	BIT(18)	/* 64-bit mode only */
#define A_AMX	BIT(19)	/* tile-register rules: see amx_ok() */
#define A_KRM	BIT(20)	/* ModRM.rm is a k register when mod = 3 */
#define A_KREG	BIT(21)	/* ModRM.reg is a k register */
#define A_KV	BIT(22)	/* vvvv is a k register */

#define OK	X86_VA_OK
#define IB	X86_VA_IB

/* Shorthands for the common shapes. */
#define V3	OK			/* dest, src1 (vvvv), src2 */
#define V2	(OK | A_NOV)		/* dest, src */
#define KOP3	(OK | A_K | A_L1 | A_REG | A_KREG | A_KRM | A_KV)	/* KANDW k1, k2, k3 */
#define KOP2	(OK | A_K | A_L0 | A_REG | A_NOV | A_KREG | A_KRM)	/* KNOTW k1, k2 */

/* VEX maps 1-3, indexed [map - 1][opcode][pp] with pp = none, 66, F3, F2. */
static const u32 vex_tab[3][256][4] = {
	[0] = {			/* VEX.0F: SDM table A-3 */
		[0x10] = { V2, V2, OK | A_NOVM, OK | A_NOVM },		/* VMOVUPS/UPD/SS/SD */
		[0x11] = { V2, V2, OK | A_NOVM, OK | A_NOVM },
		[0x12] = { V3 | A_L0, V3 | A_L0 | A_MEM, V2, V2 },	/* VMOVLPS/HLPS, LPD, SLDUP, DDUP */
		[0x13] = { V2 | A_L0 | A_MEM, V2 | A_L0 | A_MEM },
		[0x14] = { V3, V3 }, [0x15] = { V3, V3 },		/* VUNPCKL/HPS/PD */
		[0x16] = { V3 | A_L0, V3 | A_L0 | A_MEM, V2 },	/* VMOVHPS/LHPS, HPD, SHDUP */
		[0x17] = { V2 | A_L0 | A_MEM, V2 | A_L0 | A_MEM },
		[0x28] = { V2, V2 }, [0x29] = { V2, V2 },		/* VMOVAPS/APD */
		[0x2a] = { 0, 0, V3, V3 },				/* VCVTSI2SS/SD */
		[0x2b] = { V2 | A_MEM, V2 | A_MEM },			/* VMOVNTPS/PD */
		[0x2c] = { 0, 0, V2, V2 }, [0x2d] = { 0, 0, V2, V2 },	/* VCVT(T)SS/SD2SI */
		[0x2e] = { V2, V2 }, [0x2f] = { V2, V2 },		/* V(U)COMISS/SD */
		[0x41] = { KOP3, KOP3 }, [0x42] = { KOP3, KOP3 },	/* KAND, KANDN */
		[0x44] = { KOP2, KOP2 },				/* KNOT */
		[0x45] = { KOP3, KOP3 }, [0x46] = { KOP3, KOP3 },	/* KOR, KXNOR */
		[0x47] = { KOP3, KOP3 }, [0x4a] = { KOP3, KOP3 },	/* KXOR, KADD */
		[0x4b] = { KOP3, KOP3 | A_W0 },				/* KUNPCKWD/DQ, KUNPCKBW */
		[0x50] = { V2 | A_REG, V2 | A_REG },			/* VMOVMSKPS/PD */
		[0x51] = { V2, V2, V3, V3 },				/* VSQRT */
		[0x52] = { V2, 0, V3 }, [0x53] = { V2, 0, V3 },		/* VRSQRT, VRCP */
		[0x54 ... 0x57] = { V3, V3 },				/* VAND, VANDN, VOR, VXOR */
		[0x58] = { V3, V3, V3, V3 }, [0x59] = { V3, V3, V3, V3 },
		[0x5a] = { V2, V2, V3, V3 },				/* VCVTPS2PD ... VCVTSD2SS */
		[0x5b] = { V2, V2, V2 },				/* VCVTDQ2PS, PS2DQ, TPS2DQ */
		[0x5c ... 0x5f] = { V3, V3, V3, V3 },
		[0x60 ... 0x6d] = { 0, V3 },
		[0x6e] = { 0, V2 | A_L0 },				/* VMOVD/VMOVQ xmm, r/m */
		[0x6f] = { 0, V2, V2 },					/* VMOVDQA/DQU */
		[0x70] = { 0, V2 | IB, V2 | IB, V2 | IB },		/* VPSHUFD/HW/LW */
		[0x71 ... 0x73] = { 0, OK | A_REG | A_GRP | IB },	/* shift groups 12-14 */
		[0x74 ... 0x76] = { 0, V3 },
		[0x77] = { OK | A_NOV | X86_VA_NOMODRM },		/* VZEROUPPER/VZEROALL */
		[0x7c] = { 0, V3, 0, V3 }, [0x7d] = { 0, V3, 0, V3 },	/* VHADD, VHSUB */
		[0x7e] = { 0, V2 | A_L0, V2 | A_L0 },			/* VMOVD/Q r/m, xmm; VMOVQ */
		[0x7f] = { 0, V2, V2 },
		[0x90] = { OK | A_K | A_L0 | A_NOV | A_KREG | A_KRM,	/* KMOV k, k/m */
			   OK | A_K | A_L0 | A_NOV | A_KREG | A_KRM },
		[0x91] = { OK | A_K | A_L0 | A_NOV | A_MEM | A_KREG,	/* KMOV m, k */
			   OK | A_K | A_L0 | A_NOV | A_MEM | A_KREG },
		[0x92] = { OK | A_K | A_L0 | A_NOV | A_REG | A_W0 | A_KREG,	/* KMOV k, r32/64 */
			   OK | A_K | A_L0 | A_NOV | A_REG | A_W0 | A_KREG, 0,
			   OK | A_K | A_L0 | A_NOV | A_REG | A_KREG },
		[0x93] = { OK | A_K | A_L0 | A_NOV | A_REG | A_W0 | A_KRM,	/* KMOV r32/64, k */
			   OK | A_K | A_L0 | A_NOV | A_REG | A_W0 | A_KRM, 0,
			   OK | A_K | A_L0 | A_NOV | A_REG | A_KRM },
		[0x98] = { KOP2, KOP2 }, [0x99] = { KOP2, KOP2 },	/* KORTEST, KTEST */
		[0xae] = { OK | A_GRP | A_MEM | A_L0 | A_NOV },		/* VLDMXCSR, VSTMXCSR */
		[0xc2] = { V3 | IB, V3 | IB, V3 | IB, V3 | IB },	/* VCMP */
		[0xc4] = { 0, V3 | A_L0 | IB },				/* VPINSRW */
		[0xc5] = { 0, V2 | A_L0 | A_REG | IB },			/* VPEXTRW */
		[0xc6] = { V3 | IB, V3 | IB },				/* VSHUFPS/PD */
		[0xd0] = { 0, V3, 0, V3 },				/* VADDSUBPD/PS */
		[0xd1 ... 0xd5] = { 0, V3 },
		[0xd6] = { 0, V2 | A_L0 },				/* VMOVQ xmm/m64, xmm */
		[0xd7] = { 0, V2 | A_REG },				/* VPMOVMSKB */
		[0xd8 ... 0xdf] = { 0, V3 },
		[0xe0 ... 0xe5] = { 0, V3 },
		[0xe6] = { 0, V2, V2, V2 },				/* VCVTTPD2DQ, DQ2PD, PD2DQ */
		[0xe7] = { 0, V2 | A_MEM },				/* VMOVNTDQ */
		[0xe8 ... 0xef] = { 0, V3 },
		[0xf0] = { 0, 0, 0, V2 | A_MEM },			/* VLDDQU */
		[0xf1 ... 0xf6] = { 0, V3 },
		[0xf7] = { 0, V2 | A_L0 | A_REG },			/* VMASKMOVDQU */
		[0xf8 ... 0xfe] = { 0, V3 },
	},
	[1] = {			/* VEX.0F38: SDM table A-4 */
		[0x00 ... 0x0b] = { 0, V3 },				/* VPSHUFB ... VPMULHRSW */
		[0x0c] = { 0, V3 | A_W0 }, [0x0d] = { 0, V3 | A_W0 },	/* VPERMILPS/PD */
		[0x0e] = { 0, V2 | A_W0 }, [0x0f] = { 0, V2 | A_W0 },	/* VTESTPS/PD */
		[0x13] = { 0, V2 | A_W0 },				/* VCVTPH2PS */
		[0x16] = { 0, V3 | A_W0 | A_L1 },			/* VPERMPS */
		[0x17] = { 0, V2 },					/* VPTEST */
		[0x18] = { 0, V2 | A_W0 },				/* VBROADCASTSS */
		[0x19] = { 0, V2 | A_W0 | A_L1 },			/* VBROADCASTSD */
		[0x1a] = { 0, V2 | A_W0 | A_L1 | A_MEM },		/* VBROADCASTF128 */
		[0x1c ... 0x1e] = { 0, V2 },				/* VPABSB/W/D */
		[0x20 ... 0x25] = { 0, V2 },				/* VPMOVSX */
		[0x28] = { 0, V3 }, [0x29] = { 0, V3 },			/* VPMULDQ, VPCMPEQQ */
		[0x2a] = { 0, V2 | A_MEM },				/* VMOVNTDQA */
		[0x2b] = { 0, V3 },					/* VPACKUSDW */
		[0x2c ... 0x2f] = { 0, V3 | A_W0 | A_MEM },		/* VMASKMOVPS/PD */
		[0x30 ... 0x35] = { 0, V2 },				/* VPMOVZX */
		[0x36] = { 0, V3 | A_W0 | A_L1 },			/* VPERMD */
		[0x37 ... 0x40] = { 0, V3 },				/* VPCMPGTQ ... VPMULLD */
		[0x41] = { 0, V2 | A_L0 },				/* VPHMINPOSUW */
		[0x45] = { 0, V3 }, [0x46] = { 0, V3 | A_W0 }, [0x47] = { 0, V3 }, /* VPSRLV, VPSRAVD, VPSLLV */
		/* AMX: LDTILECFG/TILERELEASE, STTILECFG, -, TILEZERO */
		[0x49] = { OK | A_O64 | A_L0 | A_W0 | A_NOV | A_AMX,
			   OK | A_O64 | A_L0 | A_W0 | A_NOV | A_AMX | A_MEM, 0,
			   OK | A_O64 | A_L0 | A_W0 | A_NOV | A_AMX | A_REG },
		/* TILELOADDT1, TILESTORED, TILELOADD */
		[0x4b] = { 0, OK | A_O64 | A_L0 | A_W0 | A_NOV | A_AMX | A_MEM,
			   OK | A_O64 | A_L0 | A_W0 | A_NOV | A_AMX | A_MEM,
			   OK | A_O64 | A_L0 | A_W0 | A_NOV | A_AMX | A_MEM },
		[0x50 ... 0x53] = { 0, V3 | A_W0 },			/* VPDPBUSD(S), VPDPWSSD(S) */
		[0x58] = { 0, V2 | A_W0 }, [0x59] = { 0, V2 | A_W0 },	/* VPBROADCASTD/Q */
		[0x5a] = { 0, V2 | A_W0 | A_L1 | A_MEM },		/* VBROADCASTI128 */
		[0x5c] = { 0, 0, OK | A_O64 | A_L0 | A_W0 | A_AMX | A_REG },	/* TDPBF16PS */
		[0x5e] = { OK | A_O64 | A_L0 | A_W0 | A_AMX | A_REG,	/* TDPBUUD, TDPBUSD, TDPBSUD, TDPBSSD */
			   OK | A_O64 | A_L0 | A_W0 | A_AMX | A_REG,
			   OK | A_O64 | A_L0 | A_W0 | A_AMX | A_REG,
			   OK | A_O64 | A_L0 | A_W0 | A_AMX | A_REG },
		[0x78] = { 0, V2 | A_W0 }, [0x79] = { 0, V2 | A_W0 },	/* VPBROADCASTB/W */
		[0x8c] = { 0, V3 | A_MEM }, [0x8e] = { 0, V3 | A_MEM },	/* VPMASKMOVD/Q */
		[0x90 ... 0x93] = { 0, OK | A_MEM | X86_VA_VSIB },	/* gathers */
		[0x96 ... 0x9f] = { 0, V3 },				/* FMA */
		[0xa6 ... 0xaf] = { 0, V3 },
		[0xb6 ... 0xbf] = { 0, V3 },
		[0xcf] = { 0, V3 | A_W0 },				/* VGF2P8MULB */
		[0xdb] = { 0, V2 | A_L0 },				/* VAESIMC */
		[0xdc ... 0xdf] = { 0, V3 },				/* VAESENC ... */
		[0xf2] = { V3 | A_L0 },					/* ANDN */
		[0xf3] = { OK | A_L0 | A_GRP },				/* BLSR, BLSMSK, BLSI */
		[0xf5] = { V3 | A_L0, 0, V3 | A_L0, V3 | A_L0 },	/* BZHI, PEXT, PDEP */
		[0xf6] = { 0, 0, 0, V3 | A_L0 },			/* MULX */
		[0xf7] = { V3 | A_L0, V3 | A_L0, V3 | A_L0, V3 | A_L0 },	/* BEXTR, SHLX, SARX, SHRX */
	},
	[2] = {			/* VEX.0F3A: SDM table A-5, every one with an Ib */
		[0x00] = { 0, V2 | A_W1 | A_L1 }, [0x01] = { 0, V2 | A_W1 | A_L1 },	/* VPERMQ/PD */
		[0x02] = { 0, V3 | A_W0 },				/* VPBLENDD */
		[0x04] = { 0, V2 | A_W0 }, [0x05] = { 0, V2 | A_W0 },	/* VPERMILPS/PD */
		[0x06] = { 0, V3 | A_W0 | A_L1 },			/* VPERM2F128 */
		[0x08] = { 0, V2 }, [0x09] = { 0, V2 },			/* VROUNDPS/PD */
		[0x0a ... 0x0f] = { 0, V3 },				/* VROUNDSS/SD, VBLEND, VPALIGNR */
		[0x14 ... 0x17] = { 0, V2 | A_L0 },			/* VPEXTRB/W/D/Q, VEXTRACTPS */
		[0x18] = { 0, V3 | A_W0 | A_L1 },			/* VINSERTF128 */
		[0x19] = { 0, V2 | A_W0 | A_L1 },			/* VEXTRACTF128 */
		[0x1d] = { 0, V2 | A_W0 },				/* VCVTPS2PH */
		[0x20 ... 0x22] = { 0, V3 | A_L0 },			/* VPINSRB, VINSERTPS, VPINSRD/Q */
		[0x30 ... 0x33] = { 0, KOP2 },				/* KSHIFTR/KSHIFTL */
		[0x38] = { 0, V3 | A_W0 | A_L1 },			/* VINSERTI128 */
		[0x39] = { 0, V2 | A_W0 | A_L1 },			/* VEXTRACTI128 */
		[0x40] = { 0, V3 }, [0x41] = { 0, V3 | A_L0 },		/* VDPPS, VDPPD */
		[0x42] = { 0, V3 }, [0x44] = { 0, V3 },			/* VMPSADBW, VPCLMULQDQ */
		[0x46] = { 0, V3 | A_W0 | A_L1 },			/* VPERM2I128 */
		[0x48] = { 0, V3 }, [0x49] = { 0, V3 },			/* VPERMIL2PS/PD (AMD) */
		[0x4a ... 0x4c] = { 0, V3 | A_W0 },			/* VBLENDVPS/PD, VPBLENDVB */
		[0x5c ... 0x5f] = { 0, V3 },				/* FMA4 (AMD) */
		[0x60 ... 0x63] = { 0, V2 | A_L0 },			/* VPCMPESTRM ... VPCMPISTRI */
		[0x68 ... 0x6f] = { 0, V3 },
		[0x78 ... 0x7f] = { 0, V3 },
		[0xce] = { 0, V3 | A_W1 }, [0xcf] = { 0, V3 | A_W1 },	/* VGF2P8AFFINE(INV)QB */
		[0xdf] = { 0, V2 | A_L0 },				/* VAESKEYGENASSIST */
		[0xf0] = { 0, 0, 0, V2 | A_L0 },			/* RORX */
	},
};

/* XOP maps 8-10 (APM vol. 6 appendix A); XOP.pp must be 0. */
static const u32 xop_tab[3][256] = {
	[0] = {			/* map 8: every one with an Ib */
		[0x85 ... 0x87] = V3 | A_L0 | A_W0,			/* VPMACSSWW ... */
		[0x8e] = V3 | A_L0 | A_W0, [0x8f] = V3 | A_L0 | A_W0,
		[0x95 ... 0x97] = V3 | A_L0 | A_W0,
		[0x9e] = V3 | A_L0 | A_W0, [0x9f] = V3 | A_L0 | A_W0,
		[0xa2] = V3,						/* VPCMOV */
		[0xa3] = V3 | A_L0,					/* VPPERM */
		[0xa6] = V3 | A_L0 | A_W0, [0xb6] = V3 | A_L0 | A_W0,	/* VPMADCSWD, VPMADCSSWD */
		[0xc0 ... 0xc3] = V2 | A_L0 | A_W0,			/* VPROTB/W/D/Q imm */
		[0xcc ... 0xcf] = V3 | A_L0 | A_W0,			/* VPCOMB/W/D/Q */
		[0xec ... 0xef] = V3 | A_L0 | A_W0,			/* VPCOMUB/UW/UD/UQ */
	},
	[1] = {			/* map 9 */
		[0x01] = OK | A_L0 | A_GRP, [0x02] = OK | A_L0 | A_GRP,	/* TBM */
		[0x12] = OK | A_L0 | A_GRP | A_REG | A_NOV,		/* LLWPCB, SLWPCB */
		[0x80] = V2 | A_W0, [0x81] = V2 | A_W0,			/* VFRCZPS/PD */
		[0x82] = V2 | A_L0 | A_W0, [0x83] = V2 | A_L0 | A_W0,	/* VFRCZSS/SD */
		[0x90 ... 0x9b] = V3 | A_L0,				/* VPROT, VPSHL, VPSHA */
		[0xc1 ... 0xc3] = V2 | A_L0 | A_W0,			/* VPHADDB* */
		[0xc6] = V2 | A_L0 | A_W0, [0xc7] = V2 | A_L0 | A_W0, [0xcb] = V2 | A_L0 | A_W0,
		[0xd1 ... 0xd3] = V2 | A_L0 | A_W0,
		[0xd6] = V2 | A_L0 | A_W0, [0xd7] = V2 | A_L0 | A_W0, [0xdb] = V2 | A_L0 | A_W0,
		[0xe1 ... 0xe3] = V2 | A_L0 | A_W0,
	},
	[2] = {			/* map 10: an Id each */
		[0x10] = V2 | A_L0,					/* BEXTR r, r/m, imm32 */
		[0x12] = OK | A_L0 | A_GRP,				/* LWPINS, LWPVAL */
	},
};

/*
 * EVEX attributes (SDM 2.7). Vector lengths allowed without EVEX.b on a register operand;
 * scalar (LIG) forms allow all three. L'L = 11b is always reserved unless it holds a
 * rounding mode.
 */
#define E_L128	BIT(8)
#define E_L256	BIT(9)
#define E_L512	BIT(10)
#define E_NOV	BIT(11)	/* vvvv (and V') reserved: 1111b (and 1) */
#define E_BC	BIT(12)	/* EVEX.b with memory: embedded broadcast */
#define E_ER	BIT(13)	/* EVEX.b with registers: embedded rounding (L'L is the mode) */
#define E_SAE	BIT(14)	/* EVEX.b with registers: suppress all exceptions */
#define E_Z	BIT(15)	/* zeroing-masking allowed (not with a memory destination) */
#define E_NOMASK BIT(16) /* no opmask: EVEX.aaa must be 0 */
#define E_MASKREQ BIT(17) /* opmask required: EVEX.aaa must not be 0 (gathers/scatters) */
#define E_MEM	BIT(18)
#define E_REG	BIT(19)
#define E_STORE	BIT(20)	/* the memory operand is the destination */
#define E_KDST	BIT(21)	/* ModRM.reg is a k register */
#define E_KRM	BIT(22)	/* ModRM.rm is a k register */
#define E_GRP	BIT(23)	/* ModRM.reg is an opcode extension: see evex_group_ok() */
#define E_GPRRM	BIT(24)	/* ModRM.rm is a general register when mod = 3 */
#define E_GPRREG BIT(25) /* ModRM.reg is a general register */
#define E_NSD	BIT(26)	/* the destination must differ from the sources (complex FP16) */
#define E_4REG	BIT(27)	/* V4FMADDPS and friends: a block of four source registers */
#define E_KPAIR	BIT(28)	/* VP2INTERSECT: destination is a pair of k registers */
#define E_NOVM	BIT(29)	/* vvvv reserved with a memory operand (VMOVSS/SD/SH) */
#define E_W1O64	BIT(30)	/* the W1 form (a 64-bit general register) exists only in 64-bit mode */

#define LA	(E_L128 | E_L256 | E_L512)
#define L25	(E_L256 | E_L512)
#define L5	E_L512
#define L1	E_L128
#define PER	(OK | LA | E_BC | E_ER | E_Z)		/* packed FP, rounding control */
#define PSAE	(OK | LA | E_BC | E_SAE | E_Z)		/* packed FP, SAE */
#define SER	(OK | LA | E_ER | E_Z)			/* scalar FP, rounding control */
#define SSAE	(OK | LA | E_SAE | E_Z)			/* scalar FP, SAE */
#define IBC	(OK | LA | E_BC | E_Z)			/* dword/qword elements, broadcast */
#define IBW	(OK | LA | E_Z)				/* byte/word elements */
#define IBC25	(OK | L25 | E_BC | E_Z)		/* 256/512-bit only (cross-lane permutes) */
#define KCMP	(OK | LA | E_BC | E_KDST)		/* compare into a k register */
#define KCMPW	(OK | LA | E_KDST)
#define MOVX	(OK | LA | E_Z | E_NOV)			/* full-register moves */
#define MOVS	(OK | LA | E_Z | E_NOV | E_STORE)
#define NM	(E_NOMASK)
#define PMOVN	(OK | LA | E_Z | E_NOV | E_STORE)	/* VPMOVWB and friends: reg or memory destination */

#define W0(x)	{ (x), 0 }
#define W1(x)	{ 0, (x) }
#define WIG(x)	{ (x), (x) }
#define WB(x, y) { (x), (y) }

/* EVEX maps 1, 2, 3, 5, 6 indexed [map][opcode][pp][W]. */
static const u32 evex_tab[5][256][4][2] = {
	[0] = {			/* EVEX.0F */
		[0x10] = { W0(MOVX), W1(MOVX), W0(OK | LA | E_Z | E_NOVM), W1(OK | LA | E_Z | E_NOVM) }, /* VMOVUPS/UPD/SS/SD */
		[0x11] = { W0(MOVS), W1(MOVS), W0(OK | LA | E_Z | E_STORE | E_NOVM),
			   W1(OK | LA | E_Z | E_STORE | E_NOVM) },
		[0x12] = { W0(OK | L1 | NM), W1(OK | L1 | NM | E_MEM), W0(MOVX), W1(MOVX) },	/* VMOVLPS/HLPS, LPD, SLDUP, DDUP */
		[0x13] = { W0(OK | L1 | NM | E_NOV | E_MEM), W1(OK | L1 | NM | E_NOV | E_MEM) },
		[0x14] = { W0(IBC), W1(IBC) }, [0x15] = { W0(IBC), W1(IBC) },	/* VUNPCKL/HPS/PD */
		[0x16] = { W0(OK | L1 | NM), W1(OK | L1 | NM | E_MEM), W0(MOVX) },	/* VMOVHPS/LHPS, HPD, SHDUP */
		[0x17] = { W0(OK | L1 | NM | E_NOV | E_MEM), W1(OK | L1 | NM | E_NOV | E_MEM) },
		[0x28] = { W0(MOVX), W1(MOVX) }, [0x29] = { W0(MOVS), W1(MOVS) },	/* VMOVAPS/APD */
		/*
		 * VCVTSI2SS, VCVTSI2SD. The exact conversions (VCVTSI2SD/VCVTUSI2SD r/m32,
		 * VCVT(U)DQ2PD) list no {er}, but EVEX.b with registers selects a rounding mode
		 * that simply has no effect (Intel XED accepts them): marked E_ER.
		 */
		[0x2a] = { {0}, {0}, WIG(OK | LA | NM | E_ER | E_GPRRM), WIG(OK | LA | NM | E_ER | E_GPRRM) },
		[0x2b] = { W0(OK | LA | NM | E_NOV | E_MEM), W1(OK | LA | NM | E_NOV | E_MEM) },	/* VMOVNTPS/PD */
		[0x2c] = { {0}, {0}, WIG(OK | LA | NM | E_NOV | E_SAE | E_GPRREG),	/* VCVTTSS2SI, VCVTTSD2SI */
			   WIG(OK | LA | NM | E_NOV | E_SAE | E_GPRREG) },
		[0x2d] = { {0}, {0}, WIG(OK | LA | NM | E_NOV | E_ER | E_GPRREG),	/* VCVTSS2SI, VCVTSD2SI */
			   WIG(OK | LA | NM | E_NOV | E_ER | E_GPRREG) },
		[0x2e] = { W0(OK | LA | NM | E_NOV | E_SAE), W1(OK | LA | NM | E_NOV | E_SAE) },	/* VUCOMISS/SD */
		[0x2f] = { W0(OK | LA | NM | E_NOV | E_SAE), W1(OK | LA | NM | E_NOV | E_SAE) },	/* VCOMISS/SD */
		[0x51] = { W0(PER | E_NOV), W1(PER | E_NOV), W0(SER), W1(SER) },		/* VSQRT */
		[0x54 ... 0x57] = { W0(IBC), W1(IBC) },					/* VAND/ANDN/OR/XOR PS/PD */
		[0x58] = { W0(PER), W1(PER), W0(SER), W1(SER) },			/* VADD */
		[0x59] = { W0(PER), W1(PER), W0(SER), W1(SER) },			/* VMUL */
		[0x5a] = { W0(PSAE | E_NOV), W1(PER | E_NOV), W0(SSAE), W1(SER) },	/* VCVTPS2PD, PD2PS, SS2SD, SD2SS */
		[0x5b] = { WIG(PER | E_NOV), W0(PER | E_NOV), W0(PSAE | E_NOV) },	/* VCVTDQ2PS/QQ2PS, PS2DQ, TPS2DQ */
		[0x5c] = { W0(PER), W1(PER), W0(SER), W1(SER) },			/* VSUB */
		[0x5d] = { W0(PSAE), W1(PSAE), W0(SSAE), W1(SSAE) },			/* VMIN */
		[0x5e] = { W0(PER), W1(PER), W0(SER), W1(SER) },			/* VDIV */
		[0x5f] = { W0(PSAE), W1(PSAE), W0(SSAE), W1(SSAE) },			/* VMAX */
		[0x60] = { {0}, WIG(IBW) }, [0x61] = { {0}, WIG(IBW) },			/* VPUNPCKLBW/WD */
		[0x62] = { {0}, W0(IBC) }, [0x63] = { {0}, WIG(IBW) },			/* VPUNPCKLDQ, VPACKSSWB */
		[0x64] = { {0}, WIG(KCMPW) }, [0x65] = { {0}, WIG(KCMPW) },		/* VPCMPGTB/W */
		[0x66] = { {0}, W0(KCMP) }, [0x67] = { {0}, WIG(IBW) },			/* VPCMPGTD, VPACKUSWB */
		[0x68] = { {0}, WIG(IBW) }, [0x69] = { {0}, WIG(IBW) },			/* VPUNPCKHBW/WD */
		[0x6a] = { {0}, W0(IBC) }, [0x6b] = { {0}, W0(IBC) },			/* VPUNPCKHDQ, VPACKSSDW */
		[0x6c] = { {0}, W1(IBC) }, [0x6d] = { {0}, W1(IBC) },			/* VPUNPCKL/HQDQ */
		[0x6e] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM) },			/* VMOVD/VMOVQ xmm, r/m */
		[0x6f] = { {0}, WIG(MOVX), WIG(MOVX), WIG(MOVX) },			/* VMOVDQA32/64, DQU32/64, DQU8/16 */
		[0x70] = { {0}, W0(IBC | E_NOV), WIG(IBW | E_NOV), WIG(IBW | E_NOV) },	/* VPSHUFD/HW/LW */
		[0x71 ... 0x73] = { {0}, WIG(OK | E_GRP) },				/* shifts by an immediate */
		[0x74] = { {0}, WIG(KCMPW) }, [0x75] = { {0}, WIG(KCMPW) },		/* VPCMPEQB/W */
		[0x76] = { {0}, W0(KCMP) },						/* VPCMPEQD */
		[0x78] = { WIG(PSAE | E_NOV), WIG(PSAE | E_NOV),			/* VCVTTPS2UDQ/PD2UDQ, TPS2UQQ/PD2UQQ */
			   WIG(OK | LA | NM | E_NOV | E_SAE | E_GPRREG),		/* VCVTTSS2USI */
			   WIG(OK | LA | NM | E_NOV | E_SAE | E_GPRREG) },		/* VCVTTSD2USI */
		[0x79] = { WIG(PER | E_NOV), WIG(PER | E_NOV),				/* VCVTPS2UDQ/PD2UDQ, PS2UQQ/PD2UQQ */
			   WIG(OK | LA | NM | E_NOV | E_ER | E_GPRREG),		/* VCVTSS2USI */
			   WIG(OK | LA | NM | E_NOV | E_ER | E_GPRREG) },		/* VCVTSD2USI */
		[0x7a] = { {0}, WIG(PSAE | E_NOV),					/* VCVTTPS2QQ/TPD2QQ */
			   WIG(PER | E_NOV),						/* VCVTUDQ2PD, VCVTUQQ2PD */
			   WIG(PER | E_NOV) },						/* VCVTUDQ2PS, VCVTUQQ2PS */
		[0x7b] = { {0}, WIG(PER | E_NOV),					/* VCVTPS2QQ/PD2QQ */
			   WIG(OK | LA | NM | E_ER | E_GPRRM),				/* VCVTUSI2SS */
			   WIG(OK | LA | NM | E_ER | E_GPRRM) },			/* VCVTUSI2SD */
		[0x7e] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM | E_STORE),		/* VMOVD/VMOVQ r/m, xmm */
			   W1(OK | L1 | NM | E_NOV) },					/* VMOVQ xmm, xmm/m64 */
		[0x7f] = { {0}, WIG(MOVS), WIG(MOVS), WIG(MOVS) },
		[0xc2] = { W0(KCMP | E_SAE), W1(KCMP | E_SAE),				/* VCMPPS/PD, SS/SD */
			   W0(OK | LA | E_KDST | E_SAE), W1(OK | LA | E_KDST | E_SAE) },
		[0xc4] = { {0}, WIG(OK | L1 | NM | E_GPRRM) },				/* VPINSRW */
		[0xc5] = { {0}, WIG(OK | L1 | NM | E_NOV | E_REG | E_GPRREG) },		/* VPEXTRW */
		[0xc6] = { W0(IBC), W1(IBC) },						/* VSHUFPS/PD */
		[0xd1] = { {0}, WIG(IBW) }, [0xd2] = { {0}, W0(IBW) }, [0xd3] = { {0}, W1(IBW) }, /* VPSRLW/D/Q */
		[0xd4] = { {0}, W1(IBC) }, [0xd5] = { {0}, WIG(IBW) },			/* VPADDQ, VPMULLW */
		[0xd6] = { {0}, W1(OK | L1 | NM | E_NOV) },				/* VMOVQ xmm/m64, xmm */
		[0xd8] = { {0}, WIG(IBW) }, [0xd9] = { {0}, WIG(IBW) }, [0xda] = { {0}, WIG(IBW) },
		[0xdb] = { {0}, WIG(IBC) },						/* VPANDD/Q */
		[0xdc] = { {0}, WIG(IBW) }, [0xdd] = { {0}, WIG(IBW) }, [0xde] = { {0}, WIG(IBW) },
		[0xdf] = { {0}, WIG(IBC) },						/* VPANDND/Q */
		[0xe0] = { {0}, WIG(IBW) }, [0xe1] = { {0}, WIG(IBW) },			/* VPAVGB, VPSRAW */
		[0xe2] = { {0}, WIG(IBW) },						/* VPSRAD/Q */
		[0xe3] = { {0}, WIG(IBW) }, [0xe4] = { {0}, WIG(IBW) }, [0xe5] = { {0}, WIG(IBW) },
		[0xe6] = { {0}, W1(PSAE | E_NOV),					/* VCVTTPD2DQ */
			   WIG(PER | E_NOV),						/* VCVTDQ2PD, VCVTQQ2PD */
			   W1(PER | E_NOV) },						/* VCVTPD2DQ */
		[0xe7] = { {0}, W0(OK | LA | NM | E_NOV | E_MEM) },			/* VMOVNTDQ */
		[0xe8] = { {0}, WIG(IBW) }, [0xe9] = { {0}, WIG(IBW) }, [0xea] = { {0}, WIG(IBW) },
		[0xeb] = { {0}, WIG(IBC) },						/* VPORD/Q */
		[0xec] = { {0}, WIG(IBW) }, [0xed] = { {0}, WIG(IBW) }, [0xee] = { {0}, WIG(IBW) },
		[0xef] = { {0}, WIG(IBC) },						/* VPXORD/Q */
		[0xf1] = { {0}, WIG(IBW) }, [0xf2] = { {0}, W0(IBW) }, [0xf3] = { {0}, W1(IBW) }, /* VPSLLW/D/Q */
		[0xf4] = { {0}, W1(IBC) }, [0xf5] = { {0}, WIG(IBW) },			/* VPMULUDQ, VPMADDWD */
		[0xf6] = { {0}, WIG(OK | LA | NM) },					/* VPSADBW */
		[0xf8] = { {0}, WIG(IBW) }, [0xf9] = { {0}, WIG(IBW) },			/* VPSUBB/W */
		[0xfa] = { {0}, W0(IBC) }, [0xfb] = { {0}, W1(IBC) },			/* VPSUBD/Q */
		[0xfc] = { {0}, WIG(IBW) }, [0xfd] = { {0}, WIG(IBW) },			/* VPADDB/W */
		[0xfe] = { {0}, W0(IBC) },						/* VPADDD */
	},
	[1] = {			/* EVEX.0F38 */
		[0x00] = { {0}, WIG(IBW) }, [0x04] = { {0}, WIG(IBW) }, [0x0b] = { {0}, WIG(IBW) }, /* VPSHUFB, VPMADDUBSW, VPMULHRSW */
		[0x0c] = { {0}, W0(IBC) }, [0x0d] = { {0}, W1(IBC) },			/* VPERMILPS/PD */
		[0x10] = { {0}, W1(IBW), W0(PMOVN) },					/* VPSRLVW, VPMOVUSWB */
		[0x11] = { {0}, W1(IBW), W0(PMOVN) },					/* VPSRAVW, VPMOVUSDB */
		[0x12] = { {0}, W1(IBW), W0(PMOVN) },					/* VPSLLVW, VPMOVUSQB */
		[0x13] = { {0}, W0(OK | LA | E_Z | E_NOV | E_SAE), W0(PMOVN) },		/* VCVTPH2PS, VPMOVUSDW */
		[0x14] = { {0}, WIG(IBC), W0(PMOVN) },					/* VPRORV, VPMOVUSQW */
		[0x15] = { {0}, WIG(IBC), W0(PMOVN) },					/* VPROLV, VPMOVUSQD */
		[0x16] = { {0}, WIG(IBC25) },					/* VPERMPS/PD */
		[0x18] = { {0}, W0(MOVX) },						/* VBROADCASTSS */
		[0x19] = { {0}, WIG(OK | L25 | E_Z | E_NOV) },				/* VBROADCASTF32X2, VBROADCASTSD */
		[0x1a] = { {0}, WIG(OK | L25 | E_Z | E_NOV | E_MEM) },			/* VBROADCASTF32X4/64X2 */
		[0x1b] = { {0}, WIG(OK | L5 | E_Z | E_NOV | E_MEM) },			/* VBROADCASTF32X8/64X4 */
		[0x1c] = { {0}, WIG(IBW | E_NOV) }, [0x1d] = { {0}, WIG(IBW | E_NOV) },	/* VPABSB/W */
		[0x1e] = { {0}, W0(IBC | E_NOV) }, [0x1f] = { {0}, W1(IBC | E_NOV) },	/* VPABSD/Q */
		[0x20 ... 0x24] = { {0}, WIG(IBW | E_NOV), W0(PMOVN) },			/* VPMOVSX*, VPMOVS* */
		[0x25] = { {0}, W0(IBW | E_NOV), W0(PMOVN) },				/* VPMOVSXDQ, VPMOVSQD */
		[0x26] = { {0}, WIG(KCMPW), WIG(KCMPW) },				/* VPTESTMB/W, VPTESTNMB/W */
		[0x27] = { {0}, WIG(KCMP), WIG(KCMP) },					/* VPTESTMD/Q, VPTESTNMD/Q */
		[0x28] = { {0}, W1(IBC), WIG(OK | LA | NM | E_NOV | E_REG | E_KRM) },	/* VPMULDQ, VPMOVM2B/W */
		[0x29] = { {0}, W1(KCMP), WIG(OK | LA | NM | E_NOV | E_REG | E_KDST) },	/* VPCMPEQQ, VPMOVB2M/W2M */
		[0x2a] = { {0}, W0(OK | LA | NM | E_NOV | E_MEM),			/* VMOVNTDQA */
			   W1(OK | LA | NM | E_NOV | E_REG | E_KRM) },			/* VPBROADCASTMB2Q */
		[0x2b] = { {0}, W0(IBC) },						/* VPACKUSDW */
		[0x2c] = { {0}, WIG(PER) }, [0x2d] = { {0}, WIG(SER) },			/* VSCALEFPS/PD, SS/SD */
		[0x30 ... 0x34] = { {0}, WIG(IBW | E_NOV), W0(PMOVN) },			/* VPMOVZX*, VPMOV* */
		[0x35] = { {0}, W0(IBW | E_NOV), W0(PMOVN) },				/* VPMOVZXDQ, VPMOVQD */
		[0x36] = { {0}, WIG(IBC25) },					/* VPERMD/Q */
		[0x37] = { {0}, W1(KCMP) },						/* VPCMPGTQ */
		[0x38] = { {0}, WIG(IBW), WIG(OK | LA | NM | E_NOV | E_REG | E_KRM) },	/* VPMINSB, VPMOVM2D/Q */
		[0x39] = { {0}, WIG(IBC), WIG(OK | LA | NM | E_NOV | E_REG | E_KDST) },	/* VPMINSD/Q, VPMOVD2M/Q2M */
		[0x3a] = { {0}, WIG(IBW), W0(OK | LA | NM | E_NOV | E_REG | E_KRM) },	/* VPMINUW, VPBROADCASTMW2D */
		[0x3b] = { {0}, WIG(IBC) }, [0x3c] = { {0}, WIG(IBW) },			/* VPMINUD/Q, VPMAXSB */
		[0x3d] = { {0}, WIG(IBC) }, [0x3e] = { {0}, WIG(IBW) },			/* VPMAXSD/Q, VPMAXUW */
		[0x3f] = { {0}, WIG(IBC) }, [0x40] = { {0}, WIG(IBC) },			/* VPMAXUD/Q, VPMULLD/Q */
		[0x42] = { {0}, WIG(PSAE | E_NOV) }, [0x43] = { {0}, WIG(SSAE) },	/* VGETEXP */
		[0x44] = { {0}, WIG(IBC | E_NOV) },					/* VPLZCNTD/Q */
		[0x45 ... 0x47] = { {0}, WIG(IBC) },					/* VPSRLV, VPSRAV, VPSLLV */
		[0x4c] = { {0}, WIG(IBC | E_NOV) }, [0x4d] = { {0}, WIG(OK | LA | E_Z) },	/* VRCP14 */
		[0x4e] = { {0}, WIG(IBC | E_NOV) }, [0x4f] = { {0}, WIG(OK | LA | E_Z) },	/* VRSQRT14 */
		[0x50] = { {0}, W0(IBC) }, [0x51] = { {0}, W0(IBC) },			/* VPDPBUSD(S) */
		[0x52] = { {0}, W0(IBC), W0(IBC), W0(OK | L5 | E_Z | E_MEM | E_4REG) },	/* VPDPWSSD, VDPBF16PS, VP4DPWSSD */
		[0x53] = { {0}, W0(IBC), {0}, W0(OK | L5 | E_Z | E_MEM | E_4REG) },	/* VPDPWSSDS, VP4DPWSSDS */
		[0x54] = { {0}, WIG(IBW | E_NOV) }, [0x55] = { {0}, WIG(IBC | E_NOV) },	/* VPOPCNTB/W, D/Q */
		[0x58] = { {0}, W0(MOVX) },						/* VPBROADCASTD */
		[0x59] = { {0}, WIG(MOVX) },						/* VBROADCASTI32X2, VPBROADCASTQ */
		[0x5a] = { {0}, WIG(OK | L25 | E_Z | E_NOV | E_MEM) },			/* VBROADCASTI32X4/64X2 */
		[0x5b] = { {0}, WIG(OK | L5 | E_Z | E_NOV | E_MEM) },			/* VBROADCASTI32X8/64X4 */
		[0x62] = { {0}, WIG(MOVX) },						/* VPEXPANDB/W */
		[0x63] = { {0}, WIG(MOVS) },						/* VPCOMPRESSB/W */
		[0x64] = { {0}, WIG(IBC) }, [0x65] = { {0}, WIG(IBC) },			/* VPBLENDMD/Q, VBLENDMPS/PD */
		[0x66] = { {0}, WIG(IBW) },						/* VPBLENDMB/W */
		[0x68] = { {0}, {0}, {0}, WIG(OK | LA | NM | E_BC | E_KPAIR) },		/* VP2INTERSECTD/Q */
		[0x70] = { {0}, W1(IBW) }, [0x71] = { {0}, WIG(IBC) },			/* VPSHLDVW, VPSHLDVD/Q */
		[0x72] = { {0}, W1(IBW), W0(IBC | E_NOV), W0(IBC) },			/* VPSHRDVW, VCVTNEPS2BF16, VCVTNE2PS2BF16 */
		[0x73] = { {0}, WIG(IBC) },						/* VPSHRDVD/Q */
		[0x75] = { {0}, WIG(IBW) }, [0x76] = { {0}, WIG(IBC) }, [0x77] = { {0}, WIG(IBC) }, /* VPERMI2 */
		[0x78] = { {0}, W0(MOVX) }, [0x79] = { {0}, W0(MOVX) },			/* VPBROADCASTB/W */
		[0x7a] = { {0}, W0(MOVX | E_REG | E_GPRRM) },				/* VPBROADCASTB r32 */
		[0x7b] = { {0}, W0(MOVX | E_REG | E_GPRRM) },				/* VPBROADCASTW r32 */
		[0x7c] = { {0}, WIG(MOVX | E_REG | E_GPRRM) },				/* VPBROADCASTD/Q r */
		[0x7d] = { {0}, WIG(IBW) }, [0x7e] = { {0}, WIG(IBC) }, [0x7f] = { {0}, WIG(IBC) }, /* VPERMT2 */
		[0x83] = { {0}, W1(IBC) },						/* VPMULTISHIFTQB */
		[0x88] = { {0}, WIG(MOVX) }, [0x89] = { {0}, WIG(MOVX) },		/* VEXPANDPS/PD, VPEXPANDD/Q */
		[0x8a] = { {0}, WIG(MOVS) }, [0x8b] = { {0}, WIG(MOVS) },		/* VCOMPRESSPS/PD, VPCOMPRESSD/Q */
		[0x8d] = { {0}, WIG(IBW) },						/* VPERMB/W */
		[0x8f] = { {0}, W0(KCMPW) },						/* VPSHUFBITQMB */
		[0x90 ... 0x93] = { {0}, WIG(OK | LA | E_NOV | E_MEM | E_MASKREQ | X86_VA_VSIB) }, /* gathers */
		[0x96 ... 0x98] = { {0}, WIG(PER) }, [0x99] = { {0}, WIG(SER) },	/* FMA 132 */
		[0x9a] = { {0}, WIG(PER), {0}, W0(OK | L5 | E_Z | E_MEM | E_4REG) },	/* VFMSUB132P, V4FMADDPS */
		[0x9b] = { {0}, WIG(SER), {0}, W0(OK | LA | E_Z | E_MEM | E_4REG) },	/* VFMSUB132S, V4FMADDSS */
		[0x9c] = { {0}, WIG(PER) }, [0x9d] = { {0}, WIG(SER) },
		[0x9e] = { {0}, WIG(PER) }, [0x9f] = { {0}, WIG(SER) },
		[0xa0 ... 0xa3] = { {0}, WIG(OK | LA | E_NOV | E_MEM | E_MASKREQ | E_STORE | X86_VA_VSIB) }, /* scatters */
		[0xa6 ... 0xa8] = { {0}, WIG(PER) }, [0xa9] = { {0}, WIG(SER) },	/* FMA 213 */
		[0xaa] = { {0}, WIG(PER), {0}, W0(OK | L5 | E_Z | E_MEM | E_4REG) },	/* VFMSUB213P, V4FNMADDPS */
		[0xab] = { {0}, WIG(SER), {0}, W0(OK | LA | E_Z | E_MEM | E_4REG) },	/* VFMSUB213S, V4FNMADDSS */
		[0xac] = { {0}, WIG(PER) }, [0xad] = { {0}, WIG(SER) },
		[0xae] = { {0}, WIG(PER) }, [0xaf] = { {0}, WIG(SER) },
		[0xb4] = { {0}, W1(IBC) }, [0xb5] = { {0}, W1(IBC) },			/* VPMADD52LUQ/HUQ */
		[0xb6 ... 0xb8] = { {0}, WIG(PER) }, [0xb9] = { {0}, WIG(SER) },	/* FMA 231 */
		[0xba] = { {0}, WIG(PER) }, [0xbb] = { {0}, WIG(SER) },
		[0xbc] = { {0}, WIG(PER) }, [0xbd] = { {0}, WIG(SER) },
		[0xbe] = { {0}, WIG(PER) }, [0xbf] = { {0}, WIG(SER) },
		[0xc4] = { {0}, WIG(IBC | E_NOV) },					/* VPCONFLICTD/Q */
		[0xc6] = { {0}, WIG(OK | L5 | E_NOV | E_MEM | E_MASKREQ | E_GRP | X86_VA_VSIB) }, /* gather/scatter prefetch */
		[0xc7] = { {0}, WIG(OK | L5 | E_NOV | E_MEM | E_MASKREQ | E_GRP | X86_VA_VSIB) },
		[0xc8] = { {0}, WIG(OK | L5 | E_BC | E_SAE | E_Z | E_NOV) },		/* VEXP2PS/PD */
		[0xca] = { {0}, WIG(OK | L5 | E_BC | E_SAE | E_Z | E_NOV) },		/* VRCP28PS/PD */
		[0xcb] = { {0}, WIG(SSAE) },						/* VRCP28SS/SD */
		[0xcc] = { {0}, WIG(OK | L5 | E_BC | E_SAE | E_Z | E_NOV) },		/* VRSQRT28PS/PD */
		[0xcd] = { {0}, WIG(SSAE) },						/* VRSQRT28SS/SD */
		[0xcf] = { {0}, W0(IBW) },						/* VGF2P8MULB */
		[0xdc ... 0xdf] = { {0}, WIG(OK | LA | NM) },				/* VAESENC ... */
	},
	[2] = {			/* EVEX.0F3A: every one with an Ib */
		[0x00] = { {0}, W1(IBC25 | E_NOV) }, [0x01] = { {0}, W1(IBC25 | E_NOV) }, /* VPERMQ/PD */
		[0x03] = { {0}, WIG(IBC) },						/* VALIGND/Q */
		[0x04] = { {0}, W0(IBC | E_NOV) }, [0x05] = { {0}, W1(IBC | E_NOV) },	/* VPERMILPS/PD */
		[0x08] = { W0(PSAE | E_NOV), W0(PSAE | E_NOV) },			/* VRNDSCALEPH, VRNDSCALEPS */
		[0x09] = { {0}, W1(PSAE | E_NOV) },					/* VRNDSCALEPD */
		[0x0a] = { W0(SSAE), W0(SSAE) }, [0x0b] = { {0}, W1(SSAE) },		/* VRNDSCALESH/SS, SD */
		[0x0f] = { {0}, WIG(IBW) },						/* VPALIGNR */
		[0x14] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM | E_STORE) },	/* VPEXTRB */
		[0x15] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM | E_STORE) },	/* VPEXTRW */
		[0x16] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM | E_STORE) },	/* VPEXTRD/Q */
		[0x17] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM | E_STORE) },	/* VEXTRACTPS */
		[0x18] = { {0}, WIG(OK | L25 | E_Z) },					/* VINSERTF32X4/64X2 */
		[0x19] = { {0}, WIG(OK | L25 | E_Z | E_NOV | E_STORE) },		/* VEXTRACTF32X4/64X2 */
		[0x1a] = { {0}, WIG(OK | L5 | E_Z) },					/* VINSERTF32X8/64X4 */
		[0x1b] = { {0}, WIG(OK | L5 | E_Z | E_NOV | E_STORE) },			/* VEXTRACTF32X8/64X4 */
		[0x1d] = { {0}, W0(OK | LA | E_Z | E_NOV | E_SAE | E_STORE) },		/* VCVTPS2PH */
		[0x1e] = { {0}, WIG(KCMP) }, [0x1f] = { {0}, WIG(KCMP) },		/* VPCMPU, VPCMP D/Q */
		[0x20] = { {0}, WIG(OK | L1 | NM | E_GPRRM) },				/* VPINSRB */
		[0x21] = { {0}, W0(OK | L1 | NM) },					/* VINSERTPS */
		[0x22] = { {0}, WIG(OK | L1 | NM | E_GPRRM) },				/* VPINSRD/Q */
		[0x23] = { {0}, WIG(IBC25) },					/* VSHUFF32X4/64X2 */
		[0x25] = { {0}, WIG(IBC) },						/* VPTERNLOGD/Q */
		[0x26] = { W0(PSAE | E_NOV), WIG(PSAE | E_NOV) },			/* VGETMANTPH, PS/PD */
		[0x27] = { W0(SSAE), WIG(SSAE) },					/* VGETMANTSH, SS/SD */
		[0x38] = { {0}, WIG(OK | L25 | E_Z) },					/* VINSERTI32X4/64X2 */
		[0x39] = { {0}, WIG(OK | L25 | E_Z | E_NOV | E_STORE) },		/* VEXTRACTI32X4/64X2 */
		[0x3a] = { {0}, WIG(OK | L5 | E_Z) },					/* VINSERTI32X8/64X4 */
		[0x3b] = { {0}, WIG(OK | L5 | E_Z | E_NOV | E_STORE) },			/* VEXTRACTI32X8/64X4 */
		[0x3e] = { {0}, WIG(KCMPW) }, [0x3f] = { {0}, WIG(KCMPW) },		/* VPCMPU, VPCMP B/W */
		[0x42] = { {0}, W0(IBW) },						/* VDBPSADBW */
		[0x43] = { {0}, WIG(IBC25) },					/* VSHUFI32X4/64X2 */
		[0x44] = { {0}, WIG(OK | LA | NM) },					/* VPCLMULQDQ */
		[0x50] = { {0}, WIG(PSAE) }, [0x51] = { {0}, WIG(SSAE) },		/* VRANGE */
		[0x54] = { {0}, WIG(PSAE) }, [0x55] = { {0}, WIG(SSAE) },		/* VFIXUPIMM */
		[0x56] = { W0(PSAE | E_NOV), WIG(PSAE | E_NOV) },			/* VREDUCEPH, PS/PD */
		[0x57] = { W0(SSAE), WIG(SSAE) },					/* VREDUCESH, SS/SD */
		[0x66] = { W0(KCMP | E_NOV), WIG(KCMP | E_NOV) },			/* VFPCLASSPH, PS/PD */
		[0x67] = { W0(OK | LA | E_KDST | E_NOV), WIG(OK | LA | E_KDST | E_NOV) },		/* VFPCLASSSH, SS/SD */
		[0x70] = { {0}, W1(IBW) }, [0x71] = { {0}, WIG(IBC) },			/* VPSHLDW, VPSHLDD/Q */
		[0x72] = { {0}, W1(IBW) }, [0x73] = { {0}, WIG(IBC) },			/* VPSHRDW, VPSHRDD/Q */
		[0xc2] = { W0(KCMP | E_SAE), {0}, W0(OK | LA | E_KDST | E_SAE) },	/* VCMPPH, VCMPSH */
		[0xce] = { {0}, W1(IBC) }, [0xcf] = { {0}, W1(IBC) },			/* VGF2P8AFFINE(INV)QB */
	},
	[3] = {			/* EVEX.MAP5 (AVX512-FP16) */
		[0x10] = { {0}, {0}, W0(OK | LA | E_Z | E_NOVM) },			/* VMOVSH */
		[0x11] = { {0}, {0}, W0(OK | LA | E_Z | E_STORE | E_NOVM) },
		[0x1d] = { W0(SER), W0(PER | E_NOV) },					/* VCVTSS2SH, VCVTPS2PHX */
		[0x2a] = { {0}, {0}, WIG(OK | LA | NM | E_W1O64 | E_ER | E_GPRRM) },		/* VCVTSI2SH */
		[0x2c] = { {0}, {0}, WIG(OK | LA | NM | E_W1O64 | E_NOV | E_SAE | E_GPRREG) },	/* VCVTTSH2SI */
		[0x2d] = { {0}, {0}, WIG(OK | LA | NM | E_W1O64 | E_NOV | E_ER | E_GPRREG) },	/* VCVTSH2SI */
		[0x2e] = { W0(OK | LA | NM | E_NOV | E_SAE) },				/* VUCOMISH */
		[0x2f] = { W0(OK | LA | NM | E_NOV | E_SAE) },				/* VCOMISH */
		[0x51] = { W0(PER | E_NOV), {0}, W0(SER) },				/* VSQRTPH/SH */
		[0x58] = { W0(PER), {0}, W0(SER) }, [0x59] = { W0(PER), {0}, W0(SER) },
		[0x5a] = { W0(PSAE | E_NOV), W1(PER | E_NOV), W0(SSAE), W1(SER) },	/* VCVTPH2PD, PD2PH, SH2SD, SD2SH */
		[0x5b] = { WIG(PER | E_NOV), W0(PER | E_NOV), W0(PSAE | E_NOV) },	/* VCVTDQ2PH/QQ2PH, PH2DQ, TPH2DQ */
		[0x5c] = { W0(PER), {0}, W0(SER) }, [0x5d] = { W0(PSAE), {0}, W0(SSAE) },
		[0x5e] = { W0(PER), {0}, W0(SER) }, [0x5f] = { W0(PSAE), {0}, W0(SSAE) },
		[0x6e] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM) },			/* VMOVW xmm, r/m16 */
		[0x78] = { W0(PSAE | E_NOV), W0(PSAE | E_NOV),				/* VCVTTPH2UDQ, TPH2UQQ */
			   WIG(OK | LA | NM | E_W1O64 | E_NOV | E_SAE | E_GPRREG) },		/* VCVTTSH2USI */
		[0x79] = { W0(PER | E_NOV), W0(PER | E_NOV),				/* VCVTPH2UDQ, PH2UQQ */
			   WIG(OK | LA | NM | E_W1O64 | E_NOV | E_ER | E_GPRREG) },		/* VCVTSH2USI */
		[0x7a] = { {0}, W0(PSAE | E_NOV), {0}, WIG(PER | E_NOV) },		/* VCVTTPH2QQ, VCVTUDQ2PH/UQQ2PH */
		[0x7b] = { {0}, W0(PER | E_NOV), WIG(OK | LA | NM | E_W1O64 | E_ER | E_GPRRM) },	/* VCVTPH2QQ, VCVTUSI2SH */
		[0x7c] = { W0(PSAE | E_NOV), W0(PSAE | E_NOV) },			/* VCVTTPH2UW, TPH2W */
		[0x7d] = { W0(PER | E_NOV), W0(PER | E_NOV), W0(PER | E_NOV), W0(PER | E_NOV) }, /* PH2UW PH2W W2PH UW2PH */
		[0x7e] = { {0}, WIG(OK | L1 | NM | E_NOV | E_GPRRM | E_STORE) },		/* VMOVW r/m16, xmm */
	},
	[4] = {			/* EVEX.MAP6 (AVX512-FP16) */
		[0x13] = { W0(SSAE), W0(PSAE | E_NOV) },				/* VCVTSH2SS, VCVTPH2PSX */
		[0x2c] = { {0}, W0(PER) }, [0x2d] = { {0}, W0(SER) },			/* VSCALEFPH/SH */
		[0x42] = { {0}, W0(PSAE | E_NOV) }, [0x43] = { {0}, W0(SSAE) },		/* VGETEXPPH/SH */
		[0x4c] = { {0}, W0(IBC | E_NOV) }, [0x4d] = { {0}, W0(OK | LA | E_Z) },	/* VRCPPH/SH */
		[0x4e] = { {0}, W0(IBC | E_NOV) }, [0x4f] = { {0}, W0(OK | LA | E_Z) },	/* VRSQRTPH/SH */
		[0x56] = { {0}, {0}, W0(PER | E_NSD), W0(PER | E_NSD) },		/* VFMADDCPH, VFCMADDCPH */
		[0x57] = { {0}, {0}, W0(SER | E_NSD), W0(SER | E_NSD) },		/* VFMADDCSH, VFCMADDCSH */
		[0x96 ... 0x98] = { {0}, W0(PER) }, [0x99] = { {0}, W0(SER) },
		[0x9a] = { {0}, W0(PER) }, [0x9b] = { {0}, W0(SER) },
		[0x9c] = { {0}, W0(PER) }, [0x9d] = { {0}, W0(SER) },
		[0x9e] = { {0}, W0(PER) }, [0x9f] = { {0}, W0(SER) },
		[0xa6 ... 0xa8] = { {0}, W0(PER) }, [0xa9] = { {0}, W0(SER) },
		[0xaa] = { {0}, W0(PER) }, [0xab] = { {0}, W0(SER) },
		[0xac] = { {0}, W0(PER) }, [0xad] = { {0}, W0(SER) },
		[0xae] = { {0}, W0(PER) }, [0xaf] = { {0}, W0(SER) },
		[0xb6 ... 0xb8] = { {0}, W0(PER) }, [0xb9] = { {0}, W0(SER) },
		[0xba] = { {0}, W0(PER) }, [0xbb] = { {0}, W0(SER) },
		[0xbc] = { {0}, W0(PER) }, [0xbd] = { {0}, W0(SER) },
		[0xbe] = { {0}, W0(PER) }, [0xbf] = { {0}, W0(SER) },
		[0xd6] = { {0}, {0}, W0(PER | E_NSD), W0(PER | E_NSD) },		/* VFMULCPH, VFCMULCPH */
		[0xd7] = { {0}, {0}, W0(SER | E_NSD), W0(SER | E_NSD) },		/* VFMULCSH, VFCMULCSH */
	},
};

/* EVEX opcode extensions in ModRM.reg: the attributes of the form, or 0 when undefined. */
static u32 evex_group(const struct x86_insn *i, u32 a)
{
	u8 reg = (i->modrm >> 3) & 7;

	if (i->map == X86_MAP_0F38)	/* C6/C7: VGATHERPF0/1, VSCATTERPF0/1 */
		return (reg == 1 || reg == 2 || reg == 5 || reg == 6) ? a : 0;
	switch (i->opcode) {
	case 0x71:		/* VPSRLW, VPSRAW, VPSLLW */
		return (reg == 2 || reg == 4 || reg == 6) ? a | IBW : 0;
	case 0x72:		/* VPRORD/Q, VPROLD/Q, VPSRLD, VPSRAD/Q, VPSLLD */
		if (reg == 2 || reg == 6)
			return i->rex_w ? 0 : a | IBC;
		return (reg == 0 || reg == 1 || reg == 4) ? a | IBC : 0;
	case 0x73:		/* VPSRLQ, VPSLLQ; VPSRLDQ, VPSLLDQ (no masking) */
		if (reg == 2 || reg == 6)
			return i->rex_w ? a | IBC : 0;
		return (reg == 3 || reg == 7) ? a | LA | NM : 0;
	}
	return 0;
}

static u32 evex_attr(const struct x86_insn *i)
{
	static const s8 map_index[8] = { -1, 0, 1, 2, -1, 3, 4, -1 };
	u8 pp = i->mandatory == 0x66 ? 1 : i->mandatory == 0xf3 ? 2 : i->mandatory == 0xf2 ? 3 : 0;
	s8 m = map_index[i->map & 7];
	u32 a;

	if (m < 0 || i->map > 7)
		return 0;
	a = evex_tab[m][i->opcode][pp][i->rex_w];
	if (!a)
		return 0;
	if (i->map == X86_MAP_0F3A ||
	    (i->map == X86_MAP_0F && ((i->opcode >= 0x70 && i->opcode <= 0x73) || i->opcode == 0xc2 ||
				      (i->opcode >= 0xc4 && i->opcode <= 0xc6))))
		a |= IB;
	return a;
}

static int evex_check(const struct x86_insn *i, u32 a)
{
	bool is64 = i->mode == X86_MODE_64;
	bool mem = i->mod != 3;
	bool rc = !mem && i->evex_b;

	if (a & E_GRP) {
		a = evex_group(i, a);
		if (!a)
			return -EINVAL;
	}
	/* Vector length: L'L = 11b is reserved (SDM 2.7.10) unless it is a rounding mode. */
	if (!rc || !(a & (E_ER | E_SAE))) {
		if (i->vl == 3)
			return -EINVAL;
		if (!(a & (E_L128 << i->vl)))
			return -EINVAL;
	}
	if (i->evex_b) {
		if (mem && !(a & E_BC))
			return -EINVAL;
		if (!mem && !(a & (E_ER | E_SAE)))
			return -EINVAL;
	}
	if (((a & E_MEM) && !mem) || ((a & E_REG) && mem))
		return -EINVAL;
	/* Masking (SDM 2.7.4): zeroing needs an opmask, a register destination and support. */
	if (i->evex_z && (!(a & E_Z) || !i->evex_aaa || (mem && (a & E_STORE))))
		return -EINVAL;
	if ((a & E_NOMASK) && (i->evex_aaa || i->evex_z))
		return -EINVAL;
	if ((a & E_MASKREQ) && !i->evex_aaa)
		return -EINVAL;
	if ((a & (E_KDST | E_KPAIR)) && (i->evex_z || i->reg > 7))
		return -EINVAL;
	/* A general register in ModRM.reg: EVEX.R' must be 0 (SDM 2.7.2). */
	if ((a & E_GPRREG) && (i->reg & 0x10))
		return -EINVAL;
	if ((a & E_NOVM) && mem && i->vvvv)
		return -EINVAL;
	/* Outside 64-bit mode EVEX.V' must be 1 (un-inverted 0): only 8 registers (SDM 2.7.2). */
	if (!is64 && (i->vvvv & 0x10))
		return -EINVAL;
	/* With VSIB, V' extends the index instead of vvvv. */
	if ((a & E_NOV) && ((a & X86_VA_VSIB) ? (i->vvvv & 0xf) : i->vvvv))
		return -EINVAL;
	if ((a & E_W1O64) && i->rex_w && !is64)
		return -EINVAL;
	if (a & X86_VA_VSIB) {
		if (!i->has_sib)
			return -EINVAL;
		if (!(a & E_STORE) && !(a & E_GRP) && i->reg == i->mem_index)
			return -EINVAL;	/* gather: destination and index must differ */
	}
	if (a & E_NSD) {
		u8 v = is64 ? i->vvvv : i->vvvv & 7;

		if (i->reg == v || (!mem && i->reg == i->rm))
			return -EINVAL;
	}
	return 0;
}

/* Opcode extensions in ModRM.reg. */
static bool group_ok(const struct x86_insn *i)
{
	u8 reg = (i->modrm >> 3) & 7;

	if (i->encoding == X86_ENC_XOP) {
		switch (i->map * 256 + i->opcode) {
		case X86_MAP_XOP9 * 256 + 0x01:
			return reg != 0;
		case X86_MAP_XOP9 * 256 + 0x02:
			return reg == 1 || reg == 6;
		case X86_MAP_XOP9 * 256 + 0x12:
		case X86_MAP_XOPA * 256 + 0x12:
			return reg <= 1;
		}
		return false;
	}
	switch (i->map * 256 + i->opcode) {
	case X86_MAP_0F * 256 + 0x71:
	case X86_MAP_0F * 256 + 0x72:
		return reg == 2 || reg == 4 || reg == 6;
	case X86_MAP_0F * 256 + 0x73:
		return reg == 2 || reg == 3 || reg == 6 || reg == 7;
	case X86_MAP_0F * 256 + 0xae:
		return reg == 2 || reg == 3;
	case X86_MAP_0F38 * 256 + 0xf3:
		return reg >= 1 && reg <= 3;
	}
	return false;
}

/* AMX (SDM "LDTILECFG" ... "TDPBSSD"): tile registers are tmm0-7 and the operands distinct. */
static bool amx_ok(const struct x86_insn *i)
{
	u8 reg = i->reg, rm = i->rm, v = i->vvvv;

	switch (i->opcode) {
	case 0x49:
		if (i->mandatory == 0xf2)	/* TILEZERO tmm: 11:rrr:000 */
			return (i->modrm & 7) == 0 && reg < 8;
		if (i->mod == 3)		/* TILERELEASE */
			return i->mandatory == 0 && i->modrm == 0xc0;
		return (reg & 7) == 0;		/* LDTILECFG/STTILECFG m512: /0 */
	case 0x4b:
		/* TILELOADD/TILESTORED address memory through a SIB byte ("sibmem"). */
		return i->has_sib && reg < 8;
	}
	/* TDP*: tmm1 (reg), tmm2 (rm), tmm3 (vvvv) all different. */
	return reg < 8 && rm < 8 && v < 8 && reg != rm && reg != v && rm != v;
}

static u32 vex_attr(const struct x86_insn *i)
{
	u8 pp = i->mandatory == 0x66 ? 1 : i->mandatory == 0xf3 ? 2 : i->mandatory == 0xf2 ? 3 : 0;

	if (i->encoding == X86_ENC_XOP) {
		u32 a;

		if (pp)
			return 0;
		a = xop_tab[i->map - X86_MAP_XOP8][i->opcode];
		if (!a)
			return 0;
		if (i->map == X86_MAP_XOP8)
			a |= IB;
		else if (i->map == X86_MAP_XOPA)
			a |= X86_VA_ID;
		return a;
	}
	if (i->map < X86_MAP_0F || i->map > X86_MAP_0F3A)
		return 0;
	if (i->map == X86_MAP_0F3A && vex_tab[2][i->opcode][pp])
		return vex_tab[2][i->opcode][pp] | IB;
	return vex_tab[i->map - 1][i->opcode][pp];
}

static int vex_check(const struct x86_insn *i, u32 a)
{
	bool is64 = i->mode == X86_MODE_64;
	bool mem = i->has_modrm && i->mod != 3;
	/* As a register number, vvvv bit 3 is ignored outside 64-bit mode (SDM 2.3.6). */
	u8 v = is64 ? i->vvvv : i->vvvv & 7;

	if ((a & A_O64) && !is64)
		return -EINVAL;
	if (((a & A_L0) && i->vl) || ((a & A_L1) && !i->vl))
		return -EINVAL;
	if (((a & A_W0) && i->rex_w) || ((a & A_W1) && !i->rex_w))
		return -EINVAL;
	if ((a & A_NOV) && i->vvvv)
		return -EINVAL;
	if ((a & A_NOVM) && mem && i->vvvv)
		return -EINVAL;
	if (((a & A_MEM) && !mem) || ((a & A_REG) && i->has_modrm && mem))
		return -EINVAL;
	if ((a & A_GRP) && !group_ok(i))
		return -EINVAL;
	/* Opmask registers are k0-k7: VEX.R (and vvvv bit 3) must not extend them. */
	if ((a & A_KREG) && i->reg > 7)
		return -EINVAL;
	if ((a & A_KV) && v > 7)
		return -EINVAL;
	if ((a & A_AMX) && !amx_ok(i))
		return -EINVAL;
	if (a & X86_VA_VSIB) {
		/*
		 * SDM "VPGATHERDD": VSIB needs a SIB byte, and the destination, index and mask
		 * registers must all differ (else #UD).
		 */
		u8 index = ((i->sib >> 3) & 7) | (i->rex_x << 3);

		if (!i->has_sib)
			return -EINVAL;
		if (i->reg == index || i->reg == v || index == v)
			return -EINVAL;
	}
	return 0;
}

u32 x86_decode_vex_attr(const struct x86_insn *i)
{
	if (i->encoding == X86_ENC_EVEX)
		return evex_attr(i);
	return vex_attr(i);
}

int x86_decode_vex_check(const struct x86_insn *i, u32 a)
{
	if (i->encoding == X86_ENC_EVEX)
		return evex_check(i, a);
	return vex_check(i, a);
}
