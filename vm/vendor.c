/* Picks the virtualization back-end at boot from CPUID and the capability checks. */
#include "vm/vendor.h"
#include "arch/x86/cpu_info.h"
#include "vmx/vmx_caps.h"
#include "svm/svm_caps.h"
#include "lib/errno.h"
#include "lib/log.h"

const struct vendor_ops *vendor;

int vendor_select(void)
{
	struct vmx_caps vmx;
	struct svm_caps svm;
	int err;

	vmx_caps_read(&vmx);
	svm_caps_read(&svm);
	if (vmx_caps_usable(&vmx))
		vendor = &vmx_ops;
	else if (svm_caps_usable(&svm))
		vendor = &svm_ops;
	else
		return -ENODEV;
	err = vendor->cpu_enable();
	if (err) {
		log_err("%s: cannot enable virtualization on this CPU (%s)\n", vendor->name,
			err_name(err));
		vendor = NULL;
		return err;
	}
	log_info("%s: enabled on CPU %u\n", vendor->name, 0);
	return 0;
}
