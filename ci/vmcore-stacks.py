# drgn script (ci/dump-tools CELL_DIR runs it): the stack of every task in D state in a vmcore,
# the tasks a hang is made of. With an argument, only that pid.
import sys

from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_state_to_char

# x86-64: kernel text and data live in the upper half.
KERNEL_BASE = 0xFFFF800000000000

only = int(sys.argv[1]) if len(sys.argv) > 1 else None
shown = 0
for task in for_each_task(prog):
    pid = task.pid.value_()
    state = task_state_to_char(task)
    if (only is None and state != "D") or (only is not None and pid != only):
        continue
    shown += 1
    print(f"pid {pid} {task.comm.string_().decode(errors='replace')} {state}")
    try:
        trace = prog.stack_trace(task)
    except Exception as e:  # a task whose stack cannot be unwound is still listed
        print(f"  (no stack: {e})")
        continue
    for i, frame in enumerate(trace):
        if frame.pc < KERNEL_BASE:
            break  # the rest is the task's user stack, which drgn cannot name
        try:
            where = frame.source()
            place = f" ({where[0].split('/src/', 1)[-1]}:{where[1]})"
        except LookupError:
            place = ""
        print(f"  #{i:<2} {frame.name or hex(frame.pc)}{place}")
    print()
print(f"{shown} task(s)" + ("" if only is not None else " in D state"))
