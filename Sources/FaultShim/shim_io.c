/* libordeal_shim.so, file calls: disk-full and io-error faults on files under data_dir, the
 * power-loss journal of their changes, and sync points. System SQLite calls pwrite64, write,
 * fdatasync and ftruncate64; every name of a family is defined, including the 64 variants.
 *
 * Async-signal-safety of each interposed call (the general rule is in shim_internal.h):
 * - With no fault armed (or the shim inert, or the thread already inside the shim) a call is a
 *   few atomic loads of the control file and the real call: lock-free, no malloc.
 * - write/pwrite/writev/pwritev/ftruncate/fallocate/posix_fallocate (and the 64 names), with a
 *   fault armed: fstat and readlink of the descriptor (or the fd cache), atomics; with the
 *   journal, fcntl/lseek/fstat/pread of the file and the journal append (its spin lock). A hit
 *   adds the backtrace of ordeal_shim_hit (loader locks, first hits only).
 * - fsync/fdatasync: the same lookups, the sync point (kill(SIGKILL) when it cuts the power)
 *   and, after the real call, a journal mark.
 * - read/pread/pread64: the lookups only, with io-error armed on reads.
 * - open/openat (64): with the journal, getcwd or readlink of dirfd, faccessat, a journal mark.
 * - unlink/unlinkat/rename/renameat: with the journal, the same path lookup, a pread copy of
 *   the file named into the journal, a journal mark when the call fails or renames in.
 * - close: one atomic or on the fd cache. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim_internal.h"

/* Takes one call from an io-error count: -1 is unlimited, 0 is spent. Invariant: a
 * compare-and-swap loop, so racing threads never take the count below 0 (where it would read
 * as unlimited). */
static int take_one(int64_t *remaining) {
    int64_t left = ordeal_ctl_load(remaining);
    for (;;) {
        if (left < 0) return 1;
        if (left == 0) return 0;
        if (__atomic_compare_exchange_n(remaining, &left, left - 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 1;
    }
}

/* What a write-family call of `length` bytes at `offset` (-1: the descriptor's position) must
 * do: 0 go on, or the errno to fail with. Journals the change first when power loss is armed.
 * Invariant: does its work only outside the shim (ordeal_in_shim), inside an enter/leave
 * section, so the calls it makes are never faulted themselves. */
static int before_write(int fd, const char *call, uint64_t length, int64_t offset, int truncating) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    if (!ctl || ordeal_in_shim()) return 0;
    int disk = (int)ordeal_ctl_load(&ctl->disk_full_active);
    int io = ordeal_ctl_load(&ctl->io_error_active) && (ordeal_ctl_load(&ctl->io_error_calls) & ORDEAL_IO_WRITE);
    int journal = (int)ordeal_ctl_load(&ctl->journal_active);
    if (!disk && !io && !journal) return 0;
    int outer = ordeal_enter();
    char path[PATH_MAX];
    int is_dir = 0, error = 0;
    if (ordeal_shim_fd_under(fd, path, sizeof path, &is_dir) == 1) {
        if (io && take_one(&ctl->io_error_remaining)) {
            ordeal_shim_hit(ORDEAL_FAULT_IO_ERROR, call);
            error = EIO;
        } else if (disk && length > 0 && (ordeal_ctl_load(&ctl->disk_budget) < 0
                       || ordeal_ctl_add(&ctl->disk_budget, -(int64_t)length) < 0)) {
            ordeal_ctl_store(&ctl->disk_budget, -1);
            ordeal_shim_hit(ORDEAL_FAULT_DISK_FULL, call);
            error = (int)ordeal_ctl_load(&ctl->disk_full_errno);
        } else if (journal) {
            if (offset < 0) {
                struct stat st;
                offset = (fcntl(fd, F_GETFL) & O_APPEND) && REAL(FSTAT)(fd, &st) == 0
                    ? (int64_t)st.st_size : (int64_t)lseek(fd, 0, SEEK_CUR);
            }
            if (offset >= 0) {
                if (truncating) ordeal_journal_truncate(fd, path, (uint64_t)offset);
                else ordeal_journal_change(fd, path, (uint64_t)offset, length);
            }
        }
    }
    ordeal_leave(outer);
    return error;
}

#define WRITE_GATE(fd, call, length, offset) \
    do { \
        int e_ = before_write(fd, call, length, offset, 0); \
        if (e_) { errno = e_; return -1; } \
    } while (0)

static uint64_t iov_length(const struct iovec *iov, int count) {
    uint64_t n = 0;
    for (int i = 0; i < count; i++) n += iov[i].iov_len;
    return n;
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
    WRITE_GATE(fd, "write", n, -1);
    return REAL(WRITE)(fd, buf, n);
}

SHIM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    WRITE_GATE(fd, "pwrite", n, off);
    return REAL(PWRITE)(fd, buf, n, off);
}

