/*
 * Host unit test for the SVM exit table and decoder (svm/svm_exits.c): an
 * independent copy of APM vol. 2, appendix C, Table C-1 checked against the
 * table, the enabled intercepts checked against the policies, and the decoder
 * fed hand-made VMCBs.
 */
// unit-deps: svm/svm_exits.c svm/svm_vmcb.c vm/msr_passthrough.c lib/string.c lib/errno.c
#include <stdio.h>
#include <string.h>

#include "svm/svm.h"
#include "vm/vm.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

/* Table C-1, SVM Intercept Codes, as printed in the APM (exceptions with their mnemonics). */
static const struct {
	u64 code;
	const char *name;
} apm[] = {
	{ 0x000, "VMEXIT_CR0_READ" },
	{ 0x001, "VMEXIT_CR1_READ" },
	{ 0x002, "VMEXIT_CR2_READ" },
	{ 0x003, "VMEXIT_CR3_READ" },
	{ 0x004, "VMEXIT_CR4_READ" },
	{ 0x005, "VMEXIT_CR5_READ" },
	{ 0x006, "VMEXIT_CR6_READ" },
	{ 0x007, "VMEXIT_CR7_READ" },
	{ 0x008, "VMEXIT_CR8_READ" },
	{ 0x009, "VMEXIT_CR9_READ" },
	{ 0x00a, "VMEXIT_CR10_READ" },
	{ 0x00b, "VMEXIT_CR11_READ" },
	{ 0x00c, "VMEXIT_CR12_READ" },
	{ 0x00d, "VMEXIT_CR13_READ" },
	{ 0x00e, "VMEXIT_CR14_READ" },
	{ 0x00f, "VMEXIT_CR15_READ" },
	{ 0x010, "VMEXIT_CR0_WRITE" },
	{ 0x011, "VMEXIT_CR1_WRITE" },
	{ 0x012, "VMEXIT_CR2_WRITE" },
	{ 0x013, "VMEXIT_CR3_WRITE" },
	{ 0x014, "VMEXIT_CR4_WRITE" },
	{ 0x015, "VMEXIT_CR5_WRITE" },
	{ 0x016, "VMEXIT_CR6_WRITE" },
	{ 0x017, "VMEXIT_CR7_WRITE" },
	{ 0x018, "VMEXIT_CR8_WRITE" },
	{ 0x019, "VMEXIT_CR9_WRITE" },
	{ 0x01a, "VMEXIT_CR10_WRITE" },
	{ 0x01b, "VMEXIT_CR11_WRITE" },
	{ 0x01c, "VMEXIT_CR12_WRITE" },
	{ 0x01d, "VMEXIT_CR13_WRITE" },
	{ 0x01e, "VMEXIT_CR14_WRITE" },
	{ 0x01f, "VMEXIT_CR15_WRITE" },
	{ 0x020, "VMEXIT_DR0_READ" },
	{ 0x021, "VMEXIT_DR1_READ" },
	{ 0x022, "VMEXIT_DR2_READ" },
	{ 0x023, "VMEXIT_DR3_READ" },
	{ 0x024, "VMEXIT_DR4_READ" },
	{ 0x025, "VMEXIT_DR5_READ" },
	{ 0x026, "VMEXIT_DR6_READ" },
	{ 0x027, "VMEXIT_DR7_READ" },
	{ 0x028, "VMEXIT_DR8_READ" },
	{ 0x029, "VMEXIT_DR9_READ" },
	{ 0x02a, "VMEXIT_DR10_READ" },
	{ 0x02b, "VMEXIT_DR11_READ" },
	{ 0x02c, "VMEXIT_DR12_READ" },
	{ 0x02d, "VMEXIT_DR13_READ" },
	{ 0x02e, "VMEXIT_DR14_READ" },
	{ 0x02f, "VMEXIT_DR15_READ" },
	{ 0x030, "VMEXIT_DR0_WRITE" },
	{ 0x031, "VMEXIT_DR1_WRITE" },
	{ 0x032, "VMEXIT_DR2_WRITE" },
	{ 0x033, "VMEXIT_DR3_WRITE" },
	{ 0x034, "VMEXIT_DR4_WRITE" },
	{ 0x035, "VMEXIT_DR5_WRITE" },
	{ 0x036, "VMEXIT_DR6_WRITE" },
	{ 0x037, "VMEXIT_DR7_WRITE" },
	{ 0x038, "VMEXIT_DR8_WRITE" },
	{ 0x039, "VMEXIT_DR9_WRITE" },
	{ 0x03a, "VMEXIT_DR10_WRITE" },
	{ 0x03b, "VMEXIT_DR11_WRITE" },
	{ 0x03c, "VMEXIT_DR12_WRITE" },
	{ 0x03d, "VMEXIT_DR13_WRITE" },
	{ 0x03e, "VMEXIT_DR14_WRITE" },
	{ 0x03f, "VMEXIT_DR15_WRITE" },
	{ 0x040, "VMEXIT_EXCP0 (#DE)" },
	{ 0x041, "VMEXIT_EXCP1 (#DB)" },
	{ 0x042, "VMEXIT_EXCP2 (NMI)" },
	{ 0x043, "VMEXIT_EXCP3 (#BP)" },
	{ 0x044, "VMEXIT_EXCP4 (#OF)" },
	{ 0x045, "VMEXIT_EXCP5 (#BR)" },
	{ 0x046, "VMEXIT_EXCP6 (#UD)" },
	{ 0x047, "VMEXIT_EXCP7 (#NM)" },
	{ 0x048, "VMEXIT_EXCP8 (#DF)" },
	{ 0x049, "VMEXIT_EXCP9 (coprocessor segment overrun)" },
	{ 0x04a, "VMEXIT_EXCP10 (#TS)" },
	{ 0x04b, "VMEXIT_EXCP11 (#NP)" },
	{ 0x04c, "VMEXIT_EXCP12 (#SS)" },
	{ 0x04d, "VMEXIT_EXCP13 (#GP)" },
	{ 0x04e, "VMEXIT_EXCP14 (#PF)" },
	{ 0x04f, "VMEXIT_EXCP15 (reserved)" },
	{ 0x050, "VMEXIT_EXCP16 (#MF)" },
	{ 0x051, "VMEXIT_EXCP17 (#AC)" },
	{ 0x052, "VMEXIT_EXCP18 (#MC)" },
	{ 0x053, "VMEXIT_EXCP19 (#XF)" },
	{ 0x054, "VMEXIT_EXCP20 (reserved)" },
	{ 0x055, "VMEXIT_EXCP21 (#CP)" },
	{ 0x056, "VMEXIT_EXCP22 (reserved)" },
	{ 0x057, "VMEXIT_EXCP23 (reserved)" },
	{ 0x058, "VMEXIT_EXCP24 (reserved)" },
	{ 0x059, "VMEXIT_EXCP25 (reserved)" },
	{ 0x05a, "VMEXIT_EXCP26 (reserved)" },
	{ 0x05b, "VMEXIT_EXCP27 (reserved)" },
	{ 0x05c, "VMEXIT_EXCP28 (#HV)" },
	{ 0x05d, "VMEXIT_EXCP29 (#VC)" },
	{ 0x05e, "VMEXIT_EXCP30 (#SX)" },
	{ 0x05f, "VMEXIT_EXCP31 (reserved)" },
	{ 0x060, "VMEXIT_INTR" },
	{ 0x061, "VMEXIT_NMI" },
	{ 0x062, "VMEXIT_SMI" },
	{ 0x063, "VMEXIT_INIT" },
	{ 0x064, "VMEXIT_VINTR" },
	{ 0x065, "VMEXIT_CR0_SEL_WRITE" },
	{ 0x066, "VMEXIT_IDTR_READ" },
	{ 0x067, "VMEXIT_GDTR_READ" },
	{ 0x068, "VMEXIT_LDTR_READ" },
	{ 0x069, "VMEXIT_TR_READ" },
	{ 0x06a, "VMEXIT_IDTR_WRITE" },
	{ 0x06b, "VMEXIT_GDTR_WRITE" },
	{ 0x06c, "VMEXIT_LDTR_WRITE" },
	{ 0x06d, "VMEXIT_TR_WRITE" },
	{ 0x06e, "VMEXIT_RDTSC" },
	{ 0x06f, "VMEXIT_RDPMC" },
	{ 0x070, "VMEXIT_PUSHF" },
	{ 0x071, "VMEXIT_POPF" },
	{ 0x072, "VMEXIT_CPUID" },
	{ 0x073, "VMEXIT_RSM" },
	{ 0x074, "VMEXIT_IRET" },
	{ 0x075, "VMEXIT_SWINT" },
	{ 0x076, "VMEXIT_INVD" },
	{ 0x077, "VMEXIT_PAUSE" },
	{ 0x078, "VMEXIT_HLT" },
	{ 0x079, "VMEXIT_INVLPG" },
	{ 0x07a, "VMEXIT_INVLPGA" },
	{ 0x07b, "VMEXIT_IOIO" },
	{ 0x07c, "VMEXIT_MSR" },
	{ 0x07d, "VMEXIT_TASK_SWITCH" },
	{ 0x07e, "VMEXIT_FERR_FREEZE" },
	{ 0x07f, "VMEXIT_SHUTDOWN" },
	{ 0x080, "VMEXIT_VMRUN" },
	{ 0x081, "VMEXIT_VMMCALL" },
	{ 0x082, "VMEXIT_VMLOAD" },
	{ 0x083, "VMEXIT_VMSAVE" },
	{ 0x084, "VMEXIT_STGI" },
	{ 0x085, "VMEXIT_CLGI" },
	{ 0x086, "VMEXIT_SKINIT" },
	{ 0x087, "VMEXIT_RDTSCP" },
	{ 0x088, "VMEXIT_ICEBP" },
	{ 0x089, "VMEXIT_WBINVD" },
	{ 0x08a, "VMEXIT_MONITOR" },
	{ 0x08b, "VMEXIT_MWAIT" },
	{ 0x08c, "VMEXIT_MWAIT_CONDITIONAL" },
	{ 0x08d, "VMEXIT_XSETBV" },
	{ 0x08e, "VMEXIT_RDPRU" },
	{ 0x08f, "VMEXIT_EFER_WRITE_TRAP" },
	{ 0x090, "VMEXIT_CR0_WRITE_TRAP" },
	{ 0x091, "VMEXIT_CR1_WRITE_TRAP" },
	{ 0x092, "VMEXIT_CR2_WRITE_TRAP" },
	{ 0x093, "VMEXIT_CR3_WRITE_TRAP" },
	{ 0x094, "VMEXIT_CR4_WRITE_TRAP" },
	{ 0x095, "VMEXIT_CR5_WRITE_TRAP" },
	{ 0x096, "VMEXIT_CR6_WRITE_TRAP" },
	{ 0x097, "VMEXIT_CR7_WRITE_TRAP" },
	{ 0x098, "VMEXIT_CR8_WRITE_TRAP" },
	{ 0x099, "VMEXIT_CR9_WRITE_TRAP" },
	{ 0x09a, "VMEXIT_CR10_WRITE_TRAP" },
	{ 0x09b, "VMEXIT_CR11_WRITE_TRAP" },
	{ 0x09c, "VMEXIT_CR12_WRITE_TRAP" },
	{ 0x09d, "VMEXIT_CR13_WRITE_TRAP" },
	{ 0x09e, "VMEXIT_CR14_WRITE_TRAP" },
	{ 0x09f, "VMEXIT_CR15_WRITE_TRAP" },
	{ 0x0a0, "VMEXIT_INVLPGB" },
	{ 0x0a1, "VMEXIT_INVLPGB_ILLEGAL" },
	{ 0x0a2, "VMEXIT_INVPCID" },
	{ 0x0a3, "VMEXIT_MCOMMIT" },
	{ 0x0a4, "VMEXIT_TLBSYNC" },
	{ 0x0a5, "VMEXIT_BUSLOCK" },
	{ 0x0a6, "VMEXIT_IDLE_HLT" },
	{ 0x400, "VMEXIT_NPF" },
	{ 0x401, "AVIC_INCOMPLETE_IPI" },
	{ 0x402, "AVIC_NOACCEL" },
	{ 0x403, "VMEXIT_VMGEXIT" },
	{ 0x407, "VMEXIT_PML_FULL" },
	{ (u64)-1, "VMEXIT_INVALID" },
	{ (u64)-2, "VMEXIT_BUSY" },
	{ (u64)-3, "VMEXIT_IDLE_REQUIRED" },
	{ (u64)-4, "VMEXIT_INVALID_PMC" },
};

