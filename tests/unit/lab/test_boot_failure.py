"""lab up names why a guest died during boot: the panic line of its console, with the
error line that led to it."""

from lvslab import guest as guests

# The end of a guest's console on a host whose XSAVE area is larger than Debian's UML 6.1
# expects (issue 7: an Intel Xeon with AMX, 11008 bytes).
XSTATE_PANIC = """\
Checking that ptrace can change system call numbers...OK
Checking syscall emulation for ptrace...OK
Checking environment variables for a tempdir...none found
Checking if /dev/shm is on tmpfs...OK
userspace - ptrace set fp regs failed, errno = 14
Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b
CPU: 0 PID: 1 Comm: systemd Not tainted 6.1.192-lab #1
Stack:
 6056e1c5 73017c00 73017c40 60543d44
"""


def test_the_panic_line_with_its_cause():
    assert guests.boot_failure_cause(XSTATE_PANIC) == (
        "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b "
        "(after: userspace - ptrace set fp regs failed, errno = 14)")


def test_a_panic_without_an_error_line_before_it():
    console = "Booting...\n[    2.1] Kernel panic - not syncing: VFS: Unable\n"
    assert guests.boot_failure_cause("systemd[1]: started\n" + console) == \
        "Kernel panic - not syncing: VFS: Unable"


def test_the_last_panic_counts():
    console = XSTATE_PANIC + "Segfault with no mm\nKernel panic - not syncing: Segfault with no mm\n"
    assert guests.boot_failure_cause(console) == \
        "Kernel panic - not syncing: Segfault with no mm (after: Segfault with no mm)"


def test_a_healthy_console_has_no_cause():
    assert guests.boot_failure_cause("Host FP state: XSAVE area, 2432 bytes per task\n"
                                     "systemd[1]: Reached target multi-user.target\n") is None
    assert guests.boot_failure_cause("") is None
