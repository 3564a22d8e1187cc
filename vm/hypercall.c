/*
 * Hypercalls (docs/hypercalls.md): one table indexed by call number, each entry
 * naming its handler and whether CPL 3 may make it; arguments are copied out of
 * the registers once, then validated, then acted on.
 */
#include "vm/hypercall.h"
#include "vm/vm.h"
#include "vm/hc_internal.h"
#include "mm/gva.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "macrohard/hypercall.h"

_Static_assert(sizeof(struct hc_version_info) == HC_VERSION_INFO_SIZE, "hc_version_info size");
_Static_assert(sizeof(struct hc_mem_entry) == HC_MEM_ENTRY_SIZE, "hc_mem_entry size");

struct hc_entry {
	s64 (*handler)(struct vcpu *v, struct hc_call *c);
	bool user;		/* CPL 3 may make it */
	u64 feature;		/* its HC_FEATURES bit */
};

/* Copies a caller's input buffer out of guest memory with the caller's privilege. */
s64 hc_copy_in(struct vcpu *v, const struct hc_call *c, u64 gva, void *dst, u64 len)
{
	struct gva_ctx ctx;
	u32 access = c->cpl == 3 ? GVA_USER : 0;

	vcpu_gva_ctx(v, &ctx);
	if (vcpu_code_size(v) != 8)
		gva &= 0xffffffff;
	if (gva_read(&v->vm->mem, &ctx, gva, dst, len, access, NULL, NULL))
		return HC_ERR_BAD_ADDRESS;
	return 0;
}

/* Copies a caller's output buffer into guest memory with the caller's privilege. */
s64 hc_copy_out(struct vcpu *v, const struct hc_call *c, u64 gva, const void *src, u64 len)
{
	struct gva_ctx ctx;
	u32 access = c->cpl == 3 ? GVA_USER : 0;

	vcpu_gva_ctx(v, &ctx);
	if (vcpu_code_size(v) != 8)
		gva &= 0xffffffff;
	if (gva_write(&v->vm->mem, &ctx, gva, src, len, access, NULL, NULL))
		return HC_ERR_BAD_ADDRESS;
	return 0;
}

/* Parses "MAJOR.MINOR.PATCH" of the build's version string. */
static void hc_parse_version(u32 out[3])
{
	const char *s = MACROHARD_VERSION;

	for (int i = 0; i < 3; i++) {
		out[i] = 0;
		while (*s >= '0' && *s <= '9' && out[i] < 100000)
			out[i] = out[i] * 10 + (u32)(*s++ - '0');
		while (*s && (*s < '0' || *s > '9'))
			s++;
	}
}

static s64 hc_version(struct vcpu *v, struct hc_call *c)
{
	u64 buf = c->arg[0], size = c->arg[1];
	struct hc_version_info info;
	u32 ver[3];

	hc_parse_version(ver);
	c->out_rbx = ((u64)ver[0] << 32) | (ver[1] << 16) | ver[2];
	c->set_rbx = true;
	if (!buf)
		return HC_ABI_VERSION;
	if (size < sizeof(info)) {
		c->out_rbx = sizeof(info);
		return HC_ERR_TOO_BIG;
	}
	memset(&info, 0, sizeof(info));
	info.abi_major = HC_ABI_MAJOR;
	info.abi_minor = HC_ABI_MINOR;
	info.hv_major = ver[0];
	info.hv_minor = ver[1];
	info.hv_patch = ver[2];
	str_copy(info.build, MACROHARD_VERSION " " MACROHARD_REV, sizeof(info.build));
	if (hc_copy_out(v, c, buf, &info, sizeof(info))) {
		c->set_rbx = false;
		return HC_ERR_BAD_ADDRESS;
	}
	return HC_ABI_VERSION;
}

static s64 hc_features(struct vcpu *v, struct hc_call *c)
{
	(void)v;
	(void)c;
	return (s64)hypercall_features();
}

static s64 hc_memory_map(struct vcpu *v, struct hc_call *c)
{
	const struct guest_mem *gm = &v->vm->mem;
	struct hc_mem_entry map[HC_MEMORY_MAP_MAX_ENTRIES];
	u64 buf = c->arg[0], size = c->arg[1], need;
	u32 n = 0;

	for (u32 i = 0; i < gm->count && n < HC_MEMORY_MAP_MAX_ENTRIES; i++) {
		const struct guest_region *r = &gm->regions[i];
		u32 type;

		switch (r->type) {
		case GUEST_RAM: type = HC_MEM_RAM; break;
		case GUEST_ROM: type = HC_MEM_ACPI; break;
		case GUEST_MMIO: type = HC_MEM_MMIO; break;
		default: type = HC_MEM_RESERVED; break;
		}
		map[n++] = (struct hc_mem_entry){ .gpa = r->gpa, .size = r->size, .type = type };
	}
	need = (u64)n * sizeof(map[0]);
	if (size < need) {
		c->out_rbx = need;
		c->set_rbx = true;
		return HC_ERR_TOO_BIG;
	}
	if (hc_copy_out(v, c, buf, map, need))
		return HC_ERR_BAD_ADDRESS;
	return n;
}

