"""The fs server in QEMU: fstest (user/fstest) works through the file
protocol on a fresh ext2 image; after QEMU exits the host reads the image
with debugfs, byte for byte, and e2fsck -fn must find nothing to fix."""
import subprocess

import pytest

MKFS = ["mkfs.ext2", "-q", "-F", "-t", "ext2", "-b", "4096", "-I", "256",
        "-O", "none,filetype,sparse_super,large_file"]


@pytest.fixture
def image(tmp_path):
    img = tmp_path / "fs.img"
    subprocess.run([*MKFS, str(img), "64M"], check=True, capture_output=True)
    return img


def debugfs(img, request):
    out = subprocess.run(["debugfs", "-R", request, str(img)], capture_output=True, check=True)
    return out.stdout


def fsck_clean(img):
    p = subprocess.run(["e2fsck", "-fn", str(img)], capture_output=True, text=True)
    return p.returncode == 0, p.stdout + p.stderr


def big_byte(i):
    return (i * 131 + (i >> 12) * 7) & 0xFF


def run_fstest(boot, img, case=""):
    m = boot(append=f"init=fstest {case}".strip(), disk=img, timeout=180)
    m.expect(r"fstest: (\d+) case\(s\), 0 failure\(s\)")
    assert m.wait_exit() == 0
    assert "FAIL" not in m.output


def test_files_written_in_mica_read_on_the_host(boot, image):
    run_fstest(boot, image)
    assert debugfs(image, "cat /hello.txt") == b"hello, mica\n"
    big = debugfs(image, "cat /big.bin")
    assert len(big) == 5 << 20
    assert all(big[i] == big_byte(i) for i in range(0, len(big), 4099))
    assert debugfs(image, "cat /dir/sub/a") == b"A"
    assert debugfs(image, "cat /moved") == b"A"            # the hard link, renamed
    assert b"sub/a" in debugfs(image, "stat /dir/to-a")     # a fast symlink
    listing = debugfs(image, "ls /dir/sub").decode()
    assert "gone" not in listing and " a " in listing.replace("\t", " ") or "a" in listing
    ok, report = fsck_clean(image)
    assert ok, report


def test_every_case_alone_leaves_a_clean_image(boot, image):
    run_fstest(boot, image, "tree")
    ok, report = fsck_clean(image)
    assert ok, report
