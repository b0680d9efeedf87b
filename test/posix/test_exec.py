"""The POSIX personality runs unmodified static musl programs: exec with
arguments, the console, and the exit status ending the boot."""
import pytest


def test_hello_runs_with_arguments(boot):
    m = boot(append="init=/bin/hello a b")
    m.expect(r"hello from /bin/hello, 2 argument\(s\)")
    m.expect(r"argv\[1\] = a")
    m.expect(r"argv\[2\] = b")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_exit_status_of_init_ends_the_boot(boot):
    m = boot(append="init=/bin/hello fail")
    m.expect(r"init exited with status 3")
    assert m.wait_exit() == 3


def test_missing_program_is_reported(boot):
    m = boot(append="init=/bin/nothere")
    m.expect(r"posix: cannot run init '/bin/nothere': -2")
    m.expect(r"init exited with status 127")
    assert m.wait_exit() == 127


@pytest.mark.parametrize("asids", ["", "asids=1", "asids=0"],
                         ids=["asids", "asid-rollover", "no-asids"])
def test_fork_copy_on_write_exec_wait(boot, asids):
    """Also with one ASID bit (a new generation at nearly every switch)
    and none (a flush at every switch): copy-on-write must still see the
    new mappings and not the old ones."""
    m = boot(append=f"{asids} init=/bin/forkexec")
    m.expect(r"forkexec: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_signals_handlers_masks_sigchld_sleep_and_segv(boot):
    m = boot(append="init=/bin/signals")
    m.expect(r"signals: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0



def test_signals_cases_run_by_name(boot):
    m = boot(append="init=/bin/signals stop_continue waitid")
    m.expect(r"signals: stop_continue: ok")
    m.expect(r"signals: waitid: ok")
    m.expect(r"signals: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0

def test_threads_mutexes_condvars_robust_futexes(boot):
    m = boot(append="init=/bin/threads")
    m.expect(r"threads: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_memory_mappings_limits_and_fault_info(boot):
    m = boot(append="init=/bin/memory")
    m.expect(r"memory: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_interval_and_posix_timers(boot):
    m = boot(append="init=/bin/timers")
    m.expect(r"timers: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_memory_of_dead_processes_returns(boot):
    m = boot(append="init=/bin/leak")
    m.expect(r"leak: \d+ bytes free before, \d+ after: ok")
    assert m.wait_exit() == 0


def test_files_through_fs(boot, tmp_path):
    import shutil
    import subprocess
    from conftest import BUILD
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    m = boot(append="init=/bin/files", disk=img)
    m.expect(r"files: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0
    fsck = subprocess.run(["e2fsck", "-fn", str(img)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
    cat = subprocess.run(["debugfs", "-R", "cat /tmp/stdio.txt", str(img)], capture_output=True)
    assert cat.stdout == b"line 42\n"
    # Everyone may make files in /tmp and /dev/shm, without an init script.
    for d in ("/tmp", "/dev/shm"):
        st = subprocess.run(["debugfs", "-R", f"stat {d}", str(img)], capture_output=True,
                            text=True)
        assert "Mode:  01777" in st.stdout, st.stdout


def test_sysv_ipc_messages_semaphores_shared_memory(boot):
    m = boot(append="init=/bin/sysv")
    m.expect(r"sysv: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_loopback_sockets_udp_and_tcp(boot):
    m = boot(append="init=/bin/sockets")
    m.expect(r"sockets: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_pipes(boot):
    m = boot(append="init=/bin/pipes")
    m.expect(r"pipes: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_file_mappings(boot, tmp_path):
    import shutil
    from conftest import BUILD
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    m = boot(append="init=/bin/mapfile", disk=img)
    m.expect(r"mapfile: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_select_and_eventfd(boot, tmp_path):
    import shutil
    from conftest import BUILD
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    m = boot(append="init=/bin/events", disk=img)
    m.expect(r"events: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0


def test_chroot_copy_file_range_and_proc_self(boot, tmp_path):
    # From the disk, so that /proc/self/exe names a file there.
    import shutil
    from conftest import BUILD
    img = tmp_path / "disk.img"
    shutil.copy(BUILD / "disk.img", img)
    m = boot(append="init=/usr/lib/mica/tests/fscalls", disk=img)
    m.expect(r"fscalls: ok")
    m.expect(r"init exited with status 0")
    assert m.wait_exit() == 0
