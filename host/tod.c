/*
 * Wall-clock time for both host modes: the host layer reads the firmware's or the RTC's date
 * once at start-up (host_tod_start) and the monotonic TSC clock advances it from there.
 */
#include "host/host.h"

static u64 tod_base_s;
static u64 tod_base_ns;		/* host_time_ns() when the date was read */
static bool tod_known;

void host_tod_start(u64 unix_seconds)
{
	tod_base_s = unix_seconds;
	tod_base_ns = host_time_ns();
	tod_known = true;
}

u64 host_time_of_day_ns(void)
{
	if (!tod_known)
		return 0;
	return tod_base_s * 1000000000ULL + (host_time_ns() - tod_base_ns);
}
