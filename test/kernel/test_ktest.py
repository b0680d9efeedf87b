"""The in-QEMU kernel tests (user/ktest): every case in a boot of its own,
then all of them in one boot, with and without the IPC fastpath.

The case names come from ktest itself (`root=ktest init=list`), so a case
added to user/ktest/main.c is tested here without editing this file. Cases
listed as "by-name" end the process on purpose and are tested by
test_boot.py; "alone" cases run by name only because they change ktest for
good; "known" cases fail on a known kernel problem and are expected to.
"""
import re
import subprocess

import pytest

from conftest import BUILD, KERNEL, QEMU, ROOT

NOFAST = BUILD / "kernel-nofast.elf"
CASE_TIMEOUT = 20

# What some cases make the kernel print, besides ktest's own lines.
CONSOLE = {
    "thread_name": r"thread kt-named-thread: page fault at pc 3c00201000 addr 3c00201000; "
                   r"no fault handler, stopped",
}


def list_cases():
    """[(name, kind)] from `init=list`, or [] if ktest cannot be booted."""
    try:
        p = subprocess.run([str(QEMU), str(KERNEL), "", "root=ktest init=list"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60, text=True, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return []
    return re.findall(r"^ktest: case (\w+) ?(\w*)\r?$", p.stdout, re.M)


CASES = list_cases()


def params():
    out = []
    for name, kind in CASES:
        if kind == "by-name":
            continue
        marks = []
        if kind == "known":
            marks.append(pytest.mark.xfail(
                strict=True, reason="a known kernel problem (see user/ktest/main.c)"))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def test_cases_are_listed():
    assert CASES, f"no ktest cases: is {KERNEL} built (make)?"
    names = [n for n, _ in CASES]
    assert len(names) == len(set(names)), "case names repeat"


@pytest.mark.parametrize("name", params())
def test_case(boot, name):
    m = boot(append=f"root=ktest init={name}", timeout=CASE_TIMEOUT)
    if name in CONSOLE:
        m.expect(CONSOLE[name])
    m.expect(r"ktest: (ok  |FAIL) (\w+)[\r\n]")
    assert m.child.match.group(1) == "ok  ", m.output[-3000:]
    assert m.child.match.group(2) == name
    m.expect(r"ktest: 1 case\(s\), 0 failure\(s\), self-check 0")
    assert m.wait_exit() == 0


@pytest.mark.parametrize("kernel,asids", [(KERNEL, ""), (NOFAST, ""), (KERNEL, "asids=1"),
                                          (KERNEL, "asids=0")],
                         ids=["fastpath", "nofastpath", "asid-rollover", "no-asids"])
def test_all_cases_in_one_boot(boot, kernel, asids):
    """Every case in one boot; with one ASID bit the generation rolls over
    at nearly every switch, with none every switch flushes."""
    if not kernel.exists():
        pytest.skip(f"{kernel} not built")
    m = boot(append=f"{asids} root=ktest", kernel=kernel, timeout=60)
    match = m.expect(r"ktest: (\d+) case\(s\), (\d+) failure\(s\), self-check (-?\d+)[\r\n]")
    failed = re.findall(r"ktest: FAIL (\w+)", m.output)
    assert failed == [], m.output[-3000:]
    assert match.group(2) == "0" and match.group(3) == "0"
    runs_alone = sum(1 for _, kind in CASES if kind)
    assert int(match.group(1)) == len(CASES) - runs_alone
    assert m.wait_exit() == 0
