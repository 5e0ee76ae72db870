/* Internal declarations of libordeal_shim.so (not a SwiftPM target: built by the BuildFaultShim
 * plugin with plain clang, so that the library needs only libc and libunwind at run time).
 *
 * Async-signal-safety, for every interposed call (each file states its calls' contract): the
 * shim's own work inside write, fsync, read, open, close, clock_gettime and the rest is system
 * calls (fstat, readlink, pread, writev, openat, fcntl, lseek, faccessat, getcwd, getpid,
 * kill: plain system calls in glibc, most on POSIX's async-signal-safe list), atomic
 * operations on the control file and the fd cache, and string copies into stack buffers: no
 * malloc, no stdio, no pthread lock. The exceptions, each documented where it is:
 * - ordeal_shim_hit's backtrace (unw_backtrace, dladdr) takes the dynamic loader's locks; it
 *   runs for the first ORDEAL_SHIM_TRACES hits of each fault kind only.
 * - the journal append holds the shim's own spin lock (journal_owner in shim_journal.c) across
 *   its writev retries.
 * - resolving a real function with dlsym, at load time (or on the first call of a function
 *   made before the constructor ran, e.g. from another library's constructor).
 * A signal handler cannot re-enter the shim's work in its own thread: the re-entrancy flag
 * below sends every call made while it is set straight to the real function. */
#ifndef ORDEAL_SHIM_INTERNAL_H
#define ORDEAL_SHIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "ordeal_shim_control.h"

/* The library is built with -fvisibility=hidden: only the interposed calls and
 * ordeal_shim_version are exported, so the shim's own helpers never clash with a program's. */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* Exit status of a process the shim ends itself because its libc lacks a function the shim
 * must forward to and cannot replace with a raw system call (see ORDEAL_REALS). The shim first
 * writes one line naming the function to fd 2. (A power loss is not an exit: SIGKILL.) */
enum ordeal_shim_exit {
    ORDEAL_SHIM_EXIT_NO_SYMBOL = 71, /* EX_OSERR of sysexits.h */
};

/* The mapped control file, or NULL when ORDEAL_SHIM_CONTROL is unset or unusable: then every
 * interposed call goes straight to the real one. Set once, in the constructor. */
extern struct ordeal_shim_control *ordeal_shim_ctl;

/* ---- the real functions ----
 * X(ID, symbol, raw fallback, return type, parameters). Every one is resolved once with
 * dlsym(RTLD_NEXT) by the constructor (shim_core.c), and checked: when libc has no such symbol
 * (fstat before glibc 2.33, for one) the fallback, a raw system call of the same meaning, is
 * used instead; with no fallback (NULL) the process ends with ORDEAL_SHIM_EXIT_NO_SYMBOL. A
 * call made before the constructor ran resolves its function on demand, through the same
 * checked path. So REAL(ID) is never NULL. */
#define ORDEAL_REALS(X) \
    X(WRITE, "write", raw_write, ssize_t, (int, const void *, size_t)) \
    X(PWRITE, "pwrite", raw_pwrite, ssize_t, (int, const void *, size_t, off_t)) \
    X(PWRITE64, "pwrite64", raw_pwrite, ssize_t, (int, const void *, size_t, off_t)) \
    X(WRITEV, "writev", raw_writev, ssize_t, (int, const struct iovec *, int)) \
    X(PWRITEV, "pwritev", raw_pwritev, ssize_t, (int, const struct iovec *, int, off_t)) \
    X(PWRITEV64, "pwritev64", raw_pwritev, ssize_t, (int, const struct iovec *, int, off_t)) \
    X(FTRUNCATE, "ftruncate", raw_ftruncate, int, (int, off_t)) \
    X(FTRUNCATE64, "ftruncate64", raw_ftruncate, int, (int, off_t)) \
    X(FALLOCATE, "fallocate", raw_fallocate, int, (int, int, off_t, off_t)) \
    X(FALLOCATE64, "fallocate64", raw_fallocate, int, (int, int, off_t, off_t)) \
    /* glibc emulates posix_fallocate where the file system cannot: no system call matches. */ \
    X(POSIX_FALLOCATE, "posix_fallocate", NULL, int, (int, off_t, off_t)) \
    X(POSIX_FALLOCATE64, "posix_fallocate64", NULL, int, (int, off_t, off_t)) \
    X(FSYNC, "fsync", raw_fsync, int, (int)) \
    X(FDATASYNC, "fdatasync", raw_fdatasync, int, (int)) \
    X(READ, "read", raw_read, ssize_t, (int, void *, size_t)) \
    X(PREAD, "pread", raw_pread, ssize_t, (int, void *, size_t, off_t)) \
    X(PREAD64, "pread64", raw_pread, ssize_t, (int, void *, size_t, off_t)) \
    X(OPENAT, "openat", raw_openat, int, (int, const char *, int, ...)) \
    X(OPENAT64, "openat64", raw_openat, int, (int, const char *, int, ...)) \
    X(UNLINK, "unlink", raw_unlink, int, (const char *)) \
    X(UNLINKAT, "unlinkat", raw_unlinkat, int, (int, const char *, int)) \
    X(RENAMEAT, "renameat", raw_renameat, int, (int, const char *, int, const char *)) \
    X(CLOSE, "close", raw_close, int, (int)) \
    X(CLOCK_GETTIME, "clock_gettime", raw_clock_gettime, int, (clockid_t, struct timespec *)) \
    X(GETTIMEOFDAY, "gettimeofday", raw_gettimeofday, int, (struct timeval *, void *)) \
    X(FSTAT, "fstat", raw_fstat, int, (int, struct stat *))

