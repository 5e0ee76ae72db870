/* libordeal_shim.so, core: the real functions, the control file, the data-folder test for file
 * descriptors, and the record of each call a fault changed (count and backtrace). */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim_internal.h"

struct ordeal_shim_control *ordeal_shim_ctl;
__thread int ordeal_shim_busy __attribute__((tls_model("initial-exec")));

/* Exported so a worker can tell, with dlsym(RTLD_DEFAULT, ...), that the shim is loaded. */
SHIM_EXPORT const char *ordeal_shim_version(void) { return ORDEAL_SHIM_VERSION; }

/* ---- the real functions ---- */

/* Raw system calls, used in place of a libc function dlsym cannot find (ORDEAL_REALS). They
 * set errno and return -1 like the libc functions; they are not cancellation points. */
static ssize_t raw_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
static ssize_t raw_pwrite(int fd, const void *buf, size_t n, off_t off) { return syscall(SYS_pwrite64, fd, buf, n, off); }
static ssize_t raw_writev(int fd, const struct iovec *iov, int count) { return syscall(SYS_writev, fd, iov, count); }
/* pwritev takes the offset as two longs (low, high); a 64-bit kernel uses the low one whole. */
static ssize_t raw_pwritev(int fd, const struct iovec *iov, int count, off_t off) {
    return syscall(SYS_pwritev, fd, iov, count, (long)off, (long)((uint64_t)off >> 32));
}
static int raw_ftruncate(int fd, off_t length) { return (int)syscall(SYS_ftruncate, fd, length); }
static int raw_fallocate(int fd, int mode, off_t off, off_t len) { return (int)syscall(SYS_fallocate, fd, mode, off, len); }
static int raw_fsync(int fd) { return (int)syscall(SYS_fsync, fd); }
static int raw_fdatasync(int fd) { return (int)syscall(SYS_fdatasync, fd); }
static ssize_t raw_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
static ssize_t raw_pread(int fd, void *buf, size_t n, off_t off) { return syscall(SYS_pread64, fd, buf, n, off); }
static int raw_openat(int dirfd, const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}
static int raw_unlinkat(int dirfd, const char *path, int flags) { return (int)syscall(SYS_unlinkat, dirfd, path, flags); }
static int raw_unlink(const char *path) { return raw_unlinkat(AT_FDCWD, path, 0); }
static int raw_renameat(int fromfd, const char *from, int tofd, const char *to) {
#ifdef SYS_renameat
    return (int)syscall(SYS_renameat, fromfd, from, tofd, to);
#else
    return (int)syscall(SYS_renameat2, fromfd, from, tofd, to, 0);
#endif
}
static int raw_close(int fd) { return (int)syscall(SYS_close, fd); }
static int raw_clock_gettime(clockid_t id, struct timespec *ts) { return (int)syscall(SYS_clock_gettime, id, ts); }
static int raw_gettimeofday(struct timeval *tv, void *tz) { return (int)syscall(SYS_gettimeofday, tv, tz); }
static int raw_fstat(int fd, struct stat *st) { return (int)syscall(SYS_fstat, fd, st); }

static const struct real_entry {
    const char *name;
    void *fallback;
} real_table[ORDEAL_REAL_COUNT] = {
#define ORDEAL_REAL_ENTRY(id, sym, raw, ret, params) [ORDEAL_REAL_##id] = {sym, (void *)raw},
    ORDEAL_REALS(ORDEAL_REAL_ENTRY)
#undef ORDEAL_REAL_ENTRY
};

void *ordeal_real_fn[ORDEAL_REAL_COUNT];

/* Set while this thread is inside dlsym, which may itself call an interposed function (a
 * malloc that reads a file while it initializes): that call gets the fallback, not a loop. */
static __thread int resolving __attribute__((tls_model("initial-exec")));

static size_t put(char *buf, size_t at, size_t size, const char *text) {
    while (text && *text && at + 1 < size) buf[at++] = *text++;
    buf[at] = '\0';
    return at;
}

