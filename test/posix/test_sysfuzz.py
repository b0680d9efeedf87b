"""The system-call fuzzer: random Linux system calls from several processes
and threads. Processes may die of signals; posix and the kernel must stay
up, and a new process must still run afterwards. make test runs a fixed
seed; make fuzz (MICA_FUZZ_LONG=1) a random seed and ten times the calls."""
import os
import random


def test_sysfuzz(boot):
    long = bool(os.environ.get("MICA_FUZZ_LONG"))
    seed = random.getrandbits(32) if long else 1
    calls = 1_000_000 if long else 100_000
    m = boot(append=f"init=/bin/sysfuzz {seed} {calls}", timeout=3000 if long else 300)
    match = m.expect(r"sysfuzz: (\d+) calls from (\d+) processes \((\d+) killed by signals\), "
                     r"system still up")
    assert int(match.group(1)) >= calls, f"seed {seed}"
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0, f"seed {seed}"
    assert "panic" not in m.output, f"seed {seed}"
