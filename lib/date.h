/* Calendar arithmetic: proleptic Gregorian dates to and from seconds since 1970-01-01. */
#ifndef LIB_DATE_H
#define LIB_DATE_H

#include "lib/types.h"

struct date_time {
	u32 year;	/* 1970 and later */
	u8 month;	/* 1-12 */
	u8 day;		/* 1-31 */
	u8 hour, min, sec;
	u8 wday;	/* 0 = Sunday; filled by date_from_unix, ignored by date_to_unix */
};

/* Days in a month of a year; 0 for a month outside 1-12. */
u8 date_month_days(u32 year, u8 month);
/* Seconds since 1970-01-01 00:00:00; fields out of range are not checked, callers validate. */
u64 date_to_unix(const struct date_time *d);
void date_from_unix(u64 secs, struct date_time *d);

#endif
