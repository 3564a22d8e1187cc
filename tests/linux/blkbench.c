/* Block-device benchmark for the Linux test guest (make bench): sequential write and read
 * throughput with large O_DIRECT requests and 4 KiB random-read IOPS, on a whole device.
 * usage: blkbench DEVICE MIB RANDOM_READS      (writes over the first MIB MiB of DEVICE)
 * Prints "BENCH: seq-write MiB/s=N", "BENCH: seq-read MiB/s=N", "BENCH: rand-read-4k IOPS=N",
 * all measured with the guest's CLOCK_MONOTONIC, and exits 0, or prints "FAIL: ..." and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1u << 20)
#define SMALL 4096u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	printf("FAIL: blkbench: %s (%s)\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long mib, reads;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned char *buf;
	double t0, t;
	int fd;

	if (argc != 4 || !(mib = strtoul(argv[2], NULL, 0)) || !(reads = strtoul(argv[3], NULL, 0))) {
		fprintf(stderr, "usage: blkbench DEVICE MIB RANDOM_READS\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0)
		return fail("open");
	if (posix_memalign((void **)&buf, SMALL, BLOCK))
		return fail("memory");
	for (unsigned i = 0; i < BLOCK; i++)
		buf[i] = (unsigned char)(i * 131 + 7);

	t0 = now();
	for (unsigned long i = 0; i < mib; i++)
		if (pwrite(fd, buf, BLOCK, (off_t)i * BLOCK) != BLOCK)
			return fail("write");
	if (fdatasync(fd))
		return fail("fdatasync");
	t = now() - t0;
	printf("BENCH: seq-write MiB/s=%.1f (%lu MiB in %.3f s)\n", mib / t, mib, t);

	t0 = now();
	for (unsigned long i = 0; i < mib; i++)
		if (pread(fd, buf, BLOCK, (off_t)i * BLOCK) != BLOCK)
			return fail("read");
	t = now() - t0;
	printf("BENCH: seq-read MiB/s=%.1f (%lu MiB in %.3f s)\n", mib / t, mib, t);
	/* What was written must be what is read: a benchmark of a broken disk means nothing. */
	for (unsigned i = 0; i < BLOCK; i++)
		if (buf[i] != (unsigned char)(i * 131 + 7)) {
			printf("FAIL: blkbench: data read back differ at byte %u of the last MiB\n", i);
			return 1;
		}

	t0 = now();
	for (unsigned long i = 0; i < reads; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;	/* xorshift64 */
		if (pread(fd, buf, SMALL, (off_t)(x % (mib * (BLOCK / SMALL))) * SMALL) != SMALL)
			return fail("random read");
	}
	t = now() - t0;
	printf("BENCH: rand-read-4k IOPS=%.0f (%lu reads in %.3f s)\n", reads / t, reads, t);
	close(fd);
	return 0;
}
