/* Identifies the CPU from CPUID (SDM vol. 2A "CPUID", APM vol. 3 appendix E). */
#include "arch/x86/cpu_info.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

static void put_regs(char *dst, u32 a, u32 b, u32 c)
{
	memcpy(dst, &a, 4);
	memcpy(dst + 4, &b, 4);
	memcpy(dst + 8, &c, 4);
	dst[12] = 0;
}

void cpu_info_read(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 base_family, base_model;

	memset(ci, 0, sizeof(*ci));
	ci->max_leaf = r.eax;
	put_regs(ci->vendor_id, r.ebx, r.edx, r.ecx);
	if (str_eq(ci->vendor_id, "GenuineIntel"))
		ci->vendor = CPU_VENDOR_INTEL;
	else if (str_eq(ci->vendor_id, "AuthenticAMD") || str_eq(ci->vendor_id, "HygonGenuine"))
		ci->vendor = CPU_VENDOR_AMD;

	r = cpuid(1, 0);
	base_family = (r.eax >> 8) & 0xf;
	base_model = (r.eax >> 4) & 0xf;
	ci->stepping = r.eax & 0xf;
	ci->family = base_family == 0xf ? base_family + ((r.eax >> 20) & 0xff) : base_family;
	ci->model = (base_family == 0x6 || base_family == 0xf) ?
		    (((r.eax >> 16) & 0xf) << 4) | base_model : base_model;
	ci->has_vmx = r.ecx & BIT(5);
	ci->under_hypervisor = r.ecx & BIT(31);

	ci->max_ext_leaf = cpuid(0x80000000, 0).eax;
	if (ci->max_ext_leaf >= 0x80000001)
		ci->has_svm = cpuid(0x80000001, 0).ecx & BIT(2);
	if (ci->max_ext_leaf >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			memcpy(ci->brand + i * 16, &r, 16);
		}
		ci->brand[48] = 0;
	}
	if (ci->under_hypervisor) {
		r = cpuid(0x40000000, 0);
		put_regs(ci->hypervisor_id, r.ebx, r.ecx, r.edx);
	}
}
