// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Prints the first line of a file, read by openat -> read -> close chained
 * in one supersyscall(2) call. The same program is the example in
 * man/supersyscall.2. Build: gcc -O2 -isystem KERNEL_BUILD/usr/include
 */
#if !defined(__x86_64__) || defined(__ILP32__)
#error "supersyscall exists only for the x86_64 64-bit ABI"
#endif

#include <fcntl.h>
#include <linux/supersyscall.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
    char                       buf[4096];
    char                       *end;
    long                       n, results[3];
    const char                 *names[3] = { "openat", "read", "close" };
    size_t                     len;
    struct supersyscall_entry  entries[3];

    if (argc != 2) {
        fprintf(stderr, "Usage: %s <file>\n", argv[0]);
        exit(EXIT_FAILURE);
    }

    memset(entries, 0, sizeof(entries));

    /* openat(AT_FDCWD, argv[1], O_RDONLY) */
    entries[0].nr = __NR_openat;
    entries[0].args[0] = (__u64) AT_FDCWD;
    entries[0].args[1] = (uintptr_t) argv[1];
    entries[0].args[2] = O_RDONLY;

    /* read(<result of entry 0>, buf, sizeof(buf)) */
    entries[1].nr = __NR_read;
    entries[1].flags = SUPERSYSCALL_ENTRY_ARG_RESULT(0);
    entries[1].args[0] = 0;  /* Index of the source entry */
    entries[1].args[1] = (uintptr_t) buf;
    entries[1].args[2] = sizeof(buf);

    /* close(<result of entry 0>) */
    entries[2].nr = __NR_close;
    entries[2].flags = SUPERSYSCALL_ENTRY_ARG_RESULT(0);
    entries[2].args[0] = 0;

    n = syscall(__NR_supersyscall, results, entries, 3,
                SUPERSYSCALL_CONTINUE);
    if (n == -1) {
        perror("supersyscall");
        exit(EXIT_FAILURE);
    }

    for (long i = 0; i < n; i++) {
        if (results[i] < 0) {
            fprintf(stderr, "%s: %s\n", names[i],
                    strerror(-results[i]));
            exit(EXIT_FAILURE);
        }
    }
    if (n < 3) {
        fprintf(stderr, "Stopped by a signal after %ld entries\n",
                n);
        exit(EXIT_FAILURE);
    }

    len = results[1];
    end = memchr(buf, '\n', len);
    if (end != NULL)
        len = end - buf;
    printf("%.*s\n", (int) len, buf);
    exit(EXIT_SUCCESS);
}