static struct vmcb vmcb;
static u64 gpr[GPR_COUNT];

static void decode(u64 code, u64 info1, u64 info2, bool nrip, bool assists, struct vm_exit *e)
{
	struct svm_exit_ctx ctx = { .vmcb = &vmcb, .gpr = gpr, .nrip = nrip,
				    .decode_assists = assists };

	vmcb.ctl.exitcode = code;
	vmcb.ctl.exitinfo1 = info1;
	vmcb.ctl.exitinfo2 = info2;
	svm_exit_decode(&ctx, e);
}

static void test_table_matches_apm(void)
{
	static bool seen[SVM_EXIT_TABLE_SIZE];
	unsigned missing = 0, bad_name = 0, twice = 0, bad_policy = 0, defined = 0;

	CHECK("table fits the per-VM counters", SVM_EXIT_TABLE_SIZE <= VM_EXIT_COUNTERS);
	for (size_t i = 0; i < ARRAY_SIZE(apm); i++) {
		int idx = svm_exit_index(apm[i].code);
		const struct exit_table_entry *e;

		if (idx < 0 || idx >= SVM_EXIT_TABLE_SIZE || !svm_exit_table[idx].defined) {
			printf("  no entry for %#llx %s\n", (unsigned long long)apm[i].code,
			       apm[i].name);
			missing++;
			continue;
		}
		e = &svm_exit_table[idx];
		if (!e->name || strcmp(e->name, apm[i].name)) {
			printf("  %#llx: table says \"%s\", APM says \"%s\"\n",
			       (unsigned long long)apm[i].code, e->name ? e->name : "(null)",
			       apm[i].name);
			bad_name++;
		}
		if (seen[idx]) {
			printf("  %#llx maps to index %d, already taken\n",
			       (unsigned long long)apm[i].code, idx);
			twice++;
		}
		seen[idx] = true;
		if (e->policy != EXIT_POLICY_HANDLE && e->policy != EXIT_POLICY_STOP &&
		    !(e->policy == EXIT_POLICY_INJECT && e->inject_vector < 32))
			bad_policy++;
	}
	for (u32 i = 0; i < SVM_EXIT_TABLE_SIZE; i++) {
		defined += svm_exit_table[i].defined;
		if (!svm_exit_table[i].name)
			bad_name++;
	}
	CHECK_INT("every APM code has a defined entry", missing, 0);
	CHECK_INT("every entry has the APM's name", bad_name, 0);
	CHECK_INT("no two codes share an entry", twice, 0);
	CHECK_INT("every entry has a valid policy", bad_policy, 0);
	CHECK_INT("the table defines exactly the APM's codes", defined, ARRAY_SIZE(apm));
	CHECK_INT("176 codes in Table C-1", ARRAY_SIZE(apm), 176);
	CHECK("the unknown-code slot is a stop entry",
	      !svm_exit_table[SVM_IDX_UNKNOWN].defined &&
	      svm_exit_table[SVM_IDX_UNKNOWN].policy == EXIT_POLICY_STOP);
}