SHIM_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
    WRITE_GATE(fd, "pwrite64", n, off);
    return REAL(PWRITE64)(fd, buf, n, off);
}

SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int count) {
    WRITE_GATE(fd, "writev", iov_length(iov, count), -1);
    return REAL(WRITEV)(fd, iov, count);
}

SHIM_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t off) {
    WRITE_GATE(fd, "pwritev", iov_length(iov, count), off);
    return REAL(PWRITEV)(fd, iov, count, off);
}

SHIM_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int count, off_t off) {
    WRITE_GATE(fd, "pwritev64", iov_length(iov, count), off);
    return REAL(PWRITEV64)(fd, iov, count, off);
}

/* ftruncate: growing a file is a write of the new bytes (disk-full applies); any truncation is
 * journaled with what it cuts off. */
static int before_truncate(int fd, const char *call, off_t length) {
    struct stat st;
    uint64_t growth = REAL(FSTAT)(fd, &st) == 0 && length > st.st_size ? (uint64_t)(length - st.st_size) : 0;
    return before_write(fd, call, growth, length, 1);
}

SHIM_EXPORT int ftruncate(int fd, off_t length) {
    int e = ordeal_shim_ctl ? before_truncate(fd, "ftruncate", length) : 0;
    if (e) { errno = e; return -1; }
    return REAL(FTRUNCATE)(fd, length);
}

SHIM_EXPORT int ftruncate64(int fd, off_t length) {
    int e = ordeal_shim_ctl ? before_truncate(fd, "ftruncate64", length) : 0;
    if (e) { errno = e; return -1; }
    return REAL(FTRUNCATE64)(fd, length);
}

SHIM_EXPORT int fallocate(int fd, int mode, off_t off, off_t len) {
    WRITE_GATE(fd, "fallocate", (uint64_t)len, off);
    return REAL(FALLOCATE)(fd, mode, off, len);
}

SHIM_EXPORT int fallocate64(int fd, int mode, off_t off, off_t len) {
    WRITE_GATE(fd, "fallocate64", (uint64_t)len, off);
    return REAL(FALLOCATE64)(fd, mode, off, len);
}

/* posix_fallocate returns the error instead of setting errno. */
SHIM_EXPORT int posix_fallocate(int fd, off_t off, off_t len) {
    int e = before_write(fd, "posix_fallocate", (uint64_t)len, off, 0);
    return e ? e : REAL(POSIX_FALLOCATE)(fd, off, len);
}

SHIM_EXPORT int posix_fallocate64(int fd, off_t off, off_t len) {
    int e = before_write(fd, "posix_fallocate64", (uint64_t)len, off, 0);
    return e ? e : REAL(POSIX_FALLOCATE64)(fd, off, len);
}

/* ---- syncs: io-error, sync points and the journal's sync marks ---- */

