"""Each Linux test program is proven right on the host too: under
qemu-riscv64 (Debian's qemu-user), which forwards system calls to the real
Linux kernel, it must report the same as on Mica."""
import subprocess

import pytest

from conftest import BUILD


@pytest.mark.parametrize("program,expected", [
    ("forkexec", "forkexec: ok"),
    ("signals", "signals: ok"),
    ("threads", "threads: ok"),
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
