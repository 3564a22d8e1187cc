/*
 * MC146818 RTC and CMOS memory on ports 0x70/0x71 (Motorola MC146818A data sheet).  The time of
 * day is the host's (host_time_of_day_ns) plus a per-VM offset that guest writes move; the
 * time registers are computed at each read, in BCD or binary and 12- or 24-hour format as
 * register B says.  Update-ended, alarm and periodic interrupts go to IRQ 8 through irq_pulse.
 */
#include "devices/devices.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/date.h"
#include "lib/errno.h"
#include "lib/string.h"

#define NS_PER_S 1000000000ULL

#define RTC_SEC 0x00
#define RTC_SEC_ALARM 0x01
#define RTC_MIN 0x02
#define RTC_MIN_ALARM 0x03
#define RTC_HOUR 0x04
#define RTC_HOUR_ALARM 0x05
#define RTC_WDAY 0x06
#define RTC_MDAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32	/* the century byte the ACPI FADT names */

#define A_UIP 0x80
#define A_DV_MASK 0x70
#define A_DV_NORMAL 0x20	/* 32.768 kHz time base, divider running */
#define A_RATE_MASK 0x0f
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80

#define UIP_NS 244141		/* UIP rises 244 us before each update */
#define ALARM_DONT_CARE 0xc0
#define RTC_MAX_ALARM_SCAN 86401	/* seconds checked for an alarm match in one evaluation */

struct rtc_state {
	struct vm *vm;
	u8 index;
	bool nmi_masked;	/* port 0x70 bit 7, kept for the guest; NMIs are not modelled */
	u8 cmos[128];		/* alarms, A, B, NVRAM; the time registers only while SET */
	u8 reg_c;
	u64 delta_ns;		/* guest RTC time (ns since 1970) = host_time_ns() + delta_ns */
	u64 last_eval;		/* guest RTC time flags were last brought up to date */
	struct dev_timer timer;
};

static u64 rtc_now(const struct rtc_state *r, u64 host_ns)
{
	return host_ns + r->delta_ns;
}

/* The divider chain runs: the periodic interrupt ticks. */
static bool rtc_divider_on(const struct rtc_state *r)
{
	return (r->cmos[RTC_REG_A] & A_DV_MASK) == A_DV_NORMAL;
}

/* The time registers update once a second (not while SET holds them). */
static bool rtc_running(const struct rtc_state *r)
{
	return rtc_divider_on(r) && !(r->cmos[RTC_REG_B] & B_SET);
}

static u8 rtc_encode(const struct rtc_state *r, u32 v)
{
	v %= 100;
	return r->cmos[RTC_REG_B] & B_DM_BINARY ? (u8)v : (u8)((v / 10) << 4 | v % 10);
}

/* Decodes a register value; a non-BCD digit or a value beyond max becomes lo. */
static u32 rtc_decode(const struct rtc_state *r, u8 v, u32 lo, u32 max)
{
	u32 n = v;

	if (!(r->cmos[RTC_REG_B] & B_DM_BINARY)) {
		if ((v & 0xf) > 9 || (v >> 4) > 9)
			return lo;
		n = (v >> 4) * 10 + (v & 0xf);
	}
	return n < lo || n > max ? lo : n;
}

