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
    ("mapfile", "mapfile: ok"),
    ("events", "events: ok"),
    ("sysv", "sysv: ok"),
    ("sockets", "sockets: ok"),
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



# Cases that need what qemu-user lacks (see above); Mica and real Linux
# still run them with the whole program.
QEMU_USER_LACKS = {"memory": {"fixed_noreplace", "rlimit_as", "address_space_full"}}


@pytest.mark.parametrize("program", ["signals", "memory"])
def test_each_case_runs_alone(program):
    binary = str(BUILD / "linux" / program)
    env = {"EXEC_VIA": "/usr/bin/qemu-riscv64", "NO_ROBUST_FUTEX": "1"}

    def run(*args):
        return subprocess.run(["qemu-riscv64", binary, *args], capture_output=True, text=True,
                              timeout=60, env=env)

    names = run("-l").stdout.split()
    assert len(names) > 3, names
    for name in names:
        if name in QEMU_USER_LACKS.get(program, ()):
            continue
        p = run(name)
        assert f"{program}: {name}: ok" in p.stdout, p.stdout + p.stderr
        # Only the named case ran.
        assert p.stdout.count(f"{program}: ") == 2, p.stdout
        assert p.returncode == 0
    p = run("no_such_case")
    assert p.stdout.strip() == f"{program}: no case no_such_case"
    assert p.returncode == 2

RUN_LINUX = Path(__file__).resolve().parents[2].parent / "shared" / "linux" / "run.sh"


@pytest.mark.skipif(not RUN_LINUX.exists(), reason="no ../shared/linux/run.sh here")
@pytest.mark.parametrize("program,expected", [
    ("memory", "memory: ok"),
    ("threads", "threads: ok"),
    ("sysv", "sysv: ok"),
    ("mapfile", "mapfile: ok"),
    ("events", "events: ok"),
])
def test_program_passes_on_real_linux(program, expected):
    p = subprocess.run([str(RUN_LINUX), str(BUILD / "linux" / program)], capture_output=True,
                       text=True, timeout=300)
    assert expected in p.stdout, p.stdout[-2000:]
    assert "linux: exit status 0" in p.stdout
