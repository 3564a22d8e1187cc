/* HC_TIMER (docs/hypercalls.md): hypervisor time, the guest TSC frequency, virtual timers. */
#include "vm/vtimer.h"
#include "vm/vm.h"
#include "host/host.h"
#include "macrohard/hypercall.h"

_Static_assert(VTIMER_COUNT == HC_TIMER_COUNT, "timers per vCPU");

/* arg: RBX = sub-operation, RCX = timer, RDX = ns, RSI = vector | flags. */
s64 hc_timer_op(struct vcpu *v, const u64 arg[4])
{
	u64 op = arg[0], idx = arg[1], ns = arg[2], rsi = arg[3];
	u64 vector = rsi & 0xff;

	switch (op) {
	case HC_TIMER_GET_TIME:
		return (s64)(host_time_ns() & (~0ULL >> 1));
	case HC_TIMER_GET_TSC_FREQ:
		return (s64)host_tsc_hz();
	case HC_TIMER_ARM:
		if (idx >= HC_TIMER_COUNT)
			return HC_ERR_NOT_FOUND;
		if (vector < HC_TIMER_VECTOR_MIN || vector > HC_TIMER_VECTOR_MAX ||
		    (rsi & ~(0xffULL | HC_TIMER_PERIODIC)) ||
		    ns < HC_TIMER_MIN_NS || ns > HC_TIMER_MAX_NS)
			return HC_ERR_INVALID;
		vtimer_arm(v, (u32)idx, ns, rsi & HC_TIMER_PERIODIC, (u8)vector);
		return 0;
	case HC_TIMER_CANCEL:
		if (idx >= HC_TIMER_COUNT)
			return HC_ERR_NOT_FOUND;
		return vtimer_cancel(v, (u32)idx) ? 1 : 0;
	default:
		return HC_ERR_UNKNOWN_OP;
	}
}