static int do_sync(int fd, const char *call, int (*real)(int)) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    if (!ctl || ordeal_in_shim()) return real(fd);
    int io = ordeal_ctl_load(&ctl->io_error_active) && (ordeal_ctl_load(&ctl->io_error_calls) & ORDEAL_IO_SYNC);
    int journal = (int)ordeal_ctl_load(&ctl->journal_active);
    if (!io && !journal) return real(fd);
    int outer = ordeal_enter();
    char path[PATH_MAX];
    int is_dir = 0, rc, error;
    int under = ordeal_shim_fd_under(fd, path, sizeof path, &is_dir) == 1;
    /* A folder's sync is left alone: SQLite (and most cores) ignore its failure, so an error
     * spent there would test nothing (the io-error count is kept for a file's sync). */
    if (under && io && !is_dir && take_one(&ctl->io_error_remaining)) {
        ordeal_shim_hit(ORDEAL_FAULT_IO_ERROR, call);
        rc = -1;
        error = EIO;
    } else {
        if (under) ordeal_shim_sync_point(call);
        rc = real(fd);
        error = errno;
        if (rc == 0 && under && journal) ordeal_journal_mark(is_dir ? ORDEAL_JOURNAL_DIRSYNC : ORDEAL_JOURNAL_SYNC, path);
    }
    ordeal_leave(outer);
    errno = error;
    return rc;
}

SHIM_EXPORT int fsync(int fd) { return do_sync(fd, "fsync", REAL(FSYNC)); }

SHIM_EXPORT int fdatasync(int fd) { return do_sync(fd, "fdatasync", REAL(FDATASYNC)); }

/* ---- reads: io-error ---- */

static int read_fails(int fd, const char *call) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    if (!ctl || ordeal_in_shim() || !ordeal_ctl_load(&ctl->io_error_active)) return 0;
    if (!(ordeal_ctl_load(&ctl->io_error_calls) & ORDEAL_IO_READ)) return 0;
    int outer = ordeal_enter();
    char path[PATH_MAX];
    int is_dir = 0, fails = 0;
    if (ordeal_shim_fd_under(fd, path, sizeof path, &is_dir) == 1
        && take_one(&ctl->io_error_remaining)) {
        ordeal_shim_hit(ORDEAL_FAULT_IO_ERROR, call);
        fails = 1;
    }
    ordeal_leave(outer);
    if (fails) errno = EIO;
    return fails;
}

SHIM_EXPORT ssize_t read(int fd, void *buf, size_t n) {
    return read_fails(fd, "read") ? -1 : REAL(READ)(fd, buf, n);
}

SHIM_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off) {
    return read_fails(fd, "pread") ? -1 : REAL(PREAD)(fd, buf, n, off);
}

SHIM_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off) {
    return read_fails(fd, "pread64") ? -1 : REAL(PREAD64)(fd, buf, n, off);
}

/* ---- names: creations and removals, for the journal ---- */

/* Whether an open with these flags creates `path` under data_dir: 1 with abs filled. */
static int will_create(int dirfd, const char *path, int flags, char *abs, size_t size) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    if (!ctl || ordeal_in_shim() || !(flags & O_CREAT) || !ordeal_ctl_load(&ctl->journal_active)) return 0;
    int outer = ordeal_enter();
    int creates = ordeal_shim_path_under(dirfd, path, abs, size) == 1 && faccessat(dirfd, path, F_OK, 0) != 0;
    ordeal_leave(outer);
    return creates;
}

static int opened(int fd, int creates, const char *abs) {
    if (fd >= 0 && creates) {
        int saved = errno;
        int outer = ordeal_enter();
        ordeal_journal_mark(ORDEAL_JOURNAL_CREATE, abs);
        ordeal_leave(outer);
        errno = saved;
    }
    return fd;
}

/* The mode argument is read only when the flags say it was passed. */
#define OPEN_BODY(dirfd, path, flags) \
    mode_t mode = 0; \
    if ((flags) & (O_CREAT | O_TMPFILE)) { \
        va_list ap; \
        va_start(ap, flags); \
        mode = va_arg(ap, mode_t); \
        va_end(ap); \
    } \
    char abs[PATH_MAX]; \
    int creates = will_create(dirfd, path, flags, abs, sizeof abs)

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...) {
    OPEN_BODY(dirfd, path, flags);
    return opened(REAL(OPENAT)(dirfd, path, flags, mode), creates, abs);
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
    OPEN_BODY(dirfd, path, flags);
    return opened(REAL(OPENAT64)(dirfd, path, flags, mode), creates, abs);
}

