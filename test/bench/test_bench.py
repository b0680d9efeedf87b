"""make bench: the benchmarks, in QEMU with -icount shift=0 so that every
figure is an exact count of guest instructions and repeats run to run.

Each benchmark program prints `name value unit` lines. The figures go to
build/bench.json, and each is compared with test/bench/baseline.json (a
figure more than 5% worse than its baseline is reported, not failed:
benchmarks report, tests check)."""
import json
import os
import re
import shutil
from pathlib import Path

from conftest import BUILD, ROOT

ICOUNT = ["-icount", "shift=0"]
BASELINE = ROOT / "test" / "bench" / "baseline.json"
RESULTS = BUILD / "bench.json"
LINE = re.compile(r"^(\w+) ([0-9.]+) ([\w/]+)\r?$", re.M)


def run_program(boot, append, kernel=None, disk="", timeout=300):
    # While the guest waits for the disk, time runs at the host's pace (1 ns
    # a count): the host's own write-back of what an earlier benchmark wrote
    # would slow this one's disk (posix_file_write_16M: 3 000 -> 12 000 per
    # KiB after test_blk). Each starts with the host's disk settled.
    os.sync()
    kw = {"append": append, "extra": ICOUNT, "timeout": timeout, "disk": disk}
    if kernel:
        kw["kernel"] = kernel
    m = boot(**kw)
    assert m.wait_exit() == 0
    return {name: (float(v), unit) for name, v, unit in LINE.findall(m.output)}


def record(figures):
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    for name, (value, unit) in sorted(figures.items()):
        results[name] = {"value": value, "unit": unit}
        base = baseline.get(name, {}).get("value")
        note = ""
        if base:
            change = (value - base) / base * 100
            note = f"  (baseline {base:g}, {change:+.1f}%)"
            worse = -change if unit.endswith("/s") else change   # rates: higher is better
            if worse > 5:
                note += "  WORSE"
        print(f"{name} {value:g} {unit}{note}")
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def test_kernel_ipc(boot):
    fast = run_program(boot, "root=kbench")
    slow = run_program(boot, "root=kbench", kernel=BUILD / "kernel-nofast.elf")
    figures = {
        "ipc_call_reply_fast": fast["ipc_call_reply"],
        "ipc_call_reply_slow": slow["ipc_call_reply"],
        "ipc_call_reply_slow_64w_cap": fast["ipc_call_reply_64w_cap"],
        "syscall_fault_roundtrip": fast["syscall_fault_roundtrip"],
        "syscall_fault_roundtrip_slow": slow["syscall_fault_roundtrip"],
        "notify_wake": fast["notify_wake"],
        "ctx_switch_yield": fast["ctx_switch_yield"],
    }
    record(figures)


def test_boot(boot):
    m = boot(extra=ICOUNT)
    match = m.expect(r"first user instruction at (\d+) instructions "
                     r"\(firmware (\d+), kernel (\d+)\)")
    assert m.wait_exit() == 0
    record({"boot_first_user_instruction": (float(match.group(1)), "instructions"),
            "boot_kernel_only": (float(match.group(3)), "instructions")})


def boot_to_prompt_once(boot, img):
    os.sync()                    # as run_program does
    m = boot(disk=img, extra=ICOUNT, timeout=120)
    firmware = int(m.expect(r"\(firmware (\d+), kernel \d+\)").group(1))
    m.expect(r"# $")
    m.sendline("exit")
    prompt = m.expect(r"posix: input was first awaited at (\d+) instructions")
    assert m.wait_exit() == 0
    return int(prompt.group(1)) - firmware


def test_boot_to_prompt(boot, tmp_path):
    """From kernel entry (the firmware's part ends there) to the shell's
    first prompt: posix notes the instruction count when a program first
    looks for console input and finds none (ash, at its prompt) and
    reports it when init ends. Disk completions land at host-timed points,
    so runs differ by a few percent: the median of three is recorded."""
    img = tmp_path / "disk.img"
    runs = []
    for _ in range(3):
        shutil.copy(BUILD / "disk.img", img)
        runs.append(boot_to_prompt_once(boot, img))
    record({"boot_to_prompt": (float(sorted(runs)[1]), "instructions")})


def test_blk(boot, tmp_path):
    """blk's figures depend on when QEMU's I/O thread completes a request
    relative to the guest's instructions (an interrupt that lands while a
    program runs costs a preemption), so they vary by tens of percent run to
    run; the median of three runs is recorded."""
    disk = tmp_path / "bench.img"
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    runs = [run_program(boot, "init=blkbench", disk=disk) for _ in range(3)]
    figures = {}
    for name in runs[0]:
        values = sorted(r[name][0] for r in runs)
        figures[name] = (values[1], runs[0][name][1])
    record(figures)


def test_posix(boot, tmp_path):
    """On the ext2 disk (a fresh copy of build/disk.img). Linux 6.1 in the
    same QEMU: getppid 202, fork+exit+wait 79 700, fork+exec+wait 219 000,
    futex ping-pong 6 043, raise+handle+return 4 695, pipe ping-pong 8 721,
    open+close 4 272, stat of a 5-deep path 4 104, 16 MiB write + fsync
    4 528 per KiB, cached read 472 per KiB (../shared/FACTS.md, issue 7)."""
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    record(run_program(boot, "init=/usr/lib/mica/tests/posixbench", disk=img, timeout=900))


def test_fs(boot, tmp_path):
    img = tmp_path / "fs.img"
    import subprocess
    subprocess.run(["mkfs.ext2", "-q", "-F", "-t", "ext2", "-b", "4096", "-I", "256",
                    "-O", "none,filetype,sparse_super,large_file", str(img), "256M"],
                   check=True, capture_output=True)
    record(run_program(boot, "init=fsbench", disk=img, timeout=600))


def test_restart(boot, tmp_path):
    """restart_fs and restart_blk: guest instructions (and microseconds)
    from a server's fault to the first request its new incarnation
    answered, averaged over ten kills each (user/tests/restartbench.c)."""
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    record(run_program(boot, "init=/usr/lib/mica/tests/restartbench", disk=img, timeout=300))
