/* libordeal_shim.so, core: the control file, the real functions, the data-folder test for file
 * descriptors, and the record of each call a fault changed (count and backtrace). */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim_internal.h"

struct ordeal_shim_control *ordeal_shim_ctl;
__thread int ordeal_shim_busy __attribute__((tls_model("initial-exec")));

/* Exported so a worker can tell, with dlsym(RTLD_DEFAULT, ...), that the shim is loaded. */
SHIM_EXPORT const char *ordeal_shim_version(void) { return ORDEAL_SHIM_VERSION; }

static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_fstat)(int, struct stat *);

#define RESOLVE(var, name) \
    do { if (!(var)) (var) = dlsym(RTLD_NEXT, name); } while (0)

ssize_t ordeal_real_pread(int fd, void *buf, size_t count, off_t offset) {
    RESOLVE(real_pread, "pread64");
    return real_pread(fd, buf, count, offset);
}

int ordeal_real_clock_gettime(clockid_t id, struct timespec *ts) {
    RESOLVE(real_clock_gettime, "clock_gettime");
    return real_clock_gettime(id, ts);
}

int ordeal_real_fstat(int fd, void *st) {
    RESOLVE(real_fstat, "fstat");
    return real_fstat(fd, st);
}

/* Appends up to three buffers with one writev, retrying partial writes: the journal is opened
 * O_APPEND, so one record from one call lands whole, after every earlier record. */
ssize_t ordeal_real_writev_all(int fd, const void *a, size_t alen, const void *b, size_t blen, const void *c, size_t clen) {
    RESOLVE(real_writev, "writev");
    struct iovec iov[3] = {{(void *)a, alen}, {(void *)b, blen}, {(void *)c, clen}};
    size_t total = alen + blen + clen;
    ssize_t n = real_writev(fd, iov, 3);
    return n < 0 ? -1 : (size_t)n == total ? n : -1;
}

int64_t ordeal_shim_monotonic_ns(void) {
    struct timespec ts;
    ordeal_real_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Maps ORDEAL_SHIM_CONTROL. Invariant: runs before main, single-threaded; a file that is
 * missing, short or of another ABI leaves the shim inert (and the runner, seeing no
 * loaded_pid, reports the fault as unable to land). */
__attribute__((constructor)) static void ordeal_shim_init(void) {
    const char *path = getenv("ORDEAL_SHIM_CONTROL");
    if (!path || !*path) return;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct ordeal_shim_control)) {
        close(fd);
        return;
    }
    void *map = mmap(NULL, sizeof(struct ordeal_shim_control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return;
    struct ordeal_shim_control *ctl = map;
    if (ctl->magic != ORDEAL_SHIM_MAGIC || ctl->abi != ORDEAL_SHIM_ABI) {
        munmap(map, sizeof *ctl);
        return;
    }
    struct stat exe;
    if (stat("/proc/self/exe", &exe) == 0) {
        ordeal_ctl_store(&ctl->loaded_exe_dev, (int64_t)exe.st_dev);
        ordeal_ctl_store(&ctl->loaded_exe_ino, (int64_t)exe.st_ino);
    }
    ordeal_ctl_store(&ctl->loaded_pid, (int64_t)getpid());
    ordeal_shim_ctl = ctl;
}

/* ---- which files the faults reach ---- */

/* A per-descriptor cache of "is it under data_dir". An entry is dropped when its descriptor is
 * closed (close is interposed) and checked against (dev, ino) on every use, so a reused
 * descriptor number is never taken for the file it named before (a deleted file's inode number
 * is soon reused: (dev, ino) alone is not enough). */
#define FD_CACHE 1024
struct fd_entry {
    dev_t dev;
    ino_t ino;
    int state; /* 0 unknown, 1 under, 2 not under */
    int is_dir;
    char path[PATH_MAX];
};
static struct fd_entry fd_cache[FD_CACHE];

static int under_data_dir(const char *abs) {
    const char *dir = ordeal_shim_ctl->data_dir;
    size_t n = strnlen(dir, ORDEAL_SHIM_PATH);
    if (n == 0 || strncmp(abs, dir, n) != 0) return 0;
    if (abs[n] != '/' && abs[n] != '\0') return 0;
    const char *journal = ordeal_shim_ctl->journal_path;
    return strncmp(abs, journal, ORDEAL_SHIM_PATH) != 0;
}

int ordeal_shim_fd_under(int fd, char *path, size_t size, int *is_dir) {
    struct stat st;
    if (fd < 0 || ordeal_real_fstat(fd, &st) != 0) return -1;
    struct fd_entry *e = fd < FD_CACHE ? &fd_cache[fd] : NULL;
    if (e && e->state && e->dev == st.st_dev && e->ino == st.st_ino) {
        if (e->state == 1) {
            strncpy(path, e->path, size - 1);
            path[size - 1] = '\0';
            *is_dir = e->is_dir;
        }
        return e->state == 1;
    }
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return -1;
    target[n] = '\0';
    int under = under_data_dir(target);
    if (e) {
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        e->is_dir = S_ISDIR(st.st_mode);
        strncpy(e->path, target, sizeof e->path - 1);
        e->path[sizeof e->path - 1] = '\0';
        e->state = under ? 1 : 2;
    }
    if (under) {
        strncpy(path, target, size - 1);
        path[size - 1] = '\0';
        *is_dir = S_ISDIR(st.st_mode);
    }
    return under;
}

void ordeal_shim_forget_fd(int fd) {
    if (fd >= 0 && fd < FD_CACHE) __atomic_store_n(&fd_cache[fd].state, 0, __ATOMIC_RELEASE);
}

int ordeal_shim_path_under(int dirfd, const char *path, char *abs, size_t size) {
    if (!path) return 0;
    if (path[0] == '/') {
        snprintf(abs, size, "%s", path);
    } else {
        char base[PATH_MAX];
        ssize_t n;
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof base)) return -1;
            n = (ssize_t)strlen(base);
        } else {
            char link[64];
            snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
            n = readlink(link, base, sizeof base - 1);
            if (n < 0) return -1;
            base[n] = '\0';
        }
        snprintf(abs, size, "%s/%s", base, path);
    }
    return under_data_dir(abs);
}

