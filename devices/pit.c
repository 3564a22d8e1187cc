/*
 * 8254 programmable interval timer on ports 0x40-0x43, and port 0x61 (channel 2's gate, the
 * speaker bit, OUT2 and the refresh toggle).  Counts are derived from host_time_ns() at
 * 1.193182 MHz, so a read is right however long the exit took; channel 0's edges reach
 * GSI PLAT_GSI_PIT from a device timer.  Intel 82C54 datasheet (order 231244) for the modes.
 */
#include "devices/devices.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"

#define PIT_HZ 1193182ULL
#define NS_PER_S 1000000000ULL

/* Control word (port 0x43): SC1:0, RW1:0, M2:0, BCD. */
#define CW_CHANNEL(v) (((v) >> 6) & 3)
#define CW_ACCESS(v) (((v) >> 4) & 3)
#define CW_MODE(v) (((v) >> 1) & 7)
#define CW_BCD 0x01
#define CW_READBACK 3
/* Read-back command: bit 5 clear = latch counts, bit 4 clear = latch status, bits 3:1 = 2,1,0. */
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10

#define ACCESS_LATCH 0
#define ACCESS_LO 1
#define ACCESS_HI 2
#define ACCESS_LOHI 3

/* Port 0x61 (system control port B). */
#define SYSB_GATE2 0x01
#define SYSB_SPEAKER 0x02
#define SYSB_REFRESH 0x10
#define SYSB_OUT2 0x20
#define REFRESH_HALF_NS 15085	/* the DRAM refresh request toggles every 15.085 us */
/*
 * Periodic interrupts come at most every 60 ticks (about 50 us, 20 kHz): a tiny count would
 * otherwise have the host fire a timer every couple of microseconds.  Counts read as usual.
 */
#define PIT_MIN_IRQ_TICKS 60

struct pit_channel {
	struct pit_state *pit;
	u8 index;
	u8 mode;		/* 0-5 */
	u8 access;		/* ACCESS_LO, ACCESS_HI or ACCESS_LOHI */
	bool bcd;
	u16 reload;		/* the count register as written (BCD digits when bcd) */
	u32 period;		/* reload as a number of ticks: 0 means 65536 (10000 in BCD) */
	bool loaded;		/* a count was written since the control word: counting */
	bool triggered;		/* modes 1 and 5: the gate's rising edge started the count */
	bool gate;
	u64 start_ns;		/* when counting (re)started from period */
	u64 paused_ticks;	/* ticks already counted when the gate went low (modes 0, 4) */
	bool write_hi_next;	/* LOHI writes: the next byte is the high one */
	u8 write_lo;
	bool read_hi_next;	/* LOHI reads of the live count */
	/* Latched count (counter latch or read-back) and latched status. */
	u8 latch_left;		/* bytes of latch_val still to be read */
	u16 latch_val;
	bool latch_hi_next;
	bool status_latched;
	u8 status;
	struct dev_timer timer;	/* channel 0: the next OUT edge that raises the IRQ */
	u64 next_tick;		/* channel 0 periodic modes: tick number of the next edge */
};

struct pit_state {
	struct vm *vm;
	struct pit_channel ch[3];
	u8 sysb;		/* port 0x61 bits 0-3 as written; they read back */
};