static void test_out_of_range(void)
{
	static const u64 bad[] = {
		0x0a7, 0x0ff, 0x100, 0x3ff, 0x404, 0x405, 0x406, 0x408, 0x500, 0xffff,
		0x80000001,		/* a software-defined VMGEXIT code, not an exit code */
		0x100000072,		/* CPUID with garbage above bit 31 */
		0xfffffffb,		/* -5 in 32 bits */
		(u64)-5, 0x8000000000000000ULL, 0xffffffff00000000ULL, 0x00000001ffffffffULL,
	};
	struct vm_exit e;
	unsigned accepted = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (svm_exit_index(bad[i]) != -ENOENT) {
			printf("  %#llx accepted\n", (unsigned long long)bad[i]);
			accepted++;
		}
	CHECK_INT("codes outside Table C-1 are rejected", accepted, 0);
	memset(&vmcb, 0, sizeof(vmcb));
	decode(0x0a7, 0, 0, false, false, &e);
	CHECK_INT("an unknown code stops the VM", e.kind, VM_EXIT_STOP);
	CHECK_INT("an unknown code counts in the unknown slot", e.table_index, SVM_IDX_UNKNOWN);
	CHECK_INT("its reason keeps the raw code", e.reason, 0xa7);
	CHECK_INT("TCG's 32-bit VMEXIT_INVALID is VMEXIT_INVALID",
		  svm_exit_index(0x00000000ffffffffULL), svm_exit_index((u64)-1));
	CHECK_INT("TCG's 32-bit VMEXIT_BUSY is VMEXIT_BUSY",
		  svm_exit_index(0x00000000fffffffeULL), svm_exit_index((u64)-2));
}

