/* Names for the shared error codes, for log messages. */
#include "lib/errno.h"

const char *err_name(int err)
{
	switch (err < 0 ? -err : err) {
	case EPERM: return "not permitted";
	case ENOENT: return "not found";
	case EIO: return "I/O error";
	case E2BIG: return "too big";
	case ENOMEM: return "out of memory";
	case EACCES: return "access denied";
	case EFAULT: return "bad address";
	case EBUSY: return "busy";
	case EEXIST: return "already exists";
	case EINVAL: return "invalid argument";
	case EFBIG: return "file too large";
	case ENOSPC: return "no space";
	case EROFS: return "read-only";
	case ERANGE: return "out of range";
	case ENAMETOOLONG: return "name too long";
	case ENOSYS: return "not implemented";
	case ENODEV: return "no such device";
	case EAGAIN: return "would block";
	case ENOTSUP: return "not supported";
	case ETIMEDOUT: return "timed out";
	default: return "unknown error";
	}
}
