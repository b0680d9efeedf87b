/*
 * The system-call table: every Linux riscv64 number (syscall_list.h) with
 * its handler, or none: an unimplemented call answers -ENOSYS and is
 * logged once by name, so the gaps show.
 */
#include "posix.h"
#include "sysv.h"

#include "mica/runtime.h"

static const char *const names[] = {
#define X(nr, name) [nr] = #name,
#include "syscall_list.h"
#undef X
};

_Static_assert(sizeof names / sizeof names[0] == NSYSCALLS, "NSYSCALLS counts syscall_list.h");

const syscall_fn syscall_handlers[NSYSCALLS] = {
    [17] = sys_getcwd,
    [23] = sys_dup,
    [24] = sys_dup3,
    [25] = sys_fcntl,
    [29] = sys_ioctl,
    [33] = sys_mknodat,
    [34] = sys_mkdirat,
    [35] = sys_unlinkat,
    [36] = sys_symlinkat,
    [37] = sys_linkat,
    [43] = sys_statfs,
    [44] = sys_fstatfs,
    [45] = sys_truncate,
    [46] = sys_ftruncate,
    [48] = sys_faccessat,
    [49] = sys_chdir,
    [50] = sys_fchdir,
    [51] = sys_chroot,
    [52] = sys_fchmod,
    [53] = sys_fchmodat,
    [54] = sys_fchownat,
    [55] = sys_fchown,
    [56] = sys_openat,
    [57] = sys_close,
    [59] = sys_pipe2,
    [61] = sys_getdents64,
    [62] = sys_lseek,
    [65] = sys_readv,
    [67] = sys_pread64,
    [68] = sys_pwrite64,
    [69] = sys_preadv,
    [70] = sys_pwritev,
    [47] = sys_fallocate,
    [78] = sys_readlinkat,
    [79] = sys_newfstatat,
    [80] = sys_fstat,
    [81] = sys_sync,
    [82] = sys_fsync,
    [83] = sys_fsync,               /* fdatasync */
    [88] = sys_utimensat,
    [166] = sys_umask,
    [267] = sys_sync,               /* syncfs */
    [276] = sys_renameat2,
    [291] = sys_statx,
    [436] = sys_close_range,
    [439] = sys_faccessat,          /* faccessat2 */
    [71] = sys_sendfile,
    [285] = sys_copy_file_range,
    [73] = sys_ppoll,
    [72] = sys_pselect6,
    [19] = sys_eventfd2,
    [101] = sys_nanosleep,
    [115] = sys_clock_nanosleep,
    [129] = sys_kill,
    [130] = sys_tkill,
    [131] = sys_tkill,              /* tgkill */
    [132] = sys_sigaltstack,
    [133] = sys_rt_sigsuspend,
    [134] = sys_rt_sigaction,
    [135] = sys_rt_sigprocmask,
    [136] = sys_rt_sigpending,
    [139] = sys_rt_sigreturn,
    [137] = sys_rt_sigtimedwait,
    [138] = sys_rt_sigqueueinfo,
    [240] = sys_rt_sigqueueinfo,    /* rt_tgsigqueueinfo */
    [161] = sys_sethostname,
    [162] = sys_setdomainname,
    [124] = sys_sched_yield,
    [123] = sys_sched_getaffinity,
    [144] = sys_setuid,             /* setgid */
    [146] = sys_setuid,             /* setuid */
    [148] = sys_getresuid,
    [150] = sys_getresuid,          /* getresgid */
    [153] = sys_times,
    [154] = sys_setpgid,
    [155] = sys_getpgid,
    [156] = sys_getsid,
    [157] = sys_setsid,
    [165] = sys_getrusage,
    [167] = sys_prctl,
    [179] = sys_sysinfo,
    [142] = sys_reboot,
    [102] = sys_getitimer,
    [103] = sys_setitimer,
    [107] = sys_timer_create,
    [108] = sys_timer_gettime,
    [109] = sys_timer_getoverrun,
    [110] = sys_timer_settime,
    [111] = sys_timer_delete,
    [112] = sys_clock_settime,
    [114] = sys_clock_getres,
    [216] = sys_mremap,
    [233] = sys_madvise,
    [261] = sys_prlimit64,
    [63] = sys_read,
    [64] = sys_write,
    [66] = sys_writev,
    [93] = sys_exit,
    [94] = sys_exit_group,
    [96] = sys_set_tid_address,
    [98] = sys_futex,
    [99] = sys_set_robust_list,
    [100] = sys_get_robust_list,
    [113] = sys_clock_gettime,
    [160] = sys_uname,
    [172] = sys_getpid,
    [173] = sys_getppid,
    [174] = sys_getuid,             /* getuid */
    [175] = sys_getuid,             /* geteuid */
    [176] = sys_getuid,             /* getgid */
    [177] = sys_getuid,             /* getegid */
    [178] = sys_gettid,
    [214] = sys_brk,
    [215] = sys_munmap,
    [220] = sys_clone,
    [221] = sys_execve,
    [222] = sys_mmap,
    [226] = sys_mprotect,
    [227] = sys_msync,
    [260] = sys_wait4,
    [95] = sys_waitid,
    [278] = sys_getrandom,
    [186] = sys_msgget,
    [187] = sys_msgctl,
    [188] = sys_msgrcv,
    [189] = sys_msgsnd,
    [190] = sys_semget,
    [191] = sys_semctl,
    [192] = sys_semtimedop,
    [193] = sys_semop,
    [194] = sys_shmget,
    [195] = sys_shmctl,
    [196] = sys_shmat,
    [197] = sys_shmdt,
    [32] = sys_flock,
    [198] = sys_socket,
    [200] = sys_bind,
    [201] = sys_listen,
    [202] = sys_accept,
    [203] = sys_connect,
    [204] = sys_getsockname,
    [205] = sys_getpeername,
    [206] = sys_sendto,
    [207] = sys_recvfrom,
    [208] = sys_setsockopt,
    [209] = sys_getsockopt,
    [210] = sys_shutdown,
    [242] = sys_accept4,
};

static bool logged[NSYSCALLS];

long syscall_unknown(struct lthread *t, const struct sysargs *s)
{
    if (s->nr == SERVICE_LINUX_SYSCALL)
        return sys_service(t, s);
    if (s->nr < NSYSCALLS && !logged[s->nr]) {
        logged[s->nr] = true;
        debug_printf("posix: %s (%lu) is not implemented: ENOSYS\n",
                     names[s->nr] ? names[s->nr] : "unknown", (unsigned long)s->nr);
    } else if (s->nr >= NSYSCALLS) {
        debug_printf("posix: system call %lu does not exist: ENOSYS\n", (unsigned long)s->nr);
    }
    return -ENOSYS;
}
