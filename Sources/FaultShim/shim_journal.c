/* libordeal_shim.so, power-loss journal: before a file under data_dir changes, the bytes it
 * overwrites (and its size) are appended to an undo journal; syncs, creations and folder syncs
 * are marked. After a power loss the runner reads the journal and rolls every file back to the
 * state of its last sync (docs/faults.md). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_internal.h"

static int journal_fd = -1;

/* The journal, opened on first use with the real openat. Invariant: at most one descriptor
 * survives a race between threads (compare-and-swap; the loser closes its own). */
static int journal(void) {
    int fd = __atomic_load_n(&journal_fd, __ATOMIC_ACQUIRE);
    if (fd >= 0) return fd;
    fd = REAL(OPENAT)(AT_FDCWD, ordeal_shim_ctl->journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    int expected = -1;
    if (!__atomic_compare_exchange_n(&journal_fd, &expected, fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        REAL(CLOSE)(fd);
        return expected;
    }
    return fd;
}

/* The append lock: the pid of the process one of whose threads is appending a record, 0 when
 * none is. O_APPEND puts each writev after every earlier one, but a record that takes more
 * than one writev (a short write, retried) could have another thread's record land between its
 * parts; the lock keeps a record's parts together among this process's threads. Between
 * processes sharing the journal (a worker and its forked children) only a record written by
 * one writev is whole; Linux does not cut a write to a regular file short for a handled
 * signal, so a short write there means ENOSPC or RLIMIT_FSIZE midway, and a corrupt journal
 * the runner reports. A pid, not a flag, because a child forked while a thread of its parent
 * held the lock inherits it held by a thread that does not exist in the child: the child sees
 * another pid and takes it over. Waiting is sched_yield (a system call); the holder is in one
 * writev. A signal handler of the holder's thread never waits for it: inside the shim its
 * calls are not journaled (ordeal_enter). */
static int journal_owner;

static void lock_journal(void) {
    int self = (int)getpid();
    for (;;) {
        int owner = 0;
        if (__atomic_compare_exchange_n(&journal_owner, &owner, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
        if (owner != self && __atomic_compare_exchange_n(&journal_owner, &owner, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
        sched_yield();
    }
}

static void unlock_journal(void) { __atomic_store_n(&journal_owner, 0, __ATOMIC_RELEASE); }

static int failed(void) {
    ordeal_ctl_add(&ordeal_shim_ctl->journal_errors, 1);
    return -1;
}

static int append(uint32_t type, const char *path, uint64_t offset, uint64_t length, uint64_t size_before,
    const void *data, uint32_t data_len) {
    int fd = journal();
    if (fd < 0) return failed();
    struct ordeal_journal_record rec = {
        .magic = ORDEAL_JOURNAL_MAGIC, .type = type, .offset = offset, .length = length,
        .size_before = size_before, .path_len = (uint32_t)strlen(path), .data_len = data_len,
        .pid = (int64_t)getpid(),
    };
    lock_journal();
    ssize_t n = ordeal_real_writev_all(fd, &rec, sizeof rec, path, rec.path_len, data, data_len);
    unlock_journal();
    return n < 0 ? failed() : 0;
}

int ordeal_journal_mark(uint32_t type, const char *path) { return append(type, path, 0, 0, 0, NULL, 0); }

/* Saves [from, to) of the file (to <= its size) as CHANGE records of at most CHUNK bytes. */
#define CHUNK 32768
static int save_range(int fd, const char *path, uint64_t from, uint64_t to, uint64_t length, uint64_t size_before) {
    char buf[CHUNK];
    if (from >= to) return append(ORDEAL_JOURNAL_CHANGE, path, from, length, size_before, NULL, 0);
    while (from < to) {
        size_t want = to - from < CHUNK ? (size_t)(to - from) : CHUNK;
        ssize_t n = REAL(PREAD64)(fd, buf, want, (off_t)from);
        if (n <= 0) return failed();
        if (append(ORDEAL_JOURNAL_CHANGE, path, from, (uint64_t)n, size_before, buf, (uint32_t)n) < 0) return -1;
        from += (uint64_t)n;
    }
    return 0;
}

static int size_of(int fd, uint64_t *size) {
    struct stat st;
    if (REAL(FSTAT)(fd, &st) != 0) return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}

int ordeal_journal_unlink(const char *path) {
    int fd = REAL(OPENAT)(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    uint64_t size;
    int rc = -1;
    if (size_of(fd, &size) == 0) {
        char buf[CHUNK];
        uint64_t at = 0;
        rc = size == 0 ? append(ORDEAL_JOURNAL_UNLINK, path, 0, 0, 0, NULL, 0) : 0;
        while (rc == 0 && at < size) {
            size_t want = size - at < CHUNK ? (size_t)(size - at) : CHUNK;
            ssize_t n = REAL(PREAD64)(fd, buf, want, (off_t)at);
            if (n <= 0) {
                rc = failed();
                break;
            }
            rc = append(ORDEAL_JOURNAL_UNLINK, path, at, (uint64_t)n, size, buf, (uint32_t)n);
            at += (uint64_t)n;
        }
    } else {
        rc = failed();
    }
    REAL(CLOSE)(fd);
    return rc;
}

int ordeal_journal_change(int fd, const char *path, uint64_t offset, uint64_t length) {
    uint64_t size;
    if (size_of(fd, &size) != 0) return failed();
    uint64_t end = offset + length < size ? offset + length : size;
    return save_range(fd, path, offset, end, length, size);
}

int ordeal_journal_truncate(int fd, const char *path, uint64_t new_size) {
    uint64_t size;
    if (size_of(fd, &size) != 0) return failed();
    return save_range(fd, path, new_size, size, 0, size);
}