/* Every entry's policy is carried out by the decoder; no handle entry falls through. */
static void test_policies_decode(void)
{
	unsigned wrong = 0;
	struct vm_exit e;

	for (size_t i = 0; i < ARRAY_SIZE(apm); i++) {
		const struct exit_table_entry *t = &svm_exit_table[svm_exit_index(apm[i].code)];
		u64 info1 = 0;

		memset(&vmcb, 0, sizeof(vmcb));
		if (apm[i].code == SVM_EXIT_IOIO)
			info1 = SVM_IOIO_SZ8;
		decode(apm[i].code, info1, 0, false, false, &e);
		switch (t->policy) {
		case EXIT_POLICY_HANDLE:
			if (e.kind == VM_EXIT_STOP || e.kind == VM_EXIT_INJECT ||
			    e.kind >= VM_EXIT_KIND_COUNT)
				wrong++, printf("  %s: handle entry decoded to kind %d\n", t->name, e.kind);
			break;
		case EXIT_POLICY_INJECT:
			if (e.kind != VM_EXIT_INJECT || e.inject.vector != t->inject_vector)
				wrong++, printf("  %s: inject entry decoded to kind %d\n", t->name, e.kind);
			break;
		case EXIT_POLICY_STOP:
			if (e.kind != VM_EXIT_STOP)
				wrong++, printf("  %s: stop entry decoded to kind %d\n", t->name, e.kind);
			break;
		}
		if (e.name != t->name || e.table_index != (u32)svm_exit_index(apm[i].code))
			wrong++, printf("  %s: name or index not carried over\n", t->name);
	}
	CHECK_INT("the decoder carries out every policy", wrong, 0);
}

