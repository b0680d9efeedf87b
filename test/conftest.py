"""Shared fixtures: booting Mica in QEMU through pexpect.

Every boot writes the whole console to build/test-logs/<test>.<n>.log. The
log is deleted when the test passes and kept (its path printed in the
report) when it fails.
"""
import os
import re
import subprocess
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
KERNEL = BUILD / "kernel.elf"
LOGDIR = BUILD / "test-logs"
QEMU = ROOT / "tools" / "qemu.sh"


class Machine:
    """One QEMU run of Mica, its console driven by pexpect."""

    def __init__(self, log_path, append="", disk="", extra=(), timeout=60,
                 kernel=KERNEL):
        self.log_path = log_path
        self.log = open(log_path, "w", encoding="utf-8", errors="replace")
        args = [str(kernel), str(disk), append, *extra]
        self.child = pexpect.spawn(str(QEMU), args, encoding="utf-8",
                                   codec_errors="replace", timeout=timeout,
                                   logfile=self.log, cwd=str(ROOT),
                                   dimensions=(24, 200))
        self.timeout = timeout

    def expect(self, pattern, timeout=None):
        """Waits for a regex on the console; returns the match."""
        self.child.expect(pattern, timeout=timeout or self.timeout)
        return self.child.match

    def sendline(self, line):
        self.child.sendline(line)

    def wait_exit(self, timeout=None):
        """Waits for QEMU to exit by itself; returns its exit status."""
        self.child.expect(pexpect.EOF, timeout=timeout or self.timeout)
        self.child.close()
        return self.child.exitstatus

    @property
    def output(self):
        self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        self.log.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def boot(request):
    """boot(append=..., disk=..., extra=[...], timeout=s) -> Machine."""
    LOGDIR.mkdir(parents=True, exist_ok=True)
    machines = []
    name = re.sub(r"[^\w.-]", "_", request.node.name)

    def start(**kw):
        log = LOGDIR / f"{name}.{len(machines)}.log"
        m = Machine(log, **kw)
        machines.append(m)
        return m

    yield start
    failed = any(getattr(request.node, "rep_" + w, None) is not None and
                 getattr(request.node, "rep_" + w).failed
                 for w in ("setup", "call"))
    for m in machines:
        m.close()
        if failed:
            print(f"\nconsole log kept: {m.log_path}; its last lines:")
            print("\n".join(tail(m.log_path, 40)))
        else:
            os.unlink(m.log_path)


def tail(path, n):
    """The last n lines of a console log, and before them up to n more
    that say something failed (CI keeps only what the report prints)."""
    lines = Path(path).read_text(errors="replace").replace("\r", "").splitlines()
    last = lines[-n:]
    failing = [l for l in lines[:-n] if re.search(r"fail|error|panic", l, re.I)][-n:]
    return failing + (["..."] if failing else []) + last


def run_host(cmd, timeout=300):
    """Runs a host program; returns (exit status, combined output)."""
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout, text=True,
                       errors="replace")
    return p.returncode, p.stdout


PROMPT = r"# $"


@pytest.fixture
def shell(boot, tmp_path):
    """The busybox shell on a fresh copy of build/disk.img (m.image)."""
    import shutil
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    m = boot(disk=img, timeout=120)
    m.expect(r"Welcome to Mica")
    m.expect(PROMPT)
    m.image = img
    return m


def shell_run(m, command, timeout=120):
    """Runs a shell command; returns what it printed (between the echoed
    line and the next prompt)."""
    m.sendline(command)
    m.expect(PROMPT, timeout=timeout)
    return m.child.before.split("\n", 1)[-1].replace("\r", "")


def shell_finish(m):
    """exit 0 from the shell: the boot ends cleanly, e2fsck -fn passes."""
    m.sendline("exit 0")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0
    fsck = subprocess.run(["e2fsck", "-fn", str(m.image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
