"""Each Linux test program is proven right on the host too: under
qemu-riscv64 (Debian's qemu-user), which forwards system calls to the real
Linux kernel, it must report the same as on Mica. qemu-user ignores rlimits
and lacks robust futexes and MAP_FIXED_NOREPLACE, so the programs that need
those are run on real Linux 6.1 in QEMU (../shared/linux/run.sh) when the
team's shared folder is there."""
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD


@pytest.mark.parametrize("program,expected", [
    ("forkexec", "forkexec: ok"),
    ("signals", "signals: ok"),
    ("threads", "threads: ok"),
    ("timers", "timers: ok"),
    ("pipes", "pipes: ok"),
])
def test_program_passes_on_linux_too(program, expected):
    binary = BUILD / "linux" / program
    # exec must go through the emulator again, and qemu-user has no robust
    # futex lists (FACTS.md): the programs are told so.
    env = {"EXEC_VIA": "/usr/bin/qemu-riscv64", "NO_ROBUST_FUTEX": "1"}
    p = subprocess.run(["qemu-riscv64", str(binary)], capture_output=True, text=True,
                       timeout=120, env=env)
    assert expected in p.stdout, p.stdout + p.stderr
    assert p.returncode == 0


RUN_LINUX = Path(__file__).resolve().parents[2].parent / "shared" / "linux" / "run.sh"


@pytest.mark.skipif(not RUN_LINUX.exists(), reason="no ../shared/linux/run.sh here")
@pytest.mark.parametrize("program,expected", [
    ("memory", "memory: ok"),
    ("threads", "threads: ok"),
])
def test_program_passes_on_real_linux(program, expected):
    p = subprocess.run([str(RUN_LINUX), str(BUILD / "linux" / program)], capture_output=True,
                       text=True, timeout=300)
    assert expected in p.stdout, p.stdout[-2000:]
    assert "linux: exit status 0" in p.stdout