/* Intercept bit n of each vector produces exit code base + n (appendix B, Table B-1). */
static void test_intercepts_have_policies(void)
{
	struct svm_control_params p = { .iopm_pa = 0x10000, .msrpm_pa = 0x20000, .asid = 1,
					.n_cr3 = 0x30000 };
	const struct vmcb_control *c = &vmcb.ctl;
	unsigned enabled = 0, bad = 0;

	memset(&vmcb, 0, sizeof(vmcb));
	svm_vmcb_init_control(&vmcb, &p);
	const struct {
		u32 bits;
		u64 base;
	} vec[] = {
		{ c->intercept_cr & 0xffff, SVM_EXIT_CR0_READ },
		{ c->intercept_cr >> 16, SVM_EXIT_CR0_WRITE },
		{ c->intercept_dr & 0xffff, SVM_EXIT_DR0_READ },
		{ c->intercept_dr >> 16, SVM_EXIT_DR0_WRITE },
		{ c->intercept_exc, SVM_EXIT_EXCP0 },
		{ c->intercept_misc1, 0x60 },
		{ c->intercept_misc2, 0x80 },
		{ c->intercept_misc3, 0xa0 },
	};

	for (size_t v = 0; v < ARRAY_SIZE(vec); v++) {
		for (u32 b = 0; b < 32; b++) {
			int idx;

			if (!(vec[v].bits & (1u << b)))
				continue;
			enabled++;
			idx = svm_exit_index(vec[v].base + b);
			if (idx < 0 || svm_exit_table[idx].policy == EXIT_POLICY_STOP) {
				printf("  intercept for code %#llx has no handle/inject entry\n",
				       (unsigned long long)(vec[v].base + b));
				bad++;
			}
		}
	}
	CHECK("intercepts are enabled", enabled > 20);
	CHECK_INT("every enabled intercept maps to handle or inject", bad, 0);
	CHECK("nested paging on: VMEXIT_NPF is handled",
	      (c->np_control & SVM_NP_ENABLE) &&
	      svm_exit_table[SVM_IDX_NPF].policy == EXIT_POLICY_HANDLE);
	CHECK("VMEXIT_VINTR (the interrupt window) is handled",
	      svm_exit_table[SVM_EXIT_VINTR].policy == EXIT_POLICY_HANDLE);
	CHECK("VMEXIT_INVALID is handled",
	      svm_exit_table[SVM_IDX_INVALID].policy == EXIT_POLICY_HANDLE);
	CHECK("VMRUN is intercepted (15.5.1)", c->intercept_misc2 & SVM_INT2_VMRUN);
	CHECK("the #AC and #DB loops are intercepted (CVE-2015-5307, CVE-2015-8104)",
	      (c->intercept_exc & BIT(EXC_AC)) && (c->intercept_exc & BIT(EXC_DB)));
	CHECK("only CR4 writes (validated by common code) and CR8 (the local APIC's TPR) are "
	      "intercepted; DRs run natively",
	      c->intercept_cr == ((1U << (16 + 4)) | (1U << 8) | (1U << (16 + 8))) &&
	      c->intercept_dr == 0);
	CHECK("V_INTR_MASKING with the INTR intercept",
	      (c->vintr & SVM_VINTR_MASKING) && (c->intercept_misc1 & SVM_INT1_INTR));
	CHECK("VINTR is not intercepted until a window is requested",
	      !(c->intercept_misc1 & SVM_INT1_VINTR));
	CHECK_U64("ASID", c->asid, 1);
	CHECK_U64("N_CR3", c->n_cr3, 0x30000);
	CHECK_U64("IOPM", c->iopm_base_pa, 0x10000);
	CHECK_U64("MSRPM", c->msrpm_base_pa, 0x20000);
	CHECK_U64("a fresh VMCB flushes its ASID's TLB entries", c->tlb_control,
		  SVM_TLB_CONTROL_FLUSH_ALL);
}