SHIM_EXPORT int open(const char *path, int flags, ...) {
    OPEN_BODY(AT_FDCWD, path, flags);
    return opened(REAL(OPENAT)(AT_FDCWD, path, flags, mode), creates, abs);
}

SHIM_EXPORT int open64(const char *path, int flags, ...) {
    OPEN_BODY(AT_FDCWD, path, flags);
    return opened(REAL(OPENAT64)(AT_FDCWD, path, flags, mode), creates, abs);
}

/* Before a removal or a rename under data_dir: the content of what disappears is journaled
 * (both names of a rename: the target it replaces, and the source), so a power loss before the
 * folder's next sync can bring them back. Returns a bit per name saved (1: `from`, 2: `to`), so
 * that a call that then fails can cancel them; sets *to_under when `to` is under data_dir. */
static int removing(int fromfd, const char *from, int tofd, const char *to, char *from_abs, char *to_abs, int *to_under) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    *to_under = 0;
    if (!ctl || ordeal_in_shim() || !ordeal_ctl_load(&ctl->journal_active)) return 0;
    int outer = ordeal_enter();
    int saved = 0;
    *to_under = to && ordeal_shim_path_under(tofd, to, to_abs, PATH_MAX) == 1;
    if (*to_under && ordeal_journal_unlink(to_abs) == 0) saved |= 2;
    if (ordeal_shim_path_under(fromfd, from, from_abs, PATH_MAX) == 1 && ordeal_journal_unlink(from_abs) == 0) saved |= 1;
    ordeal_leave(outer);
    return saved;
}

/* After the call: a failure cancels what `removing` saved; a rename that worked created `to`. */
static int removed(int rc, int saved, const char *from_abs, const char *to_abs, int renamed_to_under) {
    if (!ordeal_shim_ctl || (!saved && !renamed_to_under)) return rc;
    int error = errno;
    int outer = ordeal_enter();
    if (rc != 0) {
        if (saved & 1) ordeal_journal_mark(ORDEAL_JOURNAL_CANCEL, from_abs);
        if (saved & 2) ordeal_journal_mark(ORDEAL_JOURNAL_CANCEL, to_abs);
    } else if (renamed_to_under) {
        ordeal_journal_mark(ORDEAL_JOURNAL_CREATE, to_abs);
    }
    ordeal_leave(outer);
    errno = error;
    return rc;
}

SHIM_EXPORT int unlink(const char *path) {
    char abs[PATH_MAX], unused[PATH_MAX];
    int to_under;
    int saved = removing(AT_FDCWD, path, AT_FDCWD, NULL, abs, unused, &to_under);
    return removed(REAL(UNLINK)(path), saved, abs, unused, 0);
}

SHIM_EXPORT int unlinkat(int dirfd, const char *path, int flags) {
    char abs[PATH_MAX], unused[PATH_MAX];
    int to_under = 0;
    int saved = (flags & AT_REMOVEDIR) ? 0 : removing(dirfd, path, AT_FDCWD, NULL, abs, unused, &to_under);
    return removed(REAL(UNLINKAT)(dirfd, path, flags), saved, abs, unused, 0);
}

static int renamed(int fromfd, const char *from, int tofd, const char *to, int (*call)(int, const char *, int, const char *)) {
    char from_abs[PATH_MAX], to_abs[PATH_MAX];
    int to_under;
    int saved = removing(fromfd, from, tofd, to, from_abs, to_abs, &to_under);
    return removed(call(fromfd, from, tofd, to), saved, from_abs, to_abs, to_under);
}

SHIM_EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to) {
    return renamed(fromfd, from, tofd, to, REAL(RENAMEAT));
}

SHIM_EXPORT int rename(const char *from, const char *to) {
    return renamed(AT_FDCWD, from, AT_FDCWD, to, REAL(RENAMEAT));
}

/* close: the descriptor's cached path is forgotten first, so its number, reused for another
 * file, is looked up afresh. */
SHIM_EXPORT int close(int fd) {
    if (ordeal_shim_ctl) ordeal_shim_forget_fd(fd);
    return REAL(CLOSE)(fd);
}
