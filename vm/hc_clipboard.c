/* HC_CLIPBOARD (docs/hypercalls.md): one clipboard shared by every VM, its content per format in
 * host pages, each transfer checked against the VM's policy and validated before it replaces
 * anything. */
#include "vm/hc_internal.h"
#include "vm/vm.h"
#include "host/host.h"
#include "lib/string.h"
#include "macrohard/hypercall.h"

struct clip_format {
	u8 *data;		/* host pages, NULL when not written */
	u64 len;
};

static struct {
	u64 serial;		/* the announcer's serial; 0: never announced */
	u32 formats;		/* announced formats (mask of 1 << HC_CLIP_FMT_*) */
	struct vm *owner;	/* the VM that announced; only it may write */
	struct clip_format fmt[HC_CLIP_FMT_COUNT];
} clip;

static u8 png_sig[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

static u64 clip_pages(u64 len)
{
	return len ? ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE : 1;
}

static void clip_free(struct clip_format *f)
{
	if (f->data)
		host_pages_free((u64)(uintptr_t)f->data, clip_pages(f->len));
	f->data = NULL;
	f->len = 0;
}

bool hc_utf8_valid(const u8 *s, u64 len)
{
	u64 i = 0;

	while (i < len) {
		u8 b = s[i];
		u32 n, cp, min;

		if (b < 0x80) {
			i++;
			continue;
		}
		if ((b & 0xe0) == 0xc0) {
			n = 1; cp = b & 0x1f; min = 0x80;
		} else if ((b & 0xf0) == 0xe0) {
			n = 2; cp = b & 0x0f; min = 0x800;
		} else if ((b & 0xf8) == 0xf0) {
			n = 3; cp = b & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (u32 k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* PNG 1.2: the signature, then chunks (length, type, data, CRC) that exactly fill the data,
 * IHDR (13 bytes) first and IEND last.  CRCs and image data are not checked. */
static bool clip_png_valid(const u8 *d, u64 len)
{
	u64 off = sizeof(png_sig);
	bool first = true, end = false;

	if (len < sizeof(png_sig) || memcmp(d, png_sig, sizeof(png_sig)))
		return false;
	while (off < len) {
		u64 clen;

		if (end || len - off < 12)
			return false;
		clen = be32(d + off);
		if (clen > 0x7fffffff || clen > len - off - 12)
			return false;
		for (u32 k = 4; k < 8; k++) {
			u8 t = d[off + k];

			if (!((t >= 'A' && t <= 'Z') || (t >= 'a' && t <= 'z')))
				return false;
		}
		if (first && (memcmp(d + off + 4, "IHDR", 4) || clen != 13))
			return false;
		if (!memcmp(d + off + 4, "IEND", 4))
			end = true;
		first = false;
		off += 12 + clen;
	}
	return end;
}

static s64 clip_write(struct vcpu *v, struct hc_call *c)
{
	u64 format = c->arg[1], len = c->arg[3];
	u8 *buf;
	bool ok;

	if (format >= HC_CLIP_FMT_COUNT)
		return HC_ERR_INVALID;
	if (clip.owner != v->vm)
		return HC_ERR_NOT_PERMITTED;
	if (!(clip.formats & (1u << format)))
		return HC_ERR_NOT_FOUND;
	if (len > HC_CLIP_MAX || len > v->vm->clip_max)
		return HC_ERR_TOO_BIG;
	buf = (u8 *)(uintptr_t)host_pages_alloc(clip_pages(len));
	if (!buf)
		return HC_ERR_BUSY;
	/* Copied once; only the copy is validated and kept. */
	if (hc_copy_in(v, c, c->arg[2], buf, len)) {
		host_pages_free((u64)(uintptr_t)buf, clip_pages(len));
		return HC_ERR_BAD_ADDRESS;
	}
	ok = format == HC_CLIP_FMT_TEXT ? hc_utf8_valid(buf, len) : clip_png_valid(buf, len);
	if (!ok) {
		host_pages_free((u64)(uintptr_t)buf, clip_pages(len));
		return HC_ERR_INVALID;
	}
	clip_free(&clip.fmt[format]);
	clip.fmt[format].data = buf;
	clip.fmt[format].len = len;
	return 0;
}

static s64 clip_read(struct vcpu *v, struct hc_call *c)
{
	u64 format = c->arg[1] & 0xff, off = c->arg[1] >> 32, size = c->arg[3], n;
	const struct clip_format *f;

	if (c->arg[1] & 0xffffff00ULL || format >= HC_CLIP_FMT_COUNT)
		return HC_ERR_INVALID;
	f = &clip.fmt[format];
	if (!f->data)
		return HC_ERR_NOT_FOUND;
	if (f->len > v->vm->clip_max)
		return HC_ERR_TOO_BIG;
	if (off > f->len)
		return HC_ERR_INVALID;
	n = MIN(size, f->len - off);
	n = MIN(n, (u64)HC_CLIP_MAX);
	if (n && hc_copy_out(v, c, c->arg[2], f->data + off, n))
		return HC_ERR_BAD_ADDRESS;
	c->out_rbx = f->len;
	c->set_rbx = true;
	return n;
}

s64 hc_clipboard(struct vcpu *v, struct hc_call *c)
{
	struct vm *vm = v->vm;

	switch (c->arg[0]) {
	case HC_CLIP_ANNOUNCE:
		if (!vm->clip_copy_out)
			return HC_ERR_NOT_PERMITTED;
		if (!c->arg[2] || c->arg[2] >> 63 || !c->arg[1] || c->arg[1] >> HC_CLIP_FMT_COUNT)
			return HC_ERR_INVALID;
		for (u32 i = 0; i < HC_CLIP_FMT_COUNT; i++)
			clip_free(&clip.fmt[i]);
		clip.serial = c->arg[2];
		clip.formats = (u32)c->arg[1];
		clip.owner = vm;
		return 0;
	case HC_CLIP_WRITE:
		if (!vm->clip_copy_out)
			return HC_ERR_NOT_PERMITTED;
		return clip_write(v, c);
	case HC_CLIP_READ:
		if (!vm->clip_paste_in)
			return HC_ERR_NOT_PERMITTED;
		return clip_read(v, c);
	case HC_CLIP_QUERY:
		if (!vm->clip_paste_in && !vm->clip_copy_out)
			return HC_ERR_NOT_PERMITTED;
		c->out_rbx = clip.formats;
		c->set_rbx = true;
		return (s64)clip.serial;
	default:
		return HC_ERR_UNKNOWN_OP;
	}
}

void hc_clipboard_vm_stopped(struct vm *vm)
{
	/* The content stays for the other VMs; nobody may write it until the next announce. */
	if (clip.owner == vm)
		clip.owner = NULL;
}