static void test_decode_io(void)
{
	struct vm_exit e;

	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.save.rip = 0x1000;
	decode(SVM_EXIT_IOIO, (0x3f8ULL << 16) | SVM_IOIO_SZ8 | SVM_IOIO_A16, 0x1001, false,
	       false, &e);
	CHECK_INT("IOIO: kind", e.kind, VM_EXIT_IO);
	CHECK_INT("IOIO: port", e.io.port, 0x3f8);
	CHECK_INT("IOIO: size", e.io.size, 1);
	CHECK("IOIO: OUT, not string, not rep", !e.io.in && !e.io.string && !e.io.rep);
	CHECK_INT("IOIO: length from EXITINFO2 without NRIP", e.insn_len, 1);
	CHECK_U64("IOIO: rip", e.rip, 0x1000);

	decode(SVM_EXIT_IOIO, (0x1f0ULL << 16) | SVM_IOIO_IN | SVM_IOIO_STR | SVM_IOIO_REP |
	       SVM_IOIO_SZ16 | SVM_IOIO_A32 | (3ULL << SVM_IOIO_SEG_SHIFT), 0x1003, false, false, &e);
	CHECK("IOIO: rep insw", e.io.in && e.io.string && e.io.rep && e.io.size == 2);
	CHECK_INT("IOIO: address size", e.io.addr_size, 4);
	CHECK_INT("IOIO: segment", e.io.seg, 3);
	CHECK_INT("IOIO: prefixed length", e.insn_len, 3);

	decode(SVM_EXIT_IOIO, (0x60ULL << 16) | SVM_IOIO_SZ32 | SVM_IOIO_A64, 0x1000 + 16, false,
	       false, &e);
	CHECK_INT("IOIO: a next RIP 16 bytes on is not a length", e.insn_len, 0);
	CHECK_INT("IOIO: dword", e.io.size, 4);
	CHECK_INT("IOIO: 64-bit addressing", e.io.addr_size, 8);

	decode(SVM_EXIT_IOIO, (0x60ULL << 16) | SVM_IOIO_SZ8 | SVM_IOIO_SZ16, 0x1001, false,
	       false, &e);
	CHECK_INT("IOIO: two sizes at once stop the VM", e.kind, VM_EXIT_STOP);
}