/* Ticks of the 1.193182 MHz clock in ns nanoseconds (no overflow for any u64). */
static u64 pit_ns_to_ticks(u64 ns)
{
	return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

/* The first host time at which ticks ticks have elapsed (rounded up). */
static u64 pit_ticks_to_ns(u64 ticks)
{
	return ticks / PIT_HZ * NS_PER_S + (ticks % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static u16 pit_to_bcd(u32 v)
{
	return (u16)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

static u32 pit_from_bcd(u16 v)
{
	return ((v >> 12) & 0xf) % 10 * 1000 + ((v >> 8) & 0xf) % 10 * 100 +
	       ((v >> 4) & 0xf) % 10 * 10 + (v & 0xf) % 10;
}

static u32 pit_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* Ticks counted since the count was loaded (or the gate triggered it). */
static u64 pit_elapsed(const struct pit_channel *c, u64 now)
{
	u64 t = c->paused_ticks;

	if (c->gate && now > c->start_ns)
		t += pit_ns_to_ticks(now - c->start_ns);
	return t;
}

static bool pit_running(const struct pit_channel *c)
{
	if (!c->loaded)
		return false;
	if (c->mode == 1 || c->mode == 5)
		return c->triggered;
	return true;
}

/* The counting element and the OUT pin at time now. */
static void pit_state_at(const struct pit_channel *c, u64 now, u32 *count, bool *out)
{
	u32 n = c->period, mod = pit_modulus(c);
	u64 t;

	if (!pit_running(c)) {
		*count = n % mod;
		*out = c->mode != 0;	/* mode 0 drives OUT low from the control word on */
		return;
	}
	t = pit_elapsed(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		/* Count down from n once; OUT high from terminal count on, the count wraps. */
		*count = (u32)((n + mod - t % mod) % mod);
		*out = t >= n;
		break;
	case 2: {
		u32 p = (u32)(t % n);

		/* n, n-1, ..., 1, reload; OUT low while the count is 1. */
		*count = n - p;
		*out = *count != 1;
		break;
	}
	case 3: {
		u32 p = (u32)(t % n), high = (n + 1) / 2;

		/* Decrements by two: OUT high for the first ceil(n/2) ticks, low for the rest. */
		if (p < high) {
			*out = true;
			*count = (n - 2 * p) & ~1U;
		} else {
			*out = false;
			*count = (n - 2 * (p - high)) & ~1U;
		}
		if (!*count)
			*count = n & ~1U;
		break;
	}
	default:	/* 4 and 5: OUT low for the one tick after terminal count */
		*count = (u32)((n + mod - t % mod) % mod);
		*out = t != n;
		break;
	}
	*count %= mod;
	if (!c->gate && (c->mode == 2 || c->mode == 3))
		*out = true;	/* a low gate forces OUT high in modes 2 and 3 */
}

static u16 pit_read_count(const struct pit_channel *c, u64 now)
{
	u32 count;
	bool out;

	pit_state_at(c, now, &count, &out);
	return c->bcd ? pit_to_bcd(count) : (u16)count;
}

/* Channel 0: arm the device timer at the next rising edge of OUT (the PIC/IOAPIC edge). */
static void pit_schedule(struct pit_channel *c, u64 now)
{
	u64 n = c->period, t, edge;

	dev_timer_cancel(&c->timer);
	if (c->index != 0 || !pit_running(c) || !c->gate)
		return;
	t = pit_elapsed(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		if (t >= n)
			return;		/* already fired for this count */
		edge = n;
		break;
	case 4:
	case 5:
		if (t >= n + 1)
			return;
		edge = n + 1;
		break;
	default: {
		/* Mode 2: OUT rises as the count reloads; mode 3: at the start of each high half. */
		u64 step = n * ((PIT_MIN_IRQ_TICKS + n - 1) / n);

		edge = (t / step + 1) * step;
		break;
	}
	}
	c->next_tick = edge;
	dev_timer_arm(&c->timer, c->start_ns + pit_ticks_to_ns(edge - c->paused_ticks));
}

static void pit_timer_fire(struct dev_timer *tm, u64 now)
{
	struct pit_channel *c = tm->opaque;

	irq_pulse(c->pit->vm, PLAT_GSI_PIT);
	/* Periodic modes re-arm on the grid; missed periods coalesce into this one edge. */
	pit_schedule(c, now);
}

static void pit_start(struct pit_channel *c, u64 now)
{
	c->start_ns = now;
	c->paused_ticks = 0;
	c->loaded = true;
	c->read_hi_next = false;
	pit_schedule(c, now);
}

static void pit_write_count(struct pit_channel *c, u16 v, u64 now)
{
	c->reload = v;
	c->period = c->bcd ? pit_from_bcd(v) : v;
	if (!c->period)
		c->period = pit_modulus(c);
	/* Mode 2 and 3 need a count of at least 2; 1 is treated as 2 (82C54: illegal). */
	if ((c->mode == 2 || c->mode == 3) && c->period == 1)
		c->period = 2;
	/*
	 * Modes 0, 2, 3 and 4 start counting on the write; a new count in 2/3 takes effect at
	 * once rather than at the end of the running period.  Modes 1 and 5 wait for a trigger.
	 */
	if (c->mode == 1 || c->mode == 5) {
		c->loaded = true;
		pit_schedule(c, now);
		return;
	}
	pit_start(c, now);
}

static void pit_control(struct pit_channel *c, u8 cw, u64 now)
{
	u8 mode = CW_MODE(cw);

	c->mode = mode > 5 ? mode - 4 : mode;	/* 6 and 7 are 2 and 3 */
	c->access = CW_ACCESS(cw);
	c->bcd = cw & CW_BCD;
	c->loaded = false;
	c->triggered = false;
	c->write_hi_next = false;
	c->read_hi_next = false;
	c->latch_left = 0;
	c->status_latched = false;
	dev_timer_cancel(&c->timer);
	(void)now;
}

static void pit_latch_count(struct pit_channel *c, u64 now)
{
	if (c->latch_left)
		return;		/* a second latch before the first is read is ignored */
	c->latch_val = pit_read_count(c, now);
	c->latch_left = c->access == ACCESS_LOHI ? 2 : 1;
	c->latch_hi_next = c->access == ACCESS_HI;
}

static void pit_latch_status(struct pit_channel *c, u64 now)
{
	u32 count;
	bool out;

	if (c->status_latched)
		return;
	pit_state_at(c, now, &count, &out);
	/* Bit 7 OUT, bit 6 null count, bits 5:4 access, 3:1 mode, 0 BCD. */
	c->status = (u8)((out ? 0x80 : 0) | (c->loaded ? 0 : 0x40) | c->access << 4 |
			 c->mode << 1 | (c->bcd ? 1 : 0));
	c->status_latched = true;
}

static u8 pit_read_data(struct pit_channel *c, u64 now)
{
	u16 v;
	bool hi;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		hi = c->latch_hi_next;
		c->latch_hi_next = !c->latch_hi_next;
		c->latch_left--;
		return hi ? (u8)(c->latch_val >> 8) : (u8)c->latch_val;
	}
	v = pit_read_count(c, now);
	switch (c->access) {
	case ACCESS_LO:
		return (u8)v;
	case ACCESS_HI:
		return (u8)(v >> 8);
	default:
		hi = c->read_hi_next;
		c->read_hi_next = !c->read_hi_next;
		return hi ? (u8)(v >> 8) : (u8)v;
	}
}

static void pit_write_data(struct pit_channel *c, u8 v, u64 now)
{
	switch (c->access) {
	case ACCESS_LO:
		pit_write_count(c, v, now);
		break;
	case ACCESS_HI:
		pit_write_count(c, (u16)(v << 8), now);
		break;
	case ACCESS_LOHI:
		if (!c->write_hi_next) {
			c->write_lo = v;
			c->write_hi_next = true;
			/* Mode 0: writing the first byte stops the count (82C54). */
			if (c->mode == 0) {
				c->loaded = false;
				dev_timer_cancel(&c->timer);
			}
			break;
		}
		c->write_hi_next = false;
		pit_write_count(c, (u16)(c->write_lo | v << 8), now);
		break;
	default:	/* no access mode programmed yet: ignored */
		break;
	}
}

static void pit_set_gate(struct pit_channel *c, bool gate, u64 now)
{
	if (gate == c->gate)
		return;
	if (!gate) {
		/* Counting pauses; modes 2 and 3 also drive OUT high (handled by the restart). */
		c->paused_ticks = pit_elapsed(c, now);
		c->gate = false;
		dev_timer_cancel(&c->timer);
		return;
	}
	c->gate = true;
	c->start_ns = now;
	if (!c->loaded)
		return;
	switch (c->mode) {
	case 1:
	case 5:
		c->triggered = true;
		pit_start(c, now);	/* the rising edge (re)triggers */
		break;
	case 2:
	case 3:
		pit_start(c, now);	/* the rising edge reloads */
		break;
	default:
		pit_schedule(c, now);	/* modes 0 and 4 resume where they paused */
		break;
	}
}

static void pit_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct pit_state *p = opaque;
	u64 now = host_time_ns();

	(void)size;
	if (port == PLAT_PORT_SYSCTRL_B) {
		u32 count;
		bool out2;

		pit_state_at(&p->ch[2], now, &count, &out2);
		*val = p->sysb | (out2 ? SYSB_OUT2 : 0) |
		       ((now / REFRESH_HALF_NS) & 1 ? SYSB_REFRESH : 0);
		return;
	}
	if (port - PLAT_PORT_PIT < 3)
		*val = pit_read_data(&p->ch[port - PLAT_PORT_PIT], now);
	else
		*val = 0xff;	/* the control word register cannot be read */
}

static void pit_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct pit_state *p = opaque;
	u64 now = host_time_ns();
	u8 v = (u8)val;

	(void)size;
	if (port == PLAT_PORT_SYSCTRL_B) {
		p->sysb = v & 0x0f;
		pit_set_gate(&p->ch[2], v & SYSB_GATE2, now);
		return;
	}
	if (port - PLAT_PORT_PIT < 3) {
		pit_write_data(&p->ch[port - PLAT_PORT_PIT], v, now);
		return;
	}
	if (CW_CHANNEL(v) == CW_READBACK) {
		for (u32 i = 0; i < 3; i++) {
			if (!(v & (2 << i)))
				continue;
			/* Status first: a read-back of both returns the status byte first. */
			if (!(v & RB_NO_STATUS))
				pit_latch_status(&p->ch[i], now);
			if (!(v & RB_NO_COUNT))
				pit_latch_count(&p->ch[i], now);
		}
		return;
	}
	if (CW_ACCESS(v) == ACCESS_LATCH)
		pit_latch_count(&p->ch[CW_CHANNEL(v)], now);
	else
		pit_control(&p->ch[CW_CHANNEL(v)], v, now);
}

int pit_create(struct vm *vm)
{
	struct pit_state *p = (struct pit_state *)(uintptr_t)host_pages_alloc(1);
	struct port_handler h = {
		.base = PLAT_PORT_PIT, .count = 4, .name = "pit", .in = pit_in, .out = pit_out,
	};
	struct port_handler sysb = {
		.base = PLAT_PORT_SYSCTRL_B, .count = 1, .name = "port61", .in = pit_in,
		.out = pit_out,
	};
	int err;

	_Static_assert(sizeof(struct pit_state) <= PAGE_SIZE, "PIT state fits a page");
	if (!p)
		return -ENOMEM;
	p->vm = vm;
	for (u32 i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];

		c->pit = p;
		c->index = (u8)i;
		c->gate = i != 2;	/* channels 0 and 1 are gated on; 2 by port 0x61 bit 0 */
		c->access = ACCESS_LOHI;
		c->mode = 3;
		c->period = 65536;
		dev_timer_init(&c->timer, pit_timer_fire, c);
		dev_timer_set_lock(&c->timer, &vm->lock);
	}
	vm->dev->pit = p;
	h.opaque = sysb.opaque = p;
	err = devices_register_ports(vm, &h);
	if (!err)
		err = devices_register_ports(vm, &sysb);
	return err;
}

void pit_destroy(struct vm *vm)
{
	struct pit_state *p = vm->dev->pit;

	if (!p)
		return;
	for (u32 i = 0; i < 3; i++)
		dev_timer_cancel_sync(&p->ch[i].timer);
	host_pages_free((u64)(uintptr_t)p, 1);
	vm->dev->pit = NULL;
}
