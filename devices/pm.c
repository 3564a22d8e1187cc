/*
 * ACPI PM registers of the fixed hardware (ACPI 6.4, 4.8): PM1a event block (PM1_STS, PM1_EN)
 * at PLAT_PORT_PM1A_EVT, PM1a control at PLAT_PORT_PM1A_CNT, and the 32-bit PM timer at
 * PLAT_PORT_PM_TMR (3.579545 MHz from host_time_ns()).  Sleep type S5 powers the VM off.
 */
#include "devices/devices.h"
#include "devices/acpi.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "vm/vm.h"
#include "vm/platform.h"
#include "host/host.h"
#include "lib/errno.h"

#define PM_TMR_HZ 3579545ULL
#define NS_PER_S 1000000000ULL
#define PM_PORTS 12		/* event block 4, control 2 (+2 unused), timer 4 */

/* PM1_STS / PM1_EN bits (ACPI 6.4 tables 4.16-4.17). */
#define PM1_TMR 0x0001
#define PM1_BM 0x0010
#define PM1_GBL 0x0020
#define PM1_PWRBTN 0x0100
#define PM1_SLPBTN 0x0200
#define PM1_RTC 0x0400
#define PM1_PCIEXP_WAKE 0x4000
#define PM1_WAK 0x8000
#define PM1_STS_W1C (PM1_TMR | PM1_BM | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | \
		     PM1_PCIEXP_WAKE | PM1_WAK)
#define PM1_EN_MASK (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_PCIEXP_WAKE)
#define PM1_SCI_SOURCES (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)

/* PM1_CNT (table 4.18). */
#define CNT_SCI_EN 0x0001
#define CNT_BM_RLD 0x0002
#define CNT_GBL_RLS 0x0004
#define CNT_SLP_TYP_SHIFT 10
#define CNT_SLP_TYP_MASK 0x1c00
#define CNT_SLP_EN 0x2000
#define CNT_STORED (CNT_BM_RLD | CNT_SLP_TYP_MASK)

struct pm_state {
	struct vm *vm;
	u16 sts, en, cnt;
	u64 tmr_half;		/* ticks / 2^31 when TMR_STS was last evaluated */
	bool sci;		/* the level on the SCI line */
	struct dev_timer timer;	/* the next carry out of bit 31 while TMR_EN is set */
};

static u64 pm_ticks(u64 ns)
{
	return ns / NS_PER_S * PM_TMR_HZ + ns % NS_PER_S * PM_TMR_HZ / NS_PER_S;
}

static void pm_update(struct pm_state *p, u64 now)
{
	u64 half = pm_ticks(now) >> 31;
	bool sci;

	/* TMR_STS is set whenever bit 31 of the counter changes (ACPI PM timer), however often. */
	if (half != p->tmr_half) {
		p->sts |= PM1_TMR;
		p->tmr_half = half;
	}
	sci = (p->cnt & CNT_SCI_EN) && (p->sts & p->en & PM1_SCI_SOURCES);
	if (sci != p->sci) {
		p->sci = sci;
		irq_set_level(p->vm, PLAT_IRQ_SCI, sci);
	}
	dev_timer_cancel(&p->timer);
	if (p->en & PM1_TMR) {
		u64 next = (pm_ticks(now) >> 31) + 1;	/* the next multiple of 2^31 ticks */
		u64 t = next << 31;

		dev_timer_arm(&p->timer, t / PM_TMR_HZ * NS_PER_S +
			      (t % PM_TMR_HZ * NS_PER_S + PM_TMR_HZ - 1) / PM_TMR_HZ);
	}
}

static void pm_timer_fire(struct dev_timer *t, u64 now)
{
	pm_update(t->opaque, now);
}

