"""Boot tests: firmware to the first user process and a clean power-off."""
import re
import subprocess

import pytest

from conftest import KERNEL

ICOUNT = ["-icount", "shift=0"]


def test_boot_runs_root_and_powers_off(boot):
    m = boot(extra=ICOUNT)
    m.expect(r"Mica kernel, hart 0")
    match = m.expect(r"root: Mica root task running; first user instruction at (\d+)")
    first_user = int(match.group(1))
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0
    # The foundation's promise: firmware + kernel boot under 50 M instructions.
    assert first_user < 50_000_000, first_user


def test_cmdline_passes_init_and_reports_unknown(boot):
    m = boot(append="bogus root= init=/bin/sh -c 'echo hi'")
    m.expect(r"cmdline: unknown argument ignored: 'bogus'")
    m.expect(r"cmdline: malformed argument ignored: 'root='")
    m.expect(r"root: \d+ KiB free, init='/bin/sh -c 'echo hi''")
    # A path: posix runs it, and there is no such program (yet).
    m.expect(r"posix: cannot run init '/bin/sh -c 'echo hi'': -2")
    assert m.wait_exit() == 127


def test_init_status_becomes_qemu_status(boot):
    m = boot(append="root=ktest init=exit 3")
    m.expect(r"init exited with status 3")
    assert m.wait_exit() == 3


def test_status_multiple_of_256_is_still_failure(boot):
    m = boot(append="root=ktest init=exit 512")
    m.expect(r"init exited with status 512")
    assert m.wait_exit() == 1


def test_kernel_calls_and_bad_pointers(boot):
    m = boot(append="root=ktest")
    m.expect(r"ktest: (\d+) case\(s\), 0 failure\(s\)")
    assert "FAIL" not in m.output
    assert m.wait_exit() == 0


@pytest.mark.parametrize("case,kind", [("null_fault", "page fault"),
                                       ("illegal_instruction", "illegal instruction")])
def test_user_fault_stops_thread_not_kernel(boot, case, kind):
    m = boot(append=f"root=ktest init={case}")
    m.expect(rf"thread ktest: {kind} at pc [0-9a-f]+ addr [0-9a-f]+; no fault handler, stopped")
    m.expect(r"init exited with status 255")
    assert m.wait_exit() == 255


def backtrace_functions(text):
    addrs = re.findall(r"^\s+#\d+ ([0-9a-f]+)", text, re.M)
    out = subprocess.run(["riscv64-linux-gnu-addr2line", "-f", "-e", str(KERNEL),
                          *addrs], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0::2]


def test_malformed_elf_is_refused_with_a_panic(boot):
    m = boot(append="root=badelf")
    m.expect(r"panic: loader: 'badelf' rejected: elf: ")
    m.expect(r"scause [0-9a-f]+ sepc [0-9a-f]+ stval [0-9a-f]+")
    assert m.wait_exit() == 99
    funcs = backtrace_functions(m.output)
    assert funcs[:2] == ["loader_start_first", "kmain"], funcs


def test_missing_first_process_panics(boot):
    m = boot(append="root=nothere")
    m.expect(r"panic: loader: no 'nothere' in the boot archive")
    assert m.wait_exit() == 99


def test_runs_with_more_memory_and_two_harts(boot):
    # A larger RAM moves nothing the kernel hard-codes; a second hart is
    # parked by the firmware or by the kernel's boot lottery.
    m = boot(extra=["-m", "1G", "-smp", "2"])
    match = m.expect(r"memory: (\d+) KiB free of (\d+) KiB")
    assert int(match.group(2)) == 1024 * 1024
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0
