/* One line of the virtualization feature report: what was found and what MACROHARD does with it. */
#ifndef ARCH_X86_VIRT_FEATURE_H
#define ARCH_X86_VIRT_FEATURE_H

#include "lib/types.h"

enum feature_use {
	FEAT_REQUIRED,	/* guests cannot run without it */
	FEAT_USED,	/* used when present; a fallback exists */
	FEAT_USABLE,	/* reported; not used by this version */
};

struct virt_feature {
	const char *name;
	bool present;
	enum feature_use use;
};

#define VIRT_FEATURES_MAX 64

#endif