enum ordeal_real_id {
#define ORDEAL_REAL_ENUM(id, name, fallback, ret, params) ORDEAL_REAL_##id,
    ORDEAL_REALS(ORDEAL_REAL_ENUM)
#undef ORDEAL_REAL_ENUM
    ORDEAL_REAL_COUNT
};

#define ORDEAL_REAL_TYPE(id, name, fallback, ret, params) typedef ret(*ordeal_real_##id##_t) params;
ORDEAL_REALS(ORDEAL_REAL_TYPE)
#undef ORDEAL_REAL_TYPE

/* Resolved functions, written by ordeal_real_resolve only (release), read with acquire. */
extern void *ordeal_real_fn[ORDEAL_REAL_COUNT];
/* Resolves and checks one real function; never returns NULL (ends the process instead). */
void *ordeal_real_resolve(enum ordeal_real_id id);

static inline void *ordeal_real(enum ordeal_real_id id) {
    void *fn = __atomic_load_n(&ordeal_real_fn[id], __ATOMIC_ACQUIRE);
    return fn ? fn : ordeal_real_resolve(id);
}

/* The real function ID, typed: REAL(WRITE)(fd, buf, n). */
#define REAL(id) ((ordeal_real_##id##_t)ordeal_real(ORDEAL_REAL_##id))

/* Appends the three buffers (any may be empty) to fd with the real writev, retrying short
 * writes (advancing through the buffers) and EINTR until all are written. Returns the total,
 * or -1 with errno set (a short write that made no progress fails with EIO). */
ssize_t ordeal_real_writev_all(int fd, const void *a, size_t alen, const void *b, size_t blen, const void *c, size_t clen);

/* The real CLOCK_MONOTONIC in nanoseconds (never skewed). */
int64_t ordeal_shim_monotonic_ns(void);

/* Records a call a fault changed: counts it (atomic adds: lock-free, async-signal-safe) and,
 * while one of the ORDEAL_SHIM_TRACES slots of the kind is free, keeps its backtrace. Contract
 * of the backtrace: it allocates nothing (no malloc), but unw_backtrace walks the unwind tables
 * through dl_iterate_phdr and dladdr takes glibc's dl_load_lock, so it may block while another
 * thread is in dlopen/dlclose (until that call ends), and it is not async-signal-safe: reached
 * from a signal handler that interrupted the loader in the same thread it may deadlock or read
 * the loader's tables mid-update. The shim accepts that for the first few hits of a kind,
 * because the workers it is made for do no file I/O in signal handlers. */
void ordeal_shim_hit(int kind, const char *call);

/* Whether fd is a file or folder under data_dir; fills path (PATH_MAX) when it is.
 * Returns 1 under, 0 not under, -1 when it cannot tell (then faults do not apply). */
int ordeal_shim_fd_under(int fd, char *path, size_t size, int *is_dir);
/* Drops the cached answer for a descriptor about to be closed (one atomic or). */
void ordeal_shim_forget_fd(int fd);
/* Whether an absolute or relative path names something under data_dir; fills abs.
 * Returns 1 under, 0 not under, -1 when it cannot tell (a path too long for abs included). */
int ordeal_shim_path_under(int dirfd, const char *path, char *abs, size_t size);

/* Power-loss journal. Each returns 0, or -1 after counting a journal error. */
int ordeal_journal_change(int fd, const char *path, uint64_t offset, uint64_t length);
int ordeal_journal_truncate(int fd, const char *path, uint64_t new_size);
int ordeal_journal_mark(uint32_t type, const char *path);
/* Saves the whole content of `path` (an absolute path) as UNLINK records, before it is removed
 * or renamed away; nothing when it does not exist (returns 1 then, 0 when saved). */
int ordeal_journal_unlink(const char *path);

/* Called before a sync of a file or folder under data_dir: counts the sync point and, when it
 * is the one power loss is armed for, kills the process (never returns then). */
void ordeal_shim_sync_point(const char *call);

/* ---- re-entrancy ----
 * Set while the thread does the shim's own work, so that the calls that work makes (or a
 * signal handler that interrupts it in this thread makes) reach the real functions without
 * being faulted, journaled or counted again. Initial-exec TLS: reading it never allocates and
 * is async-signal-safe. Touch it only through ordeal_enter/ordeal_leave/ordeal_in_shim. */
extern __thread int ordeal_shim_busy __attribute__((tls_model("initial-exec")));

static inline int ordeal_in_shim(void) { return ordeal_shim_busy; }

/* Marks the thread as inside the shim; returns the previous state, for ordeal_leave. The
 * signal fences keep the compiler from moving the flag's store across the work it guards (a
 * handler in this thread must see it set). */
static inline int ordeal_enter(void) {
    int previous = ordeal_shim_busy;
    ordeal_shim_busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return previous;
}

/* Restores the state ordeal_enter returned (so nested sections never clear an outer one). */
static inline void ordeal_leave(int previous) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    ordeal_shim_busy = previous;
}

#endif
