"""Restart on fault (DESIGN §5): fs and blk killed under load lose nothing,
posix comes back with init and a shell, a server that dies at start-up is
retried with back-off, and `service` shows and does what it says."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, PROMPT, shell_finish
from conftest import shell_run as run


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def debugfs(img, request):
    out = subprocess.run(["debugfs", "-R", request, str(img)], capture_output=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def image(tmp_path):
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    return img


def unspent(output):
    return [int(k) for k in re.findall(r"root: (\d+) KiB of memory unspent", output)]


# make test kills fs 30 times, blk 15 and both in turn 10; make stress
# (MICA_STRESS=1) runs the full 100, 50 and 50.
KILLS = (100, 50, 50) if os.environ.get("MICA_STRESS") else (30, 15, 10)


def test_kill_fs_and_blk_under_load(boot, image):
    """fs killed at random moments with a random kind of fault, then blk,
    then both in turn, under churn and a shell workload: no call fails,
    every checksum holds, memory comes back, and the disk is clean and
    holds what churn says it wrote."""
    fs_kills, blk_kills, both = KILLS
    m = boot(disk=image, timeout=900,
             append=f"init=/bin/sh /usr/lib/mica/restart-stress {fs_kills} {blk_kills} {both} 3")
    assert m.wait_exit() == 0, "the workload failed"
    out = m.output
    assert "restart-stress: churn 0, shell 0" in out
    assert re.search(r"shell workload: \d+ rounds, 0 failures", out)
    assert len(re.findall(r"churn \d: \d+ rounds, \d+ operations, 0 failures", out)) == 3
    fs = len(re.findall(r"root: fs restarted after", out))
    blk = len(re.findall(r"root: blk restarted after", out))
    # Each injection but a corrupt one kills; a corrupt one kills only when
    # the flipped bits are used.
    must = re.search(r"restart-stress: (\d+) fs and (\d+) blk injections that kill", out)
    assert fs >= int(must.group(1)) and blk >= int(must.group(2)), (fs, blk, must.group(0))
    before, after = unspent(out)
    assert before == after, "memory leaked over the restarts"
    fsck = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
    checked = 0
    for worker in range(3):
        manifest = debugfs(image, f"cat /stress/churn/MANIFEST.{worker}").decode()
        for line in manifest.splitlines():
            name, size, digest = line.split()
            data = debugfs(image, f"cat /stress/churn/{name}")
            assert len(data) == int(size) and fnv1a64(data) == int(digest, 16), name
            checked += 1
    assert checked >= 6


def test_posix_restart_brings_back_init_and_shell(shell):
    run(shell, "echo kept > /kept; sync")
    shell.sendline("service kill posix")
    shell.expect(r"root: posix restarted after page fault at pc 3b00000000: generation 2")
    shell.expect(r"Welcome to Mica")
    shell.expect(PROMPT)
    assert run(shell, "cat /kept").strip() == "kept"
    status = run(shell, "service status")
    assert re.search(r"posix\s+2\s+1\s", status), status
    shell_finish(shell)


def test_service_command(shell):
    status = run(shell, "service status")
    for name in ("blk", "fs", "posix"):
        assert re.search(rf"^{name}\s+1\s+0\s", status, re.M), status
    assert "no fault kind bogus" in run(shell, "service inject fs bogus; echo rc=$?")
    assert "rc=1" in run(shell, "service kill nosuch 2>&1; echo rc=$?")
    assert "usage" in run(shell, "service 2>&1")
    # The death is reported when it happens, before or after the prompt.
    for i, (command, line) in enumerate((
            ("service restart fs", r"fs restarted after restart requested at pc 0: generation 2"),
            ("service inject blk hang",
             r"blk restarted after hang \(no heartbeat\) at pc 3b00000020: generation 2"),
            ("service inject fs stack", r"fs restarted after page fault at pc 3b00000034: generation 3"),
            ("service inject blk illegal",
             r"blk restarted after illegal instruction at pc 3b00000010: generation 3"))):
        shell.sendline(command)
        shell.expect("root: " + line)
        shell.sendline(f"echo synced {i}")   # past the command's prompt
        shell.expect(rf"\nsynced {i}")
        shell.expect(PROMPT)
    status = run(shell, "service status")
    assert re.search(r"^fs\s+3\s+2\s.*page fault at pc 0x3b00000034", status, re.M), status
    assert run(shell, "ls / | wc -l").strip().isdigit()


def test_death_at_start_backs_off(boot, tmp_path):
    """A disk without ext2: fs exits at every start; root retries after
    10, 20, 40 ms and then gives up waiting (the boot ends: no init)."""
    blank = tmp_path / "blank.img"
    with open(blank, "wb") as f:
        f.truncate(16 << 20)
    m = boot(disk=blank, timeout=60)
    for n, ms in ((1, 10), (2, 20), (3, 40)):
        m.expect(rf"root: fs died while starting \({n} times in a row\); next try in {ms} ms")
    m.expect(r"root: fs did not start")
    m.wait_exit()
