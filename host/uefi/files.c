/* Firmware-hosted files: read from the volume the image was loaded from (Simple File System). */
#include "host/uefi/uefi.h"
#include "host/host.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PATH_MAX_CHARS 256
#define FILE_MAX_BYTES (4ULL << 30)

static int open_boot_volume(EFI_FILE_HANDLE *root)
{
	EFI_GUID loaded_guid = LOADED_IMAGE_PROTOCOL;
	EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;

	if (uefi_bs->HandleProtocol(uefi_image, &loaded_guid, (void **)&li))
		return -ENODEV;
	if (uefi_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs))
		return -ENODEV;
	if (fs->OpenVolume(fs, root))
		return -EIO;
	return 0;
}

static int status_to_err(EFI_STATUS s)
{
	switch (s) {
	case EFI_NOT_FOUND: return -ENOENT;
	case EFI_ACCESS_DENIED: return -EACCES;
	case EFI_OUT_OF_RESOURCES: return -ENOMEM;
	case EFI_WRITE_PROTECTED: return -EROFS;
	default: return -EIO;
	}
}

static int file_size(EFI_FILE_HANDLE f, u64 *size)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	union {
		EFI_FILE_INFO info;
		u8 raw[SIZE_OF_EFI_FILE_INFO + PATH_MAX_CHARS * 2];
	} buf;
	UINTN len = sizeof(buf);
	EFI_STATUS s = f->GetInfo(f, &info_guid, &len, &buf);

	if (s)
		return status_to_err(s);
	if (buf.info.Attribute & EFI_FILE_DIRECTORY)
		return -EINVAL;
	*size = buf.info.FileSize;
	return 0;
}

int host_file_read(const char *path, void **data, u64 *size)
{
	CHAR16 wpath[PATH_MAX_CHARS];
	EFI_FILE_HANDLE root, f;
	u64 len = 0, pages, addr;
	EFI_STATUS s;
	size_t i;
	int err;

	for (i = 0; path[i]; i++) {
		if (i + 1 >= PATH_MAX_CHARS)
			return -ENAMETOOLONG;
		wpath[i] = path[i] == '/' ? '\\' : (CHAR16)(u8)path[i];
	}
	wpath[i] = 0;
	err = open_boot_volume(&root);
	if (err)
		return err;
	s = root->Open(root, &f, wpath, EFI_FILE_MODE_READ, 0);
	if (s) {
		root->Close(root);
		return status_to_err(s);
	}
	err = file_size(f, &len);
	if (!err && len > FILE_MAX_BYTES)
		err = -EFBIG;
	pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	addr = err ? 0 : host_pages_alloc(pages ? pages : 1);
	if (!err && !addr)
		err = -ENOMEM;
	if (!err) {
		UINTN got = len;

		s = f->Read(f, &got, (void *)(uintptr_t)addr);

		if (s)
			err = status_to_err(s);
		else if (got != len)
			err = -EIO;
		if (err)
			host_pages_free(addr, pages ? pages : 1);
	}
	f->Close(f);
	root->Close(root);
	if (err)
		return err;
	*data = (void *)(uintptr_t)addr;
	*size = len;
	return 0;
}

void host_file_free(void *data, u64 size)
{
	u64 pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

	host_pages_free((u64)(uintptr_t)data, pages ? pages : 1);
}