static s64 hc_timer(struct vcpu *v, struct hc_call *c)
{
	return hc_timer_op(v, c->arg);
}

static const struct hc_entry hc_table[] = {
	[HC_VERSION] = { hc_version, true, HC_FEAT_VERSION },
	[HC_FEATURES] = { hc_features, true, HC_FEAT_FEATURES },
	[HC_MEMORY_MAP] = { hc_memory_map, false, HC_FEAT_MEMORY_MAP },
	[HC_TIMER] = { hc_timer, false, HC_FEAT_TIMER },
	[HC_IPC] = { hc_ipc, true, HC_FEAT_IPC },
	[HC_CLIPBOARD] = { hc_clipboard, true, HC_FEAT_CLIPBOARD },
	[HC_DISPLAY] = { hc_display, true, HC_FEAT_DISPLAY },
};

u64 hypercall_features(void)
{
	u64 f = HC_FEAT_CROSS_VENDOR | HC_FEAT_USER;

	for (u32 i = 0; i < ARRAY_SIZE(hc_table); i++)
		if (hc_table[i].handler)
			f |= hc_table[i].feature;
	return f;
}

static bool hc_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/*
 * The state the agent calls share between VMs (IPC channels, clipboard, window table):
 * taken inside the calling VM's lock (vm/sched.c), never the other way round.
 */
struct rspinlock hc_lock;

/* Performs the call of an instruction of len bytes at RIP. */
static void hc_dispatch(struct vcpu *v, u8 len)
{
	struct hc_call c = { 0 };
	const struct hc_entry *e = NULL;
	u8 size = vcpu_code_size(v);
	u64 mask = size == 8 ? ~0ULL : 0xffffffffULL;

	/* A next RIP outside the canonical range faults at the instruction, as hardware does. */
	if (size == 8 && !hc_canonical(v->rip + len)) {
		vcpu_inject_exception(v, EXC_GP, true, 0);
		return;
	}
	c.nr = v->gpr[GPR_RAX] & mask;
	c.arg[0] = v->gpr[GPR_RBX] & mask;
	c.arg[1] = v->gpr[GPR_RCX] & mask;
	c.arg[2] = v->gpr[GPR_RDX] & mask;
	c.arg[3] = v->gpr[GPR_RSI] & mask;
	c.cpl = vcpu_cpl(v);

	if (c.nr < ARRAY_SIZE(hc_table) && hc_table[c.nr].handler)
		e = &hc_table[c.nr];
	if (!e)
		c.ret = HC_ERR_UNKNOWN_CALL;
	else if (c.cpl == 3 && !e->user)
		c.ret = HC_ERR_NOT_PERMITTED;
	else {
		/* IPC channels, the clipboard and the window table are shared by every VM. */
		rspin_lock(&hc_lock);
		c.ret = e->handler(v, &c);
		rspin_unlock(&hc_lock);
	}

	v->gpr[GPR_RAX] = (u64)c.ret;
	if (c.set_rbx)
		v->gpr[GPR_RBX] = c.out_rbx;
	v->rip = (v->rip + len) & (size == 8 ? ~0ULL : size == 4 ? 0xffffffffULL : 0xffffULL);
	vcpu_instruction_done(v);
}

#define HC_INSN_LEN 3

void hypercall_handle(struct vcpu *v, struct vm_exit *exit)
{
	/* VMCALL and VMMCALL are 0F 01 C1 / 0F 01 D9; the length is fixed (prefixes do not exit). */
	hc_dispatch(v, exit->insn_len ? exit->insn_len : HC_INSN_LEN);
}

bool hypercall_handle_ud(struct vcpu *v)
{
	u8 b[HC_INSN_LEN];

	if (vcpu_fetch_insn(v, b, sizeof(b)) != sizeof(b))
		return false;
	if (b[0] != 0x0f || b[1] != 0x01 || (b[2] != 0xc1 && b[2] != 0xd9))
		return false;
	hc_dispatch(v, HC_INSN_LEN);
	return true;
}
