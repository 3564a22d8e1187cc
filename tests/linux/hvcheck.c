/*
 * hvcheck: the MACROHARD checks a real Linux user-space process makes inside the guest
 * (tests/linux/init).  Built static with the host gcc against glibc and guest-agent/libhc.
 *
 * usage: hvcheck signature|hypercalls|sleep [direct|macrohard]
 *   signature   CPUID 0x40000000: MACROHARD's signature under MACROHARD, none off it
 *   hypercalls  HC_VERSION and HC_FEATURES from CPL 3 through libhc (user calls)
 *   sleep       guest TSC ticks across clock_nanosleep(1 s), converted with the TSC
 *               frequency from CPUID 0x40000010 EAX (kHz) or else /proc/cpuinfo: 1 s +- 5 %
 *               (up to three tries: a starved emulator makes a sleep late, never early)
 * Prints PASS:/FAIL:/SKIP: lines (kvm-unit-tests style); exit status 1 if anything failed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "libhc.h"

static int failed;

static void result(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void result(const char *kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s: hvcheck: ", kind);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (!strcmp(kind, "FAIL"))
		failed = 1;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* The hypervisor leaf range: max leaf in *max, signature (12 bytes, NUL-terminated) in sig. */
static int hv_signature(char sig[13], uint32_t *max)
{
	uint32_t r[4];

	cpuid(1, r);
	if (!(r[2] & (1u << 31))) {
		strcpy(sig, "");
		*max = 0;
		return 0;
	}
	cpuid(0x40000000, r);
	*max = r[0];
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	return 1;
}

static int is_macrohard(void)
{
	char sig[13];
	uint32_t max;

	return hv_signature(sig, &max) && !memcmp(sig, "MACROHARD\0\0\0", 12);
}

static void check_signature(int expect_mh)
{
	char sig[13];
	uint32_t max;
	int hv = hv_signature(sig, &max);
	int mh = hv && !memcmp(sig, "MACROHARD\0\0\0", 12);

	printf("hvcheck: cpuid hypervisor bit %d, 0x40000000: max leaf 0x%08x, signature '%s'\n",
	       hv, max, sig);
	if (expect_mh)
		result(mh ? "PASS" : "FAIL", "cpuid 0x40000000 signature is MACROHARD%s",
		       mh ? "" : " (not found)");
	else
		result(mh ? "FAIL" : "PASS", "no MACROHARD signature off MACROHARD (direct run)%s",
		       mh ? ": found one" : "");
}

static void expect_eq(const char *what, int64_t got, int64_t want)
{
	if (got == want)
		result("PASS", "%s", what);
	else
		result("FAIL", "%s (got %lld, want %lld)", what, (long long)got, (long long)want);
}

/* From CPL 3 the kernel-only calls are refused and the user calls work, with the caller's
 * privilege applied to every buffer (docs/hypercalls.md, "Privilege"). */
static void check_user_limits(void)
{
	static struct hc_mem_entry map[HC_MEMORY_MAP_MAX_ENTRIES];
	struct hc_version_info info;
	uint64_t need = 0;

	expect_eq("hc_memory_map from user space -> not permitted",
		  libhc_memory_map(map, sizeof(map), &need), HC_ERR_NOT_PERMITTED);
	expect_eq("hc_timer get time from user space -> not permitted", libhc_timer_time_ns(),
		  HC_ERR_NOT_PERMITTED);
	expect_eq("hc_timer arm from user space -> not permitted",
		  libhc_timer_arm(0, 1000000, 0x40, 0), HC_ERR_NOT_PERMITTED);
	memset(&info, 0, sizeof(info));
	expect_eq("hc_version with a user buffer from user space", libhc_version_info(&info),
		  HC_ABI_VERSION);
	expect_eq("hc_version_info.abi_major from user space", info.abi_major, HC_ABI_MAJOR);
	expect_eq("hc_version into an unmapped user address -> bad address",
		  libhc_version_info((struct hc_version_info *)16), HC_ERR_BAD_ADDRESS);
	expect_eq("hc_version into a kernel address -> bad address",
		  libhc_version_info((struct hc_version_info *)0xffffffff81000000ULL),
		  HC_ERR_BAD_ADDRESS);
	expect_eq("hc_ipc open of an undeclared channel from user space -> not found",
		  libhc_ipc_open("nosuch", 6, NULL), HC_ERR_NOT_FOUND);
}