static u8 rtc_encode_hour(const struct rtc_state *r, u32 h)
{
	if (r->cmos[RTC_REG_B] & B_24H)
		return rtc_encode(r, h);
	/* 12-hour: 12, 1, ..., 11, with bit 7 for PM. */
	return (u8)(rtc_encode(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static u32 rtc_decode_hour(const struct rtc_state *r, u8 v)
{
	if (r->cmos[RTC_REG_B] & B_24H)
		return rtc_decode(r, v, 0, 23);
	return rtc_decode(r, v & 0x7f, 1, 12) % 12 + ((v & 0x80) ? 12 : 0);
}

/* The time registers (0, 2, 4, 6-9, 0x32) for time secs in the current format. */
static void rtc_fill_time(struct rtc_state *r, u64 secs)
{
	struct date_time d;

	date_from_unix(secs, &d);
	r->cmos[RTC_SEC] = rtc_encode(r, d.sec);
	r->cmos[RTC_MIN] = rtc_encode(r, d.min);
	r->cmos[RTC_HOUR] = rtc_encode_hour(r, d.hour);
	r->cmos[RTC_WDAY] = rtc_encode(r, d.wday + 1U);	/* 1 = Sunday */
	r->cmos[RTC_MDAY] = rtc_encode(r, d.day);
	r->cmos[RTC_MONTH] = rtc_encode(r, d.month);
	r->cmos[RTC_YEAR] = rtc_encode(r, d.year % 100);
	r->cmos[RTC_CENTURY] = rtc_encode(r, d.year / 100);
}

/* Seconds since 1970 from the time registers; dates before 1970 count as 1970-01-01. */
static u64 rtc_parse_time(const struct rtc_state *r)
{
	struct date_time d = {
		.year = rtc_decode(r, r->cmos[RTC_CENTURY], 0, 99) * 100 +
			rtc_decode(r, r->cmos[RTC_YEAR], 0, 99),
		.month = (u8)rtc_decode(r, r->cmos[RTC_MONTH], 1, 12),
		.hour = (u8)rtc_decode_hour(r, r->cmos[RTC_HOUR]),
		.min = (u8)rtc_decode(r, r->cmos[RTC_MIN], 0, 59),
		.sec = (u8)rtc_decode(r, r->cmos[RTC_SEC], 0, 59),
	};

	if (d.year < 1970)
		return 0;
	d.day = (u8)rtc_decode(r, r->cmos[RTC_MDAY], 1, date_month_days(d.year, d.month));
	return date_to_unix(&d);
}

/* Ticks of the 65536 Hz grid the periodic interrupt divides (rate r: every 2^r of them). */
static u64 rtc_ticks65536(u64 ns)
{
	return ns / NS_PER_S * 65536 + ns % NS_PER_S * 65536 / NS_PER_S;
}

static u64 rtc_ticks65536_to_ns(u64 t)
{
	return t / 65536 * NS_PER_S + (t % 65536 * NS_PER_S + 65535) / 65536;
}

/* Rates 1 and 2 are 256 and 128 Hz on a 32.768 kHz base, like 8 and 9 (data sheet table 5). */
static u64 rtc_period_ticks(const struct rtc_state *r)
{
	u8 rate = r->cmos[RTC_REG_A] & A_RATE_MASK;

	if (!rate)
		return 0;
	return rate < 3 ? 1ULL << (rate + 7) : 1ULL << rate;
}

static bool rtc_alarm_matches(struct rtc_state *r, u64 secs)
{
	struct date_time d;
	u8 now[3], alarm[3] = { r->cmos[RTC_SEC_ALARM], r->cmos[RTC_MIN_ALARM],
				r->cmos[RTC_HOUR_ALARM] };

	date_from_unix(secs, &d);
	now[0] = rtc_encode(r, d.sec);
	now[1] = rtc_encode(r, d.min);
	now[2] = rtc_encode_hour(r, d.hour);
	for (u32 i = 0; i < 3; i++)
		if ((alarm[i] & ALARM_DONT_CARE) != ALARM_DONT_CARE && alarm[i] != now[i])
			return false;
	return true;
}

/* Sets the flags of register C for the events between last_eval and now; raises IRQ 8. */
static void rtc_eval(struct rtc_state *r, u64 host_ns)
{
	u64 now = rtc_now(r, host_ns), prev = r->last_eval, per = rtc_period_ticks(r);

	if (now <= prev)
		return;
	r->last_eval = now;
	if (!rtc_divider_on(r))
		return;
	if (rtc_running(r) && now / NS_PER_S > prev / NS_PER_S) {
		u64 first = prev / NS_PER_S + 1, last = now / NS_PER_S;

		r->reg_c |= C_UF;
		if (last - first >= RTC_MAX_ALARM_SCAN)
			first = last - RTC_MAX_ALARM_SCAN + 1;
		for (u64 s = first; s <= last && !(r->reg_c & C_AF); s++)
			if (rtc_alarm_matches(r, s))
				r->reg_c |= C_AF;
	}
	if (per && rtc_ticks65536(now) / per > rtc_ticks65536(prev) / per)
		r->reg_c |= C_PF;
	if (!(r->reg_c & C_IRQF) && (r->reg_c & r->cmos[RTC_REG_B] & (B_PIE | B_AIE | B_UIE))) {
		r->reg_c |= C_IRQF;
		irq_pulse(r->vm, PLAT_IRQ_RTC);
	}
}

/* Arms the timer at the next event an enabled interrupt waits for. */
static void rtc_schedule(struct rtc_state *r, u64 host_ns)
{
	u64 now = rtc_now(r, host_ns), next = 0, per = rtc_period_ticks(r);
	u8 b = r->cmos[RTC_REG_B];

	dev_timer_cancel(&r->timer);
	if (!rtc_divider_on(r))
		return;
	if ((b & B_PIE) && per)
		next = rtc_ticks65536_to_ns((rtc_ticks65536(now) / per + 1) * per);
	if ((b & (B_AIE | B_UIE)) && rtc_running(r)) {
		u64 sec = (now / NS_PER_S + 1) * NS_PER_S;

		if (!next || sec < next)
			next = sec;
	}
	if (next)
		dev_timer_arm(&r->timer, host_ns + (next - now));
}

static void rtc_timer_fire(struct dev_timer *t, u64 now)
{
	struct rtc_state *r = t->opaque;

	rtc_eval(r, now);
	rtc_schedule(r, now);
}

static bool rtc_is_time_reg(u8 idx)
{
	return idx == RTC_SEC || idx == RTC_MIN || idx == RTC_HOUR ||
	       (idx >= RTC_WDAY && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

static u8 rtc_read(struct rtc_state *r, u8 idx, u64 host_ns)
{
	u64 now = rtc_now(r, host_ns);
	u8 v;

	if (rtc_is_time_reg(idx)) {
		if (!(r->cmos[RTC_REG_B] & B_SET))
			rtc_fill_time(r, now / NS_PER_S);
		return r->cmos[idx];
	}
	switch (idx) {
	case RTC_REG_A:
		v = r->cmos[RTC_REG_A] & ~A_UIP;
		if (rtc_running(r) && now % NS_PER_S >= NS_PER_S - UIP_NS)
			v |= A_UIP;
		return v;
	case RTC_REG_C:
		rtc_eval(r, host_ns);
		v = r->reg_c;
		r->reg_c = 0;	/* reading clears every flag and IRQF */
		return v;
	case RTC_REG_D:
		return D_VRT;
	default:
		return r->cmos[idx];
	}
}

/* Moves the VM's clock so that it reads secs (plus frac_ns) now. */
static void rtc_set_clock(struct rtc_state *r, u64 secs, u64 frac_ns, u64 host_ns)
{
	r->delta_ns = secs * NS_PER_S + frac_ns - host_ns;
	r->last_eval = rtc_now(r, host_ns);
}

static void rtc_write(struct rtc_state *r, u8 idx, u8 v, u64 host_ns)
{
	u64 now = rtc_now(r, host_ns);
	u8 old_b = r->cmos[RTC_REG_B];

	if (rtc_is_time_reg(idx)) {
		if (old_b & B_SET) {
			r->cmos[idx] = v;	/* applied when SET is cleared */
			return;
		}
		/* Without SET the one register changes; the sub-second phase is kept. */
		rtc_fill_time(r, now / NS_PER_S);
		r->cmos[idx] = v;
		rtc_set_clock(r, rtc_parse_time(r), now % NS_PER_S, host_ns);
		rtc_schedule(r, host_ns);
		return;
	}
	switch (idx) {
	case RTC_REG_A:
		rtc_eval(r, host_ns);
		r->cmos[RTC_REG_A] = v & ~A_UIP;
		rtc_schedule(r, host_ns);
		return;
	case RTC_REG_B:
		rtc_eval(r, host_ns);
		if ((v & B_SET) && !(old_b & B_SET)) {
			rtc_fill_time(r, now / NS_PER_S);	/* freeze what the guest sees */
			v &= ~B_UIE;	/* data sheet: setting SET clears UIE */
		}
		r->cmos[RTC_REG_B] = v;
		if (!(v & B_SET) && (old_b & B_SET))
			rtc_set_clock(r, rtc_parse_time(r), 0, host_ns);	/* updates resume */
		/* Enabling an interrupt whose flag is already set raises IRQF at once. */
		if (!(r->reg_c & C_IRQF) && (r->reg_c & v & (B_PIE | B_AIE | B_UIE))) {
			r->reg_c |= C_IRQF;
			irq_pulse(r->vm, PLAT_IRQ_RTC);
		}
		rtc_schedule(r, host_ns);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;		/* read-only */
	default:
		r->cmos[idx] = v;
		return;
	}
}

static void rtc_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct rtc_state *r = opaque;

	(void)size;
	if (port == PLAT_PORT_RTC)
		*val = 0xff;	/* the index register is write-only */
	else
		*val = rtc_read(r, r->index, host_time_ns());
}

static void rtc_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct rtc_state *r = opaque;

	(void)size;
	if (port == PLAT_PORT_RTC) {
		r->index = val & 0x7f;
		r->nmi_masked = val & 0x80;
		return;
	}
	rtc_write(r, r->index, (u8)val, host_time_ns());
}

static void rtc_put16(u8 *cmos, u8 idx, u64 v)
{
	v = MIN(v, 0xffffULL);
	cmos[idx] = (u8)v;
	cmos[idx + 1] = (u8)(v >> 8);
}

/* PC-compatible NVRAM contents, the layout SeaBIOS and QEMU use. */
static void rtc_init_nvram(struct rtc_state *r, u64 ram_bytes)
{
	u64 low = MIN(ram_bytes, PLAT_PCI_HOLE), high = ram_bytes - low;
	u16 sum = 0;

	r->cmos[RTC_REG_A] = A_DV_NORMAL | 0x06;	/* 1024 Hz periodic rate */
	r->cmos[RTC_REG_B] = B_24H;			/* BCD, 24-hour, no interrupts */
	r->cmos[0x14] = 0x02;				/* equipment: FPU, VGA, no floppy */
	rtc_put16(r->cmos, 0x15, PLAT_LOW_RAM_END >> 10);	/* base memory, KiB */
	if (low > (1ULL << 20)) {
		rtc_put16(r->cmos, 0x17, (low - (1ULL << 20)) >> 10);	/* extended, KiB */
		rtc_put16(r->cmos, 0x30, (low - (1ULL << 20)) >> 10);
	}
	if (low > (16ULL << 20))
		rtc_put16(r->cmos, 0x34, (low - (16ULL << 20)) >> 16);	/* above 16 MiB, 64 KiB */
	high >>= 16;					/* above 4 GiB, 64 KiB units, 24 bits */
	high = MIN(high, 0xffffffULL);
	r->cmos[0x5b] = (u8)high;
	r->cmos[0x5c] = (u8)(high >> 8);
	r->cmos[0x5d] = (u8)(high >> 16);
	for (u32 i = 0x10; i <= 0x2d; i++)
		sum += r->cmos[i];
	r->cmos[0x2e] = (u8)(sum >> 8);			/* checksum of 0x10-0x2D, big-endian */
	r->cmos[0x2f] = (u8)sum;
}

int rtc_create(struct vm *vm)
{
	struct rtc_state *r = (struct rtc_state *)(uintptr_t)host_pages_alloc(1);
	struct port_handler h = {
		.base = PLAT_PORT_RTC, .count = 2, .name = "rtc", .in = rtc_in, .out = rtc_out,
	};
	u64 now = host_time_ns();

	_Static_assert(sizeof(struct rtc_state) <= PAGE_SIZE, "RTC state fits a page");
	if (!r)
		return -ENOMEM;
	r->vm = vm;
	r->delta_ns = host_time_of_day_ns() - now;
	r->last_eval = rtc_now(r, now);
	rtc_init_nvram(r, vm->mem.ram_bytes);
	dev_timer_init(&r->timer, rtc_timer_fire, r);
	dev_timer_set_lock(&r->timer, &vm->lock);
	vm->dev->rtc = r;
	h.opaque = r;
	return devices_register_ports(vm, &h);
}

void rtc_destroy(struct vm *vm)
{
	struct rtc_state *r = vm->dev->rtc;

	if (!r)
		return;
	dev_timer_cancel_sync(&r->timer);
	host_pages_free((u64)(uintptr_t)r, 1);
	vm->dev->rtc = NULL;
}
