/* Firmware-independent helpers of the firmware-hosted disk back-ends (see disk_util.h). */
#include "host/uefi/disk_util.h"
#include "lib/errno.h"
#include "lib/string.h"

static const char hex_digits[] = "0123456789abcdef";

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Text order of the 16 bytes: UEFI spec appendix A, the first three fields little-endian. */
static const u8 guid_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

static bool guid_dash_at(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

void disk_guid_format(const u8 guid[16], char out[DISK_GUID_TEXT])
{
	size_t pos = 0;

	for (size_t k = 0; k < 16; k++) {
		u8 b = guid[guid_order[k]];

		if (guid_dash_at(pos))
			out[pos++] = '-';
		out[pos++] = hex_digits[b >> 4];
		out[pos++] = hex_digits[b & 15];
	}
	out[pos] = 0;
}

int disk_guid_parse(const char *text, u8 guid[16])
{
	u8 tmp[16];
	size_t pos = 0;

	for (size_t k = 0; k < 16; k++) {
		int hi, lo;

		if (guid_dash_at(pos) && text[pos++] != '-')
			return -EINVAL;
		hi = hex_nibble(text[pos]);
		lo = hi < 0 ? -1 : hex_nibble(text[pos + 1]);
		if (lo < 0)
			return -EINVAL;
		pos += 2;
		tmp[guid_order[k]] = (u8)(hi << 4 | lo);
	}
	if (text[pos])
		return -EINVAL;
	memcpy(guid, tmp, 16);
	return 0;
}

static u16 fold(u16 c)
{
	return c >= 'a' && c <= 'z' ? (u16)(c - 'a' + 'A') : c;
}

bool disk_name_match(const char *want, const u16 *name, size_t max)
{
	size_t wn = str_len(want), nn = 0;

	while (nn < max && name[nn])
		nn++;
	while (wn && want[wn - 1] == ' ')
		wn--;
	while (nn && name[nn - 1] == ' ')
		nn--;
	if (!wn || wn != nn)
		return false;
	for (size_t i = 0; i < wn; i++)
		if (fold((u8)want[i]) != fold(name[i]))
			return false;
	return true;
}

int disk_path_to_firmware(const char *path, u16 *out, size_t max)
{
	size_t i;

	for (i = 0; path[i]; i++) {
		if (i + 1 >= max)
			return -ENAMETOOLONG;
		out[i] = path[i] == '/' ? '\\' : (u16)(u8)path[i];
	}
	if (!max)
		return -ENAMETOOLONG;
	out[i] = 0;
	return 0;
}

static bool pow2(u64 v)
{
	return v && !(v & (v - 1));
}

int disk_blocks_check(const struct disk_blocks *d)
{
	if (!pow2(d->block_size) || d->block_size < 512 || d->block_size > 65536)
		return -EINVAL;
	if (d->align > 1 && !pow2(d->align))
		return -EINVAL;
	if (!d->bounce || d->bounce_size < d->block_size || d->bounce_size % d->block_size)
		return -EINVAL;
	if (d->align > 1 && (uintptr_t)d->bounce % d->align)
		return -EINVAL;
	return 0;
}

u64 disk_blocks_sectors(u32 block_size, u64 last_lba)
{
	u64 per = block_size / 512;

	if (last_lba == ~0ULL)
		return 0;
	/* (last_lba + 1) * per, saturated rather than wrapped for absurd firmware values. */
	if (last_lba + 1 > ~0ULL / per)
		return ~0ULL / per * per;
	return (last_lba + 1) * per;
}

int disk_blocks_rw(const struct disk_blocks *d, u64 sector, void *buf, u64 len, bool write)
{
	u64 bs = d->block_size, off = sector * 512;
	u8 *p = buf;
	int err;

	while (len) {
		u64 lba = off / bs, head = off % bs, span, n;
		bool aligned = d->align <= 1 || !((uintptr_t)p % d->align);

		if (!head && len >= bs && aligned) {
			n = len / bs * bs;
			err = d->xfer(d->ctx, lba, p, n, write);
			if (err)
				return err;
		} else {
			span = ALIGN_UP(head + len, bs);
			if (span > d->bounce_size)
				span = d->bounce_size;
			n = span - head < len ? span - head : len;
			/* A write that covers blocks partly keeps the rest of them: read them first. */
			if (!write || head || (head + n) % bs) {
				err = d->xfer(d->ctx, lba, d->bounce, span, false);
				if (err)
					return err;
			}
			if (write) {
				memcpy(d->bounce + head, p, n);
				err = d->xfer(d->ctx, lba, d->bounce, span, true);
				if (err)
					return err;
			} else {
				memcpy(p, d->bounce + head, n);
			}
		}
		off += n;
		p += n;
		len -= n;
	}
	return 0;
}
