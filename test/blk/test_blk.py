"""The block server in QEMU: blktest (user/blktest) writes patterns through
blk, reads them back, and the host checks the image file after QEMU exits.
"""
import os

import pytest

from conftest import BUILD

SECTOR = 512


def pattern(sector):
    """The bytes blktest writes to a sector (user/blktest/main.c)."""
    return bytes((sector * 31 + j * 7 + 0x5a) & 0xFF for j in range(SECTOR))


@pytest.fixture
def disk(tmp_path):
    path = tmp_path / "disk.img"
    with open(path, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    return path


def run_blktest(boot, disk, case="", extra=(), env=None):
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        m = boot(append=f"init=blktest {case}".strip(), disk=disk, extra=list(extra))
        m.expect(r"blktest: (\d+) case\(s\), 0 failure\(s\)", timeout=120)
        assert m.wait_exit() == 0
        assert "FAIL" not in m.output
        return m
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def sectors_hold_pattern(disk, sectors):
    data = disk.read_bytes()
    return [s for s in sectors if data[s * SECTOR:(s + 1) * SECTOR] != pattern(s)]


def test_patterns_reach_the_disk(boot, disk):
    run_blktest(boot, disk)
    last = 16 * 1024 * 1024 // SECTOR - 1
    written = [0, last, *range(last - 127, last + 1), *range(1000, 1009),
               *range(2000, 2128), *range(3000, 3003)]
    # Eight threads wrote 20 rounds of 16 sectors each at 10000 + n * 1000.
    for n in range(8):
        written += range(10000 + n * 1000, 10000 + n * 1000 + 320)
    assert sectors_hold_pattern(disk, written) == []
    # Nothing else was touched.
    data = disk.read_bytes()
    assert data[1 * SECTOR:1000 * SECTOR] == bytes(999 * SECTOR)


def test_legacy_virtio_interface(boot, disk):
    run_blktest(boot, disk, "first_and_last",
                extra=["-global", "virtio-mmio.force-legacy=true"])
    assert sectors_hold_pattern(disk, [0]) == []


def test_read_only_disk_refuses_writes(boot, disk):
    run_blktest(boot, disk, "read_only", env={"MICA_DRIVE_OPTS": ",readonly=on"})
    assert disk.read_bytes() == bytes(16 * 1024 * 1024)


def test_device_errors_reach_the_caller(boot, disk, tmp_path):
    rules = tmp_path / "blkdebug.conf"
    # Reads of sectors 64.. fail with EIO in the device (QEMU's blkdebug).
    rules.write_text('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "64"\n')
    run_blktest(boot, disk, "io_error",
                env={"MICA_DRIVE_FILE": f"blkdebug:{rules}:{disk}"})
