// SPDX-License-Identifier: GPL-2.0
/*
 * Guest /init for scripts/profile-batch.sh: one supersyscall batch of
 * one getppid entry, then one of two, then an exit through QEMU's
 * isa-debug-exit port. The debugger counts the kernel instructions of
 * each call.
 */
#include <stdint.h>
#include <string.h>
#include <sys/io.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
	uint32_t nr;
	uint32_t flags;
	uint64_t args[6];
	uint64_t reserved;
};

int main(void)
{
	static struct entry entries[2];
	static long results[2];

	memset(entries, 0, sizeof(entries));
	entries[0].nr = SYS_getppid;
	entries[1].nr = SYS_getppid;
	syscall(423, results, entries, 1, 0);
	syscall(423, results, entries, 2, 0);
	if (iopl(3) == 0)
		outl(0, 0xf4);
	return 0;
}