/* Ends the process, with one line on fd 2 written by the raw system call (nothing of libc's
 * that could be the missing part, no stdio, no malloc). */
__attribute__((noreturn)) static void no_symbol(const char *name, const char *why) {
    char line[512];
    size_t n = put(line, 0, sizeof line, "ordeal shim (libordeal_shim.so): libc has no usable ");
    n = put(line, n, sizeof line, name);
    n = put(line, n, sizeof line, " (");
    n = put(line, n, sizeof line, why ? why : "dlsym(RTLD_NEXT) returned NULL");
    n = put(line, n, sizeof line, ") and no raw system call replaces it; exiting with status 71\n");
    (void)syscall(SYS_write, 2, line, n);
    _exit(ORDEAL_SHIM_EXIT_NO_SYMBOL);
}

void *ordeal_real_resolve(enum ordeal_real_id id) {
    void *fn = __atomic_load_n(&ordeal_real_fn[id], __ATOMIC_ACQUIRE);
    if (fn) return fn;
    const struct real_entry *entry = &real_table[id];
    if (resolving) {
        /* Not stored: dlsym, once it returns, may well find the symbol. */
        if (entry->fallback) return entry->fallback;
        no_symbol(entry->name, "needed inside dlsym itself");
    }
    resolving = 1;
    fn = dlsym(RTLD_NEXT, entry->name);
    resolving = 0;
    if (!fn) fn = entry->fallback;
    if (!fn) no_symbol(entry->name, dlerror());
    /* Racing threads store the same pointer. */
    __atomic_store_n(&ordeal_real_fn[id], fn, __ATOMIC_RELEASE);
    return fn;
}

