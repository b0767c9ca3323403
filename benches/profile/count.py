# gdb script for scripts/profile-batch.sh: steps through two calls of
# __x64_sys_supersyscall one instruction at a time and prints, per call,
# the instructions executed in each kernel function until the call returns.
import collections

import gdb

CALLS = 2
LIMIT = 100000


def function_at(pc):
    block = gdb.block_for_pc(pc)
    while block is not None:
        if block.function is not None:
            return block.function.name
        block = block.superblock
    words = gdb.execute("info symbol 0x%x" % pc, to_string=True).split()
    return words[0] if words else hex(pc)


gdb.execute("set pagination off")
gdb.execute("hbreak __x64_sys_supersyscall")
gdb.execute("continue")
for call in range(CALLS):
    entry_sp = int(gdb.parse_and_eval("$sp"))
    counts = collections.Counter()
    total = 0
    while total < LIMIT:
        counts[function_at(int(gdb.parse_and_eval("$pc")))] += 1
        total += 1
        gdb.execute("stepi", to_string=True)
        # The call has returned once the stack pointer is above its entry value.
        if int(gdb.parse_and_eval("$sp")) > entry_sp:
            break
    print("profile: call %d (%d entries): %d instructions" % (call + 1, call + 1, total))
    for name, count in counts.most_common():
        print("profile:   %6d %s" % (count, name))
    if call + 1 < CALLS:
        gdb.execute("continue")
gdb.execute("kill")
