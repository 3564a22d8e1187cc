/* Calendar arithmetic for the RTC model and the host clocks (March-based year, 400-year eras). */
#include "lib/date.h"

static bool date_leap(u32 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

u8 date_month_days(u32 year, u8 month)
{
	static const u8 days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	return month == 2 && date_leap(year) ? 29 : days[month - 1];
}

/* Days since 1970-01-01 of a date; years counted from March so February comes last. */
static u64 date_days(u32 y, u32 m, u32 d)
{
	u32 era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (u64)era * 146097 + doe - 719468;	/* 719468: days from 0000-03-01 to 1970-01-01 */
}

u64 date_to_unix(const struct date_time *t)
{
	return date_days(t->year, t->month, t->day) * 86400ULL + t->hour * 3600U + t->min * 60U +
	       t->sec;
}

void date_from_unix(u64 secs, struct date_time *t)
{
	u64 days = secs / 86400, z = days + 719468;
	u32 rem = (u32)(secs % 86400);
	u32 era = (u32)(z / 146097), doe = (u32)(z - (u64)era * 146097);
	u32 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	u32 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	u32 mp = (5 * doy + 2) / 153;
	u32 m = mp < 10 ? mp + 3 : mp - 9;

	t->year = yoe + era * 400 + (m <= 2);
	t->month = (u8)m;
	t->day = (u8)(doy - (153 * mp + 2) / 5 + 1);
	t->hour = (u8)(rem / 3600);
	t->min = (u8)(rem / 60 % 60);
	t->sec = (u8)(rem % 60);
	t->wday = (u8)((days + 4) % 7);	/* 1970-01-01 was a Thursday */
}