ssize_t ordeal_real_writev_all(int fd, const void *a, size_t alen, const void *b, size_t blen, const void *c, size_t clen) {
    struct iovec iov[3] = {{(void *)a, alen}, {(void *)b, blen}, {(void *)c, clen}};
    struct iovec *next = iov;
    int left = 3;
    size_t total = alen + blen + clen, done = 0;
    while (done < total) {
        /* Skips the buffers written whole (and the empty ones). */
        while (left > 0 && next->iov_len == 0) next++, left--;
        ssize_t n = REAL(WRITEV)(fd, next, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        done += (size_t)n;
        for (size_t k = (size_t)n; k > 0 && left > 0;) {
            size_t step = k < next->iov_len ? k : next->iov_len;
            next->iov_base = (char *)next->iov_base + step;
            next->iov_len -= step;
            k -= step;
            if (next->iov_len == 0) next++, left--;
        }
    }
    return (ssize_t)total;
}

int64_t ordeal_shim_monotonic_ns(void) {
    struct timespec ts;
    REAL(CLOCK_GETTIME)(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- load time ---- */

/* The shim's own load address, to leave its frames out of backtraces. Set by the constructor
 * (where dladdr's lock is harmless) before ordeal_shim_ctl, so every hit sees it. */
static void *own_base;

/* Resolves every real function, then maps ORDEAL_SHIM_CONTROL. Invariant: runs before main,
 * single-threaded; a file that is missing, short or of another ABI leaves the shim inert (and
 * the runner, seeing no loaded_pid, reports the fault as unable to land). Uses the real
 * functions only, so none of its own calls is interposed. */
__attribute__((constructor)) static void ordeal_shim_init(void) {
    for (int id = 0; id < ORDEAL_REAL_COUNT; id++) ordeal_real_resolve((enum ordeal_real_id)id);
    Dl_info self;
    own_base = dladdr((void *)ordeal_shim_init, &self) ? self.dli_fbase : NULL;
    const char *path = getenv("ORDEAL_SHIM_CONTROL");
    if (!path || !*path) return;
    int fd = REAL(OPENAT)(AT_FDCWD, path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (REAL(FSTAT)(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct ordeal_shim_control)) {
        REAL(CLOSE)(fd);
        return;
    }
    void *map = mmap(NULL, sizeof(struct ordeal_shim_control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REAL(CLOSE)(fd);
    if (map == MAP_FAILED) return;
    struct ordeal_shim_control *ctl = map;
    if (ctl->magic != ORDEAL_SHIM_MAGIC || ctl->abi != ORDEAL_SHIM_ABI) {
        munmap(map, sizeof *ctl);
        return;
    }
    // Only the worker's own process records itself; a child of it (which inherited
    // LD_PRELOAD) takes the faults as the worker does, but does not pass for the worker.
    struct stat exe;
    if (ordeal_ctl_claim(&ctl->loaded_pid, (int64_t)getpid()) && stat("/proc/self/exe", &exe) == 0) {
        ordeal_ctl_store(&ctl->loaded_exe_dev, (int64_t)exe.st_dev);
        ordeal_ctl_store(&ctl->loaded_exe_ino, (int64_t)exe.st_ino);
    }
    ordeal_shim_ctl = ctl;
}

/* ---- which files the faults reach ---- */

/* A per-descriptor cache of "is it under data_dir". An entry is dropped when its descriptor is
 * closed (close is interposed) and checked against (dev, ino) on every use, so a reused
 * descriptor number is never taken for the file it named before (a deleted file's inode number
 * is soon reused: (dev, ino) alone is not enough).
 *
 * Threading rule: any thread writes an entry after a lookup that missed (ordeal_shim_fd_under),
 * any thread reads it, and close (any thread, a signal handler included) voids it. Entries are
 * seqlocks without waiting: `seq` bit 0 is set while a writer fills the entry (claimed with a
 * compare-and-swap, so there is one writer at a time; a thread that loses the claim just does
 * not cache), bit 1 marks it void (close: one atomic or), the rest counts writes. A reader
 * copies the entry and keeps the copy only if seq was even, not void and unchanged across the
 * copy; otherwise it looks the descriptor up afresh (readlink), as on a miss. No lock and no
 * spinning, so it is async-signal-safe. Tolerated races: two threads missing on one descriptor
 * at once both look it up, one caches (same answer); a lookup that races with a close of the
 * same descriptor in another thread (the program's own race: its call could as well reach
 * the next file to get that number) may cache the closed file's answer, which the (dev, ino)
 * check then rejects unless the next file of that number also has the same inode. The copy
 * reads fields a writer may be storing at that moment (the usual seqlock data race); the seq
 * check discards any such copy. */
#define FD_CACHE 1024
struct fd_entry {
    unsigned seq;
    int state; /* 1 under, 2 not under */
    int is_dir;
    dev_t dev;
    ino_t ino;
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

/* "/proc/self/fd/N", without snprintf (not async-signal-safe). */
static void fd_link(char out[32], int fd) {
    char digits[12];
    int n = 0;
    unsigned v = (unsigned)fd;
    do digits[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 11);
    size_t at = put(out, 0, 32, "/proc/self/fd/");
    while (n) out[at++] = digits[--n];
    out[at] = '\0';
}

/* A cached answer for fd as it is now (st): 1 under, 0 not under, -1 none usable. */
static int cache_get(int fd, const struct stat *st, char *path, size_t size, int *is_dir) {
    struct fd_entry *e = &fd_cache[fd];
    unsigned seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
    if (seq & 3) return -1;
    int state = __atomic_load_n(&e->state, __ATOMIC_RELAXED);
    int dir = __atomic_load_n(&e->is_dir, __ATOMIC_RELAXED);
    int same = __atomic_load_n(&e->dev, __ATOMIC_RELAXED) == st->st_dev && __atomic_load_n(&e->ino, __ATOMIC_RELAXED) == st->st_ino;
    if (!state || !same) return -1;
    if (state == 1) {
        strncpy(path, e->path, size - 1);
        path[size - 1] = '\0';
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != seq) return -1;
    if (state == 1) *is_dir = dir;
    return state == 1;
}

static void cache_put(int fd, const struct stat *st, const char *target, int under) {
    struct fd_entry *e = &fd_cache[fd];
    unsigned seq = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
    if ((seq & 1) || !__atomic_compare_exchange_n(&e->seq, &seq, (seq & ~3u) | 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&e->dev, st->st_dev, __ATOMIC_RELAXED);
    __atomic_store_n(&e->ino, st->st_ino, __ATOMIC_RELAXED);
    __atomic_store_n(&e->is_dir, S_ISDIR(st->st_mode), __ATOMIC_RELAXED);
    __atomic_store_n(&e->state, under ? 1 : 2, __ATOMIC_RELAXED);
    strncpy(e->path, target, sizeof e->path - 1);
    e->path[sizeof e->path - 1] = '\0';
    /* Unlocks and counts the write: (g|01)+3 = g+4, or, voided meanwhile, (g|11)+3 = (g+4)|10. */
    __atomic_fetch_add(&e->seq, 3, __ATOMIC_RELEASE);
}

int ordeal_shim_fd_under(int fd, char *path, size_t size, int *is_dir) {
    struct stat st;
    if (fd < 0 || REAL(FSTAT)(fd, &st) != 0) return -1;
    int cached = fd < FD_CACHE ? cache_get(fd, &st, path, size, is_dir) : -1;
    if (cached >= 0) return cached;
    char link[32];
    fd_link(link, fd);
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return -1;
    target[n] = '\0';
    int under = under_data_dir(target);
    if (fd < FD_CACHE) cache_put(fd, &st, target, under);
    if (under) {
        strncpy(path, target, size - 1);
        path[size - 1] = '\0';
        *is_dir = S_ISDIR(st.st_mode);
    }
    return under;
}

void ordeal_shim_forget_fd(int fd) {
    if (fd >= 0 && fd < FD_CACHE) __atomic_fetch_or(&fd_cache[fd].seq, 2u, __ATOMIC_RELEASE);
}

int ordeal_shim_path_under(int dirfd, const char *path, char *abs, size_t size) {
    if (!path) return 0;
    size_t n = 0;
    if (path[0] != '/') {
        char base[PATH_MAX];
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof base)) return -1;
        } else {
            char link[32];
            fd_link(link, dirfd);
            ssize_t len = readlink(link, base, sizeof base - 1);
            if (len < 0) return -1;
            base[len] = '\0';
        }
        /* A cut path could pass for another: say "cannot tell" (no fault applies) instead. */
        if (strlen(base) + 1 + strlen(path) >= size) return -1;
        n = put(abs, 0, size, base);
        n = put(abs, n, size, "/");
    } else if (strlen(path) >= size) {
        return -1;
    }
    put(abs, n, size, path);
    return under_data_dir(abs);
}

/* ---- what a fault did ---- */

static void copy_name(char *dst, const char *src) {
    size_t i = 0;
    if (src)
        for (; src[i] && i < ORDEAL_SHIM_NAME - 1; i++) dst[i] = src[i];
    dst[i] = '\0';
}

/* See the contract in shim_internal.h: past the first ORDEAL_SHIM_TRACES hits of a kind this is
 * two atomic adds; the backtrace of the first ones allocates nothing but takes loader locks. */
void ordeal_shim_hit(int kind, const char *call) {
    struct ordeal_shim_stats *stats = &ordeal_shim_ctl->stats[kind];
    ordeal_ctl_add(&stats->hits, 1);
    int64_t slot = ordeal_ctl_add(&stats->traces, 1) - 1;
    if (slot >= ORDEAL_SHIM_TRACES) return;
    struct ordeal_shim_trace *trace = &stats->trace[slot];
    void *pcs[ORDEAL_SHIM_FRAMES + 8];
    int n = unw_backtrace(pcs, ORDEAL_SHIM_FRAMES + 8);
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
