/* Prints the start-up banner every boot begins with (both host modes). */
#include "boot/banner.h"
#include "host/host.h"
#include "lib/log.h"

static const char *const use_names[] = {
	[FEAT_REQUIRED] = "required", [FEAT_USED] = "used when present",
	[FEAT_USABLE] = "not used yet",
};

static void banner_features(const char *title, const struct virt_feature *f, size_t n)
{
	log_raw("%s:\n", title);
	for (size_t i = 0; i < n; i++)
		log_raw("  %-38s %-8s %s\n", f[i].name, f[i].present ? "present" : "absent",
			use_names[f[i].use]);
}

static void banner_virt(struct platform *p)
{
	struct virt_feature f[VIRT_FEATURES_MAX];
	size_t n;

	if (p->cpu.vendor == CPU_VENDOR_INTEL || p->cpu.has_vmx) {
		vmx_caps_read(&p->vmx);
		if (p->vmx.vmx && p->vmx.basic)
			log_raw("VT-x: VMCS revision 0x%x, IA32_FEATURE_CONTROL 0x%llx (%s)\n",
				(u32)(p->vmx.basic & 0x7fffffff),
				(unsigned long long)p->vmx.feature_control,
				p->vmx.fc_locked ? "locked" : "unlocked");
		n = vmx_caps_features(&p->vmx, f, ARRAY_SIZE(f));
		banner_features("VT-x features", f, n);
		log_raw("VT-x: %s\n", vmx_caps_usable(&p->vmx) ? "usable" : "NOT usable");
	}
	if (p->cpu.vendor == CPU_VENDOR_AMD || p->cpu.has_svm) {
		svm_caps_read(&p->svm);
		if (p->svm.svm)
			log_raw("AMD-V: SVM revision %u, %u ASIDs, VM_CR %s\n", p->svm.revision,
				p->svm.asids, !p->svm.vm_cr_readable ? "not implemented" :
				p->svm.svm_locked ? "locked" : "unlocked");
		n = svm_caps_features(&p->svm, f, ARRAY_SIZE(f));
		banner_features("AMD-V features", f, n);
		log_raw("AMD-V: %s\n", svm_caps_usable(&p->svm) ? "usable" : "NOT usable");
	}
}

void banner_print(struct platform *p)
{
	const struct host_info *hi = host_get_info();
	const struct host_mem_summary *m = &hi->mem;
	u64 khz = host_tsc_hz() / 1000;

	cpu_info_read(&p->cpu);
	log_raw("\nMACROHARD %s (%s), %s\n", MACROHARD_VERSION, MACROHARD_REV,
		hi->mode == HOST_MODE_UEFI ? "firmware-hosted (UEFI)" : "standalone (Multiboot2)");
	log_raw("firmware: %s, revision 0x%x", hi->firmware, hi->firmware_revision);
	if (hi->spec_revision)
		log_raw(", UEFI %u.%u", hi->spec_revision >> 16, (hi->spec_revision & 0xffff) / 10);
	log_raw("\n");
	log_raw("cpu: %s family 0x%x model 0x%x stepping %u \"%s\"\n", p->cpu.vendor_id,
		p->cpu.family, p->cpu.model, p->cpu.stepping, p->cpu.brand);
	if (p->cpu.under_hypervisor)
		log_raw("cpu: running under a hypervisor (\"%s\")\n", p->cpu.hypervisor_id);
	log_raw("cpus: %u\n", hi->cpu_count);
	log_raw("tsc: %llu.%03llu MHz\n", (unsigned long long)(khz / 1000),
		(unsigned long long)(khz % 1000));
	log_raw("memory: %u map entries, %llu MiB usable, %llu MiB reserved, "
		"largest free range %llu MiB, highest address 0x%llx\n", m->entries,
		(unsigned long long)(m->usable_bytes >> 20),
		(unsigned long long)(m->reserved_bytes >> 20),
		(unsigned long long)(m->largest_free >> 20),
		(unsigned long long)m->highest_addr);
	banner_virt(p);
}
