"""Runs the C host unit tests and fixed-count fuzz runs (test/host/*.c),
built by `make host-tests` with ASan and UBSan."""
import os
import random
import subprocess

import pytest

from conftest import BUILD, ROOT, run_host

HOST = BUILD / "host"
DTB = BUILD / "virt.dtb"
FIXTURES = ROOT / "test" / "host" / "fdt"
LONG = bool(os.environ.get("MICA_FUZZ_LONG"))


def host_bin(name):
    path = HOST / name
    if not path.exists():
        pytest.fail(f"{path} is not built: run make host-tests")
    return str(path)


def fixture_dtbs():
    """Compiles the .dts fixtures with dtc into build/host/fdt/."""
    out = HOST / "fdt"
    out.mkdir(parents=True, exist_ok=True)
    dtbs = []
    for dts in sorted(FIXTURES.glob("*.dts")):
        dtb = out / (dts.stem + ".dtb")
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb),
                        str(dts)], check=True)
        dtbs.append(str(dtb))
    return dtbs


@pytest.mark.parametrize("name", ["test_kalloc", "test_cmdline", "test_fmt",
                                  "test_elf", "test_archive", "test_runqueue",
                                  "test_cspace", "test_poison", "test_pte"])
def test_unit(name):
    args = []
    if name == "test_elf":
        args = [str(BUILD / "native" / "root.elf")]
    if name == "test_archive":
        args = [str(BUILD / "archive.cpio"), "root", "blk", "badelf"]
    rc, out = run_host([host_bin(name), *args])
    assert rc == 0, out


def test_ext2(tmp_path):
    """The ext2 core over real images: mkfs.ext2 makes them, e2fsck and
    debugfs check every operation's result."""
    rc, out = run_host([host_bin("test_ext2"), str(tmp_path)], timeout=600)
    assert rc == 0, out


def test_fdt():
    # The DTB is dumped by `make` with -m 256M (see the Makefile).
    rc, out = run_host([host_bin("test_fdt"), "-m", "256M", str(DTB), *fixture_dtbs()])
    assert rc == 0, out


FUZZ = {
    "fuzz_ext2": (2_000, 50_000, lambda: []),
    "fuzz_cache": (3_000, 200_000, lambda: []),
    # name: (iterations in make test, in make fuzz, seed input)
    "fuzz_fdt": (200_000, 5_000_000, lambda: [str(DTB)]),
    "fuzz_elf": (100_000, 5_000_000, lambda: [str(BUILD / "native" / "root.elf")]),
    "fuzz_archive": (100_000, 5_000_000, lambda: [str(BUILD / "archive.cpio")]),
}


@pytest.mark.parametrize("name", sorted(FUZZ))
def test_fuzz(name):
    short, long, inputs = FUZZ[name]
    iterations = long if LONG else short
    seed = random.getrandbits(32) if LONG else 1
    cmd = [host_bin(name), *fuzz_args(name, iterations, seed, inputs())]
    rc, out = run_host(cmd, timeout=3600)
    assert rc == 0, f"seed {seed}:\n{out}"


def fuzz_args(name, iterations, seed, inputs):
    """fuzz_fdt takes DTB ITER SEED; fuzz_ext2 ITER SEED SCRATCH; the others
    ITER SEED [INPUT]."""
    if name == "fuzz_fdt":
        return [*inputs, str(iterations), str(seed)]
    if name == "fuzz_ext2":
        import tempfile
        return [str(iterations), str(seed), tempfile.mkdtemp(prefix="fuzz_ext2.")]
    return [str(iterations), str(seed), *inputs]