/* ---- what a fault did ---- */

static void copy_name(char *dst, const char *src) {
    size_t i = 0;
    if (src)
        for (; src[i] && i < ORDEAL_SHIM_NAME - 1; i++) dst[i] = src[i];
    dst[i] = '\0';
}

/* Invariant: allocates nothing and takes no lock, so it is safe inside any interposed call
 * (which may run with malloc's lock held): unw_backtrace walks the stack, dladdr only reads
 * the loader's tables. */
void ordeal_shim_hit(int kind, const char *call) {
    struct ordeal_shim_stats *stats = &ordeal_shim_ctl->stats[kind];
    ordeal_ctl_add(&stats->hits, 1);
    int64_t slot = ordeal_ctl_add(&stats->traces, 1) - 1;
    if (slot >= ORDEAL_SHIM_TRACES) return;
    struct ordeal_shim_trace *trace = &stats->trace[slot];
    void *pcs[ORDEAL_SHIM_FRAMES + 8];
    int n = unw_backtrace(pcs, ORDEAL_SHIM_FRAMES + 8);
    Dl_info self;
    void *own_base = dladdr((void *)ordeal_shim_hit, &self) ? self.dli_fbase : NULL;
    int kept = 0;
    /* The shim's own frames (this function, the interposer) are left out: the trace starts
     * at the caller of the interposed call. */
    for (int i = 1; i < n && kept < ORDEAL_SHIM_FRAMES; i++) {
        struct ordeal_shim_frame *frame = &trace->frame[kept];
        Dl_info info;
        memset(&info, 0, sizeof info);
        /* A return address points after the call; step back one byte to name the caller. */
        uintptr_t pc = (uintptr_t)pcs[i] - 1;
        int known = dladdr((void *)pc, &info) && info.dli_fbase;
        if (known && info.dli_fbase == own_base) continue;
        kept++;
        if (known) {
            frame->offset = pc - (uintptr_t)info.dli_fbase;
            copy_name(frame->module, info.dli_fname);
            copy_name(frame->symbol, info.dli_sname);
        } else {
            frame->offset = pc;
            copy_name(frame->module, "?");
            copy_name(frame->symbol, NULL);
        }
    }
    copy_name(trace->call, NULL);
    for (size_t i = 0; call[i] && i < sizeof trace->call - 1; i++) trace->call[i] = call[i];
    ordeal_ctl_store(&trace->frames, kept);
}

void ordeal_shim_sync_point(const char *call) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    if (!ordeal_ctl_load(&ctl->journal_active)) return;
    int64_t count = ordeal_ctl_add(&ctl->sync_count, 1);
    int64_t at = ordeal_ctl_load(&ctl->power_at_sync);
    if (at <= 0 || count != at) return;
    ordeal_shim_hit(ORDEAL_FAULT_POWER_LOSS, call);
    ordeal_ctl_store(&ctl->power_fired_ns, ordeal_shim_monotonic_ns());
    /* The power goes before this sync reaches the disk: nothing after this line runs. */
    kill(getpid(), SIGKILL);
    for (;;) pause();
}