static u8 pm_read_byte(struct pm_state *p, u32 off, u32 tmr)
{
	switch (off) {
	case 0: case 1:
		return (u8)(p->sts >> (8 * off));
	case 2: case 3:
		return (u8)(p->en >> (8 * (off - 2)));
	case 4: case 5:
		return (u8)(p->cnt >> (8 * (off - 4)));
	case 8: case 9: case 10: case 11:
		return (u8)(tmr >> (8 * (off - 8)));
	default:
		return 0xff;
	}
}

static void pm_in(void *opaque, u16 port, u8 size, u32 *val)
{
	struct pm_state *p = opaque;
	u64 now = host_time_ns();
	u32 tmr = (u32)pm_ticks(now), v = 0;

	pm_update(p, now);
	for (u32 i = 0; i < size; i++) {
		u32 off = port - PLAT_PORT_PM_BASE + i;

		v |= (u32)(off < PM_PORTS ? pm_read_byte(p, off, tmr) : 0xff) << (8 * i);
	}
	*val = v;
}

/* SLP_EN with a sleep type: S5 is the only state the DSDT offers; others are ignored. */
static void pm_sleep(struct pm_state *p, u16 cnt)
{
	u32 typ = (cnt & CNT_SLP_TYP_MASK) >> CNT_SLP_TYP_SHIFT;

	if (typ == ACPI_SLP_TYP_S5)
		vm_stop(p->vm, 0, "guest powered off (ACPI S5): clean shutdown, exit status 0");
}

static void pm_out(void *opaque, u16 port, u8 size, u32 val)
{
	struct pm_state *p = opaque;
	u16 cnt = p->cnt;
	bool cnt_written = false;

	for (u32 i = 0; i < size; i++) {
		u32 off = port - PLAT_PORT_PM_BASE + i;
		u16 b = (u8)(val >> (8 * i));

		switch (off) {
		case 0: case 1:
			p->sts &= ~((b << (8 * off)) & PM1_STS_W1C);
			break;
		case 2: case 3: {
			u16 sh = (u16)(8 * (off - 2));

			p->en = (u16)((p->en & ~(0xff << sh)) | ((b << sh) & PM1_EN_MASK));
			break;
		}
		case 4: case 5: {
			u16 sh = (u16)(8 * (off - 4));

			cnt = (u16)((cnt & ~(0xff << sh)) | (b << sh));
			cnt_written = true;
			break;
		}
		default:
			break;	/* the PM timer and the gap are read-only */
		}
	}
	if (cnt_written) {
		/* SCI_EN stays set: no SMI handshake (FADT SMI_CMD = 0); SLP_EN reads as 0. */
		p->cnt = (u16)((cnt & CNT_STORED) | CNT_SCI_EN);
		if (cnt & CNT_SLP_EN)
			pm_sleep(p, cnt);
	}
	pm_update(p, host_time_ns());
}

int pm_create(struct vm *vm)
{
	struct pm_state *p = (struct pm_state *)(uintptr_t)host_pages_alloc(1);
	struct port_handler h = {
		.base = PLAT_PORT_PM_BASE, .count = PM_PORTS, .name = "acpi-pm", .in = pm_in,
		.out = pm_out,
	};

	_Static_assert(PLAT_PORT_PM1A_EVT == PLAT_PORT_PM_BASE &&
		       PLAT_PORT_PM1A_CNT == PLAT_PORT_PM_BASE + 4 &&
		       PLAT_PORT_PM_TMR == PLAT_PORT_PM_BASE + 8, "the PM block layout pm.c decodes");
	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->cnt = CNT_SCI_EN;
	p->tmr_half = pm_ticks(host_time_ns()) >> 31;
	dev_timer_init(&p->timer, pm_timer_fire, p);
	dev_timer_set_lock(&p->timer, &vm->lock);
	vm->dev->pm = p;
	h.opaque = p;
	return devices_register_ports(vm, &h);
}

void pm_destroy(struct vm *vm)
{
	struct pm_state *p = vm->dev->pm;

	if (!p)
		return;
	dev_timer_cancel_sync(&p->timer);
	host_pages_free((u64)(uintptr_t)p, 1);
	vm->dev->pm = NULL;
}
