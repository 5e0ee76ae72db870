/* Internal declarations of libordeal_shim.so (not a SwiftPM target: built by the BuildFaultShim
 * plugin with plain clang, so that the library needs only libc and libunwind at run time). */
#ifndef ORDEAL_SHIM_INTERNAL_H
#define ORDEAL_SHIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "ordeal_shim_control.h"

/* The library is built with -fvisibility=hidden: only the interposed calls and
 * ordeal_shim_version are exported, so the shim's own helpers never clash with a program's. */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* The mapped control file, or NULL when ORDEAL_SHIM_CONTROL is unset or unusable: then every
 * interposed call goes straight to the real one. Set once, in the constructor. */
extern struct ordeal_shim_control *ordeal_shim_ctl;

/* The real functions, resolved with dlsym(RTLD_NEXT) on first use. */
ssize_t ordeal_real_pread(int fd, void *buf, size_t count, off_t offset);
ssize_t ordeal_real_writev_all(int fd, const void *a, size_t alen, const void *b, size_t blen, const void *c, size_t clen);
int ordeal_real_clock_gettime(clockid_t id, struct timespec *ts);
int ordeal_real_fstat(int fd, void *st);

/* The real CLOCK_MONOTONIC in nanoseconds (never skewed). */
int64_t ordeal_shim_monotonic_ns(void);

/* Records a call a fault changed: counts it and keeps its backtrace if a slot is free.
 * Allocates nothing (unw_backtrace + dladdr). */
void ordeal_shim_hit(int kind, const char *call);

/* Whether fd is a file or folder under data_dir; fills path (PATH_MAX) when it is.
 * Returns 1 under, 0 not under, -1 when it cannot tell (then faults do not apply). */
int ordeal_shim_fd_under(int fd, char *path, size_t size, int *is_dir);
/* Drops the cached answer for a descriptor about to be closed. */
void ordeal_shim_forget_fd(int fd);
/* Whether an absolute or relative path names something under data_dir; fills abs. */
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

/* The thread is inside the shim (initial-exec TLS, so reading it never allocates). */
extern __thread int ordeal_shim_busy __attribute__((tls_model("initial-exec")));

#endif
