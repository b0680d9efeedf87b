"""The busybox shell on the ext2 disk, driven through the console tty with
pexpect: pipelines, redirections, here-documents, a tree copied and
checksummed, ^C, a script with functions and traps; afterwards the host
reads what the shell wrote with debugfs, and e2fsck finds nothing to fix."""
import subprocess
import time

from conftest import PROMPT
from conftest import shell_finish as finish
from conftest import shell_run as run


def test_pipeline_and_redirections(shell):
    assert run(shell, "seq 1 20000 | sort -rn | head -3").split() == ["20000", "19999", "19998"]
    run(shell, "echo one > /tmp/f; echo two >> /tmp/f")
    assert run(shell, "cat /tmp/f").split() == ["one", "two"]
    run(shell, "cat > /tmp/doc <<EOF\nline a\nline b\nEOF")
    assert run(shell, "wc -l < /tmp/doc").strip() == "2"
    assert run(shell, "ls /nonexistent 2>&1 | wc -l").strip() == "1"
    finish(shell)
    out = subprocess.run(["debugfs", "-R", "cat /tmp/doc", str(shell.image)],
                         capture_output=True).stdout
    assert out == b"line a\nline b\n"


def test_sync_puts_files_on_the_disk(shell):
    """fs answers a change once its journal, which outlives fs but not the
    machine, holds it; sync puts it on the disk. After sync the power may
    go: the disk has the files, and e2fsck finds nothing to fix. (Without
    the sync the disk lacks the end of the file.)"""
    run(shell, "seq 1 30000 > /tmp/durable && mkdir /tmp/dd && echo kept > /tmp/dd/k")
    run(shell, "rm /tmp/dd/k && echo again > /tmp/dd/k && sync")
    shell.close()                               # no poweroff: QEMU is killed
    out = subprocess.run(["debugfs", "-R", "cat /tmp/durable", str(shell.image)],
                         capture_output=True).stdout
    assert out == "".join(f"{i}\n" for i in range(1, 30001)).encode()
    out = subprocess.run(["debugfs", "-R", "cat /tmp/dd/k", str(shell.image)],
                         capture_output=True).stdout
    assert out == b"again\n"
    fsck = subprocess.run(["e2fsck", "-fn", str(shell.image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout


def test_tree_copy_move_remove_with_checksums(shell):
    run(shell, "mkdir -p /tmp/t/a/b && seq 1 5000 > /tmp/t/a/b/n && echo x > /tmp/t/a/y")
    run(shell, "cd /tmp && find t -type f | sort | xargs sha256sum > /tmp/sums")
    run(shell, "cp -r /tmp/t /tmp/u && mv /tmp/u /tmp/v")
    out = run(shell, "cd /tmp && sed 's| t/| v/|' sums | sha256sum -c")
    assert "v/a/b/n: OK" in out and "FAILED" not in out
    assert run(shell, "find / -type f | wc -l").strip().isdigit()
    run(shell, "rm -r /tmp/t")
    assert run(shell, "ls /tmp/t 2>&1").startswith("ls:")
    finish(shell)


def test_ctrl_c_interrupts_the_foreground(shell):
    shell.sendline("sleep 100")
    time.sleep(2)                # let the shell start it before ^C
    shell.child.sendcontrol("c")
    shell.expect(PROMPT, timeout=30)
    assert run(shell, "echo after").strip() == "after"
    finish(shell)


def test_script_with_functions_and_traps(shell):
    run(shell, "cat > /tmp/s.sh <<'EOF'\n"
               "f() { echo \"f got $1\"; }\n"
               "trap 'echo trapped' EXIT\n"
               "for i in 1 2; do f $i; done\n"
               "EOF")
    out = run(shell, "sh /tmp/s.sh")
    assert out.split("\n")[:3] == ["f got 1", "f got 2", "trapped"]
    finish(shell)


def test_job_control_stop_background_and_kill(shell):
    shell.sendline("sleep 100")
    time.sleep(2)
    shell.child.sendcontrol("z")
    shell.expect(r"Stopped", timeout=30)
    shell.expect(PROMPT, timeout=30)
    assert "sleep 100" in run(shell, "jobs")
    run(shell, "bg")
    assert "Running" in run(shell, "jobs")
    run(shell, "kill %1")
    time.sleep(1)
    out = run(shell, "jobs; echo done")
    assert "sleep" not in out or "Terminated" in out
    assert "waited" in run(shell, "sleep 1 & wait; echo waited").split("\n")
    # fg brings a stopped job back to the foreground, where ^C reaches it.
    shell.sendline("sleep 100")
    time.sleep(2)
    shell.child.sendcontrol("z")
    shell.expect(PROMPT, timeout=30)
    shell.sendline("fg")
    shell.expect(r"sleep 100", timeout=30)
    time.sleep(1)
    shell.child.sendcontrol("c")
    shell.expect(PROMPT, timeout=30)
    assert run(shell, "jobs; echo none").strip().endswith("none")
    # A background job that reads the tty is stopped by SIGTTIN.
    run(shell, "cat &")
    time.sleep(2)
    assert "Stopped" in run(shell, "jobs")
    run(shell, "kill -9 %1")
    finish(shell)


def test_vi_writes_a_file(shell):
    """busybox vi in the console tty: raw mode, escape sequences, and
    poll with a timeout on the terminal."""
    run(shell, "printf 'first\\nsecond\\nthird\\n' > /tmp/v.txt")
    shell.sendline("vi /tmp/v.txt")
    shell.expect(r"v\.txt 1/3", timeout=30)   # vi's status line: it reads keys now

    def keys(text):
        # An escape and what follows it within vi's short wait would read
        # as one key sequence: pause after each piece.
        shell.child.send(text)
        time.sleep(0.5)

    keys("dd")                             # the first line goes
    keys("A end")                          # append to what is now the first
    keys("\x1b")
    keys("Goadded by vi")
    keys("\x1b")
    shell.child.send(":wq\r")
    shell.expect(PROMPT, timeout=30)
    assert run(shell, "cat /tmp/v.txt").split("\n")[:3] == ["second end", "third",
                                                            "added by vi"]
    finish(shell)
    out = subprocess.run(["debugfs", "-R", "cat /tmp/v.txt", str(shell.image)],
                         capture_output=True).stdout
    assert out == b"second end\nthird\nadded by vi\n"


def test_applets_that_read_proc(shell):
    """df and mount read /proc/mounts; tty names the terminal through
    /proc/self/fd/0; readlink shows /proc/self/exe."""
    out = run(shell, "df /")
    assert "/dev/root" in out and out.rstrip().endswith("/"), out
    assert run(shell, "mount").strip() == "/dev/root on / type ext2 (rw)"
    assert run(shell, "tty").strip() == "/dev/console"
    assert run(shell, "readlink /proc/self/exe").strip() == "/bin/readlink"
    finish(shell)