static void check_hypercalls(int expect_mh)
{
	uint64_t hv_version = 0;
	int64_t ver, feat;

	if (!is_macrohard()) {
		/* VMCALL off a hypervisor that offers it would raise #UD (SIGILL). */
		result(expect_mh ? "FAIL" : "SKIP", "hc_version from user space (%s)",
		       expect_mh ? "no MACROHARD signature, not attempted" : "not under MACROHARD");
		result(expect_mh ? "FAIL" : "SKIP", "hc_features from user space (%s)",
		       expect_mh ? "no MACROHARD signature, not attempted" : "not under MACROHARD");
		return;
	}
	libhc_init();
	ver = libhc_version(&hv_version);
	printf("hvcheck: hc_version -> %lld (abi %lld.%lld), hypervisor %llu.%llu.%llu\n",
	       (long long)ver, (long long)(ver >> 16), (long long)(ver & 0xffff),
	       (unsigned long long)(hv_version >> 32),
	       (unsigned long long)((hv_version >> 16) & 0xffff),
	       (unsigned long long)(hv_version & 0xffff));
	if (ver == HC_ABI_VERSION)
		result("PASS", "hc_version from user space returns abi %d.%d", HC_ABI_MAJOR,
		       HC_ABI_MINOR);
	else
		result("FAIL", "hc_version from user space (got %lld, want %d)", (long long)ver,
		       HC_ABI_VERSION);
	feat = libhc_features();
	printf("hvcheck: hc_features -> 0x%llx\n", (unsigned long long)feat);
	if (feat < 0)
		result("FAIL", "hc_features from user space (error %lld)", (long long)feat);
	else if ((feat & (HC_FEAT_VERSION | HC_FEAT_FEATURES | HC_FEAT_USER)) !=
		 (HC_FEAT_VERSION | HC_FEAT_FEATURES | HC_FEAT_USER))
		result("FAIL", "hc_features from user space (0x%llx lacks version, features or user)",
		       (unsigned long long)feat);
	else
		result("PASS", "hc_features from user space lists version, features and user calls");
	check_user_limits();
}

/* The TSC frequency in kHz: CPUID 0x40000010 EAX (the VMware/KVM timing leaf) when the
 * hypervisor range reaches it, else "cpu MHz" of /proc/cpuinfo.  *src says which. */
static double tsc_khz(const char **src)
{
	char sig[13], line[256];
	uint32_t max, r[4];
	double mhz = 0;
	FILE *f;

	if (hv_signature(sig, &max) && max >= 0x40000010) {
		cpuid(0x40000010, r);
		if (r[0]) {
			*src = "cpuid 0x40000010";
			return r[0];
		}
	}
	*src = "/proc/cpuinfo";
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(f);
	return mhz * 1000.0;
}

/*
 * One clock_nanosleep(1 s) in guest TSC seconds.  A sleep can end late when the host starves
 * the emulator (the vCPU is not run when its timer fires), never early: so up to three tries,
 * and the check passes with the first one within 1 s +- 5 %; one below 0.95 s fails at once.
 */
static void check_sleep(void)
{
	const char *src;
	double khz = tsc_khz(&src), secs = 0;
	struct timespec one = { 1, 0 };
	uint64_t t0, t1;
	int err, tries;

	if (khz <= 0) {
		result("FAIL", "sleep 1 s in guest tsc time (no tsc frequency from %s)", src);
		return;
	}
	for (tries = 1; tries <= 3; tries++) {
		t0 = __builtin_ia32_rdtsc();
		err = clock_nanosleep(CLOCK_MONOTONIC, 0, &one, NULL);
		t1 = __builtin_ia32_rdtsc();
		if (err) {
			result("FAIL", "sleep 1 s in guest tsc time (clock_nanosleep: %s)", strerror(err));
			return;
		}
		secs = (double)(t1 - t0) / (khz * 1000.0);
		printf("hvcheck: clock_nanosleep(1 s) took %llu tsc ticks = %.4f s at %.3f MHz (%s)\n",
		       (unsigned long long)(t1 - t0), secs, khz / 1000.0, src);
		fflush(stdout);
		if (secs <= 1.05)	/* in range, or early: trying again would not help */
			break;
	}
	result(secs >= 0.95 && secs <= 1.05 ? "PASS" : "FAIL",
	       "sleep 1 s takes 1 s +- 5 %% of guest tsc time (%.4f s, try %d)", secs,
	       tries > 3 ? 3 : tries);
}

int main(int argc, char **argv)
{
	int expect_mh = argc > 2 && !strcmp(argv[2], "macrohard");

	if (argc < 2 || (argc > 2 && strcmp(argv[2], "macrohard") && strcmp(argv[2], "direct"))) {
		fprintf(stderr, "usage: hvcheck signature|hypercalls|sleep [direct|macrohard]\n");
		return 2;
	}
	if (!strcmp(argv[1], "signature"))
		check_signature(expect_mh);
	else if (!strcmp(argv[1], "hypercalls"))
		check_hypercalls(expect_mh);
	else if (!strcmp(argv[1], "sleep"))
		check_sleep();
	else {
		fprintf(stderr, "hvcheck: unknown check '%s'\n", argv[1]);
		return 2;
	}
	return failed;
}
