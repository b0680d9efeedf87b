"""The kernel fuzz test (user/kfuzz): random kernel calls with random
arguments from several threads and processes, then the kernel's
self-check and a check that every page came back.

`make test` runs it with a fixed seed. `make fuzz` (MICA_FUZZ_LONG=1) also
runs a long one with a random seed, which the test prints; to run a seed
again: make run APPEND="root=kfuzz init=SEED COUNT raw"; `init=repro NAME`
replays the reduced case of each kernel bug kfuzz found (user/kfuzz/repro.c).
"""
import os
import random

import pexpect
import pytest

LONG = bool(os.environ.get("MICA_FUZZ_LONG"))
SUMMARY = r"kfuzz: (\d+) calls, seed (\d+), selfcheck ok, leak 0 pages"


def run_kfuzz(boot, seed, count, timeout):
    # raw: without kfuzz's guards against the kernel bugs it found (all fixed).
    m = boot(append=f"root=kfuzz init={seed} {count} raw", timeout=timeout)
    try:
        m.expect(rf"kfuzz: seed {seed} count {count}")
        match = m.expect(SUMMARY)
        status = m.wait_exit()
    except (pexpect.TIMEOUT, pexpect.EOF) as e:
        tail = "\n".join(m.output.splitlines()[-20:])
        pytest.fail(f"seed {seed} count {count}: {type(e).__name__}; console ends:\n{tail}")
    assert int(match.group(2)) == seed
    assert int(match.group(1)) >= count, match.group(0)
    assert status == 0, f"seed {seed} count {count}: exit status {status}"


def test_kfuzz(boot):
    run_kfuzz(boot, 1, 200_000, timeout=120)


@pytest.mark.skipif(not LONG, reason="long fuzz runs only with MICA_FUZZ_LONG=1 (make fuzz)")
def test_kfuzz_long(boot):
    seed = random.getrandbits(32)
    print(f"kfuzz: random seed {seed}")
    run_kfuzz(boot, seed, 2_000_000, timeout=1800)


@pytest.mark.parametrize("name", ["timer_wrap", "timer_storm", "device_copy", "map_copy_exec",
                                  "msg_too_long", "ipcbuf_gone", "regs_len"])
def test_kfuzz_finding_stays_fixed(boot, name):
    """Each kernel bug kfuzz found, reduced to a few calls (repro.c)."""
    m = boot(append=f"root=kfuzz init=repro {name}", timeout=60)
    m.expect(rf"repro: {name}: ok")
    assert m.wait_exit() == 0