static void test_decode_npf(void)
{
	struct vm_exit e;
	static const u8 bytes[15] = { 0x88, 0x07, 0x90 };

	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.ctl.insn_len = 3;
	memcpy(vmcb.ctl.insn_bytes, bytes, sizeof(bytes));
	decode(SVM_EXIT_NPF, SVM_NPF_RW | SVM_NPF_US | SVM_NPF_FINAL, 0xfee00030, false, true, &e);
	CHECK_INT("NPF: kind", e.kind, VM_EXIT_STAGE2);
	CHECK_U64("NPF: GPA from EXITINFO2", e.stage2.gpa, 0xfee00030);
	CHECK_INT("NPF: write access", e.stage2.access, VM_ACCESS_WRITE);
	CHECK("NPF: not mapped", !e.stage2.mapped && !e.stage2.gla_valid);
	CHECK_INT("NPF: decode assists supply the bytes", e.stage2.insn_fetched, 3);
	CHECK("NPF: the bytes", !memcmp(e.stage2.insn, bytes, 3));
	CHECK_U64("NPF: EXITINFO1 kept raw", e.qual, SVM_NPF_RW | SVM_NPF_US | SVM_NPF_FINAL);

	decode(SVM_EXIT_NPF, SVM_NPF_P | SVM_NPF_ID, 0x2000, false, false, &e);
	CHECK_INT("NPF: fetch", e.stage2.access, VM_ACCESS_FETCH);
	CHECK("NPF: a permission fault is mapped", e.stage2.mapped);
	CHECK_INT("NPF: no decode assists, no bytes", e.stage2.insn_fetched, 0);

	decode(SVM_EXIT_NPF, SVM_NPF_P, 0x3000, false, false, &e);
	CHECK_INT("NPF: read", e.stage2.access, VM_ACCESS_READ);

	vmcb.ctl.insn_len = 0xff;	/* a count above 15 is never trusted */
	decode(SVM_EXIT_NPF, 0, 0x3000, false, true, &e);
	CHECK("NPF: fetched count capped", e.stage2.insn_fetched <= VM_INSN_MAX);
}

static void test_decode_misc(void)
{
	struct vm_exit e;

	memset(&vmcb, 0, sizeof(vmcb));
	gpr[GPR_RCX] = 0xffffffffc0000080ULL;
	decode(SVM_EXIT_MSR, 1, 0, false, false, &e);
	CHECK_INT("MSR: WRMSR", e.kind, VM_EXIT_MSR_WRITE);
	CHECK_U64("MSR: index is ECX", e.msr.index, 0xc0000080);
	decode(SVM_EXIT_MSR, 0, 0, false, false, &e);
	CHECK_INT("MSR: RDMSR", e.kind, VM_EXIT_MSR_READ);
	decode(SVM_EXIT_MSR, 2, 0, false, false, &e);
	CHECK_INT("MSR: EXITINFO1 2 is not defined", e.kind, VM_EXIT_STOP);

	vmcb.save.rip = 0x7000;
	vmcb.ctl.nrip = 0x7002;
	decode(SVM_EXIT_CPUID, 0, 0, false, false, &e);
	CHECK_INT("CPUID", e.kind, VM_EXIT_CPUID);
	CHECK_INT("CPUID: no NRIP-save, no length", e.insn_len, 0);
	decode(SVM_EXIT_CPUID, 0, 0, true, false, &e);
	CHECK_INT("CPUID: length from NRIP", e.insn_len, 2);
	vmcb.ctl.nrip = 0;
	decode(SVM_EXIT_HLT, 0, 0, true, false, &e);
	CHECK("HLT: NRIP 0 is no length", e.kind == VM_EXIT_HLT && e.insn_len == 0);
	vmcb.ctl.nrip = 0x7003;
	decode(SVM_EXIT_EXCP0 + EXC_PF, 0x6, 0xdeadb000, true, false, &e);
	CHECK_INT("exceptions do not take NRIP", e.insn_len, 0);
	CHECK("#PF: vector, error code, address", e.kind == VM_EXIT_EXCEPTION &&
	      e.exception.vector == EXC_PF && e.exception.has_error &&
	      e.exception.error_code == 6 && e.exception.aux == 0xdeadb000);
	decode(SVM_EXIT_EXCP0 + EXC_UD, 0x1234, 0, false, false, &e);
	CHECK("#UD: no error code", e.exception.vector == EXC_UD && !e.exception.has_error &&
	      e.exception.error_code == 0);
	decode(SVM_EXIT_EXCP0 + EXC_AC, 0, 0, false, false, &e);
	CHECK("#AC: error code", e.exception.has_error);
	decode(SVM_EXIT_VMMCALL, 0, 0, false, false, &e);
	CHECK_INT("VMMCALL is a hypercall", e.kind, VM_EXIT_HYPERCALL);
	decode(SVM_EXIT_VMRUN, 0, 0, false, false, &e);
	CHECK("VMRUN raises #UD", e.kind == VM_EXIT_INJECT && e.inject.vector == EXC_UD);
	decode(SVM_EXIT_VINTR, 0, 0, false, false, &e);
	CHECK_INT("VINTR is the interrupt window", e.kind, VM_EXIT_INTR_WINDOW);
	decode(SVM_EXIT_INTR, 0, 0, false, false, &e);
	CHECK_INT("INTR", e.kind, VM_EXIT_INTR);
	decode(SVM_EXIT_SHUTDOWN, 0, 0, false, false, &e);
	CHECK_INT("SHUTDOWN", e.kind, VM_EXIT_SHUTDOWN);
	decode(SVM_EXIT_WBINVD, 0, 0, false, false, &e);
	CHECK_INT("WBINVD", e.kind, VM_EXIT_INVD);
	decode(0x00000000ffffffffULL, 0, 0, false, false, &e);
	CHECK("VMEXIT_INVALID as TCG reports it", e.kind == VM_EXIT_INVALID_STATE &&
	      e.fail.code == -1 && e.table_index == SVM_IDX_INVALID);

	decode(SVM_EXIT_CR0_WRITE + 4, SVM_CR_VALID | 5, 0, false, true, &e);
	CHECK("MOV CR4 with decode assists", e.kind == VM_EXIT_CR_ACCESS && e.cr.cr == 4 &&
	      e.cr.write && e.cr.gpr == 5);
	decode(SVM_EXIT_CR0_WRITE, 0, 0, false, true, &e);
	CHECK("LMSW/CLTS (no valid bit): decode the instruction", e.cr.gpr == -1);
	decode(SVM_EXIT_CR0_READ + 3, SVM_CR_VALID | 2, 0, false, false, &e);
	CHECK("MOV CR3 without decode assists", !e.cr.write && e.cr.cr == 3 && e.cr.gpr == -1);
	decode(SVM_EXIT_DR0_WRITE + 7, 9, 0, false, true, &e);
	CHECK("MOV DR7", e.kind == VM_EXIT_DR_ACCESS && e.dr.dr == 7 && e.dr.write &&
	      e.dr.gpr == 9);

	decode(SVM_EXIT_TASK_SWITCH, 0x28, SVM_TASK_IRET, false, false, &e);
	CHECK("task switch by IRET", e.kind == VM_EXIT_TASK_SWITCH && e.task.selector == 0x28 &&
	      e.task.source == 1);
	decode(SVM_EXIT_TASK_SWITCH, 0x30, SVM_TASK_JMP, false, false, &e);
	CHECK_INT("task switch by JMP", e.task.source, 2);
	vmcb.ctl.exitintinfo = SVM_EVENT_VALID | 8;
	decode(SVM_EXIT_TASK_SWITCH, 0x30, 0, false, false, &e);
	CHECK_INT("task switch through a task gate", e.task.source, 3);
	vmcb.ctl.exitintinfo = 0;
	decode(SVM_EXIT_TASK_SWITCH, 0x30, 0, false, false, &e);
	CHECK_INT("task switch by CALL", e.task.source, 0);
}

int main(void)
{
	test_table_matches_apm();
	test_out_of_range();
	test_policies_decode();
	test_intercepts_have_policies();
	test_decode_io();
	test_decode_npf();
	test_decode_misc();
	return unit_summary();
}
