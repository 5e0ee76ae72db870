#ifndef ORDEAL_SHIM_CONTROL_H
#define ORDEAL_SHIM_CONTROL_H

/// The control file shared by the runner and the fault shim (libordeal_shim.so) loaded into a
/// worker with LD_PRELOAD. The runner creates one file per worker instance, sized exactly
/// `sizeof(struct ordeal_shim_control)`, fills the static fields (magic, abi, data_dir,
/// journal_path) before the worker starts, and names it in ORDEAL_SHIM_CONTROL. Both sides map
/// it MAP_SHARED.
///
/// Invariants:
/// - Every int64_t field, once the worker runs, is read and written only with the atomic
///   helpers at the end of this file, on both sides (ShimControl.swift and the shim). They use
///   one order for every field: acquire for loads, release for stores, acq_rel for
///   read-modify-writes. Most fields are meaningful on their own and would do with relaxed;
///   two protocols need the stronger order, and one order everywhere leaves no call site to
///   get wrong: a fault is armed by storing its parameters first and its `*_active` flag last
///   (release), and the shim loads the flag first (acquire), then the parameters, so it sees
///   the parameters of that arming or a later one; a backtrace slot is published by storing
///   `frames` last (release), read `frames`-first (acquire). The cost is nothing on x86-64
///   (plain moves) and ldar/stlr on arm64. A disarm racing with a call in flight may let that
///   one call still be faulted; that is accepted.
/// - data_dir and journal_path never change once the worker has started.
/// - Backtrace slots are claimed with an atomic fetch-add on `traces`, filled, and published by
///   storing `frames` last (release); a reader that sees frames > 0 sees the whole slot.
/// - The layout of these structs (and of the journal record) is the ABI: ORDEAL_SHIM_ABI names
///   it, and the _Static_asserts below the structs pin it, so a change of a field fails to
///   compile until ORDEAL_SHIM_ABI is bumped and the numbers there are updated with it. There
///   is no padding anywhere (every array is a multiple of 8 bytes), so the layout is the same
///   on every 64-bit and 32-bit target.

#include <stdint.h>

#define ORDEAL_SHIM_MAGIC 0x4d48534c4145444fULL /* "ODEALSHM" little-endian */
#define ORDEAL_SHIM_ABI 1
#define ORDEAL_SHIM_VERSION "1.0.0"

/// Fault kinds, the index of their statistics.
enum {
    ORDEAL_FAULT_DISK_FULL = 0,
    ORDEAL_FAULT_IO_ERROR = 1,
    ORDEAL_FAULT_CLOCK = 2,
    ORDEAL_FAULT_POWER_LOSS = 3,
    ORDEAL_FAULT_KINDS = 4,
};

/// io_error_calls bits.
enum { ORDEAL_IO_WRITE = 1, ORDEAL_IO_SYNC = 2, ORDEAL_IO_READ = 4 };
/// clock_mask bits.
enum { ORDEAL_CLOCK_REALTIME = 1, ORDEAL_CLOCK_MONOTONIC = 2, ORDEAL_CLOCK_BOOTTIME = 4 };
/// clock_mode values.
enum { ORDEAL_CLOCK_JUMP = 0, ORDEAL_CLOCK_STROBE = 1, ORDEAL_CLOCK_DRIFT = 2 };

#define ORDEAL_SHIM_TRACES 3
#define ORDEAL_SHIM_FRAMES 16
#define ORDEAL_SHIM_NAME 120
#define ORDEAL_SHIM_PATH 512

/// One frame: the module it lies in, the offset of the pc from the module's load address, and
/// the nearest exported symbol when dladdr knows one (symbolized fully later, by the runner).
struct ordeal_shim_frame {
    uint64_t offset;
    char module[ORDEAL_SHIM_NAME];
    char symbol[ORDEAL_SHIM_NAME];
};

struct ordeal_shim_trace {
    int64_t frames;
    /// The interposed call that was hit, e.g. "pwrite64".
    char call[24];
    struct ordeal_shim_frame frame[ORDEAL_SHIM_FRAMES];
};

struct ordeal_shim_stats {
    /// Calls the fault changed.
    int64_t hits;
    /// Trace slots claimed (may exceed ORDEAL_SHIM_TRACES; only that many are filled).
    int64_t traces;
    struct ordeal_shim_trace trace[ORDEAL_SHIM_TRACES];
};

struct ordeal_shim_control {
    uint64_t magic;
    int64_t abi;
    /// Set by the shim when it maps the file: the pid of the worker it runs in, and the device
    /// and inode of that process's executable, so that a program that execs another without
    /// the shim (clearing LD_PRELOAD) does not pass for one with it. The pid is claimed by the
    /// first process to map the file after the runner zeroed it for a new incarnation (the
    /// worker; an exec keeps its pid and records its new executable); a child the worker
    /// starts inherits LD_PRELOAD and maps the file too, but records nothing.
    int64_t loaded_pid;
    int64_t loaded_exe_dev;
    int64_t loaded_exe_ino;
    /// Files under this folder (an absolute path without a trailing slash) are the ones disk
    /// and power faults reach.
    char data_dir[ORDEAL_SHIM_PATH];
    /// The undo journal for power loss (outside data_dir), appended with O_APPEND.
    char journal_path[ORDEAL_SHIM_PATH];

    /// disk-full: writes to files under data_dir fail with disk_full_errno once disk_budget bytes
    /// (-1: none at all) have been written since the fault was armed.
    int64_t disk_full_active;
    int64_t disk_full_errno;
    int64_t disk_budget;

    /// io-error: EIO from the calls in io_error_calls on files under data_dir; io_error_remaining
    /// counts down the calls still to fail (-1: every call until disarmed).
    int64_t io_error_active;
    int64_t io_error_calls;
    int64_t io_error_remaining;

    /// clock-skew: an offset on the clocks in clock_mask. jump: clock_offset_ns; strobe:
    /// clock_offset_ns during every other clock_period_ns; drift: clock_offset_ns plus
    /// clock_drift_ppm parts per million of the (real monotonic) time since clock_since_ns.
    int64_t clock_active;
    int64_t clock_mask;
    int64_t clock_mode;
    int64_t clock_offset_ns;
    int64_t clock_period_ns;
    int64_t clock_drift_ppm;
    int64_t clock_since_ns;

    /// power-loss: while journal_active, every change to a file under data_dir is preceded by a
    /// journal record of what it overwrites; syncs of data_dir's files and folders are counted
    /// in sync_count; when it reaches power_at_sync (> 0) the shim stamps power_fired_ns (real
    /// CLOCK_MONOTONIC) and kills its own process before that sync happens.
    int64_t journal_active;
    int64_t sync_count;
    int64_t power_at_sync;
    int64_t power_fired_ns;
    /// Journal records that could not be written (the journal is then incomplete: the runner
    /// must not trust a rollback).
    int64_t journal_errors;

    struct ordeal_shim_stats stats[ORDEAL_FAULT_KINDS];
};

/// Journal record types.
enum {
    /// A change to a file: `length` bytes at `offset` are about to be overwritten (the
    /// pre-image of the part below `size_before` follows the path), or the file is about to be
    /// truncated to `offset` (length 0).
    ORDEAL_JOURNAL_CHANGE = 1,
    /// The file was synced (fsync/fdatasync returned 0): earlier records of it are void.
    ORDEAL_JOURNAL_SYNC = 2,
    /// The file was created (it did not exist before the open).
    ORDEAL_JOURNAL_CREATE = 3,
    /// The folder was synced: creations in it are durable.
    ORDEAL_JOURNAL_DIRSYNC = 4,
    /// The file is about to be removed or renamed away: its whole content follows, in records
    /// of this type (`offset`, `length` and the data; `size_before` is the file's size).
    ORDEAL_JOURNAL_UNLINK = 5,
    /// The removal or rename announced by the last UNLINK records of this path failed: forget them.
    ORDEAL_JOURNAL_CANCEL = 6,
};

#define ORDEAL_JOURNAL_MAGIC 0x4a4c444fU /* "ODLJ" */

/// The fixed header of a journal record; followed by `path_len` bytes of path (no NUL) and
/// `data_len` bytes of pre-image.
struct ordeal_journal_record {
    uint32_t magic;
    uint32_t type;
    uint64_t offset;
    uint64_t length;
    uint64_t size_before;
    uint32_t path_len;
    uint32_t data_len;
    int64_t pid;
};

/// The layout of ORDEAL_SHIM_ABI 1. Changing a field, its type or its place breaks the files a
/// runner and a shim of different builds share (the shim checks only magic and abi): bump
/// ORDEAL_SHIM_ABI, then update the first assert and the numbers after it together.
_Static_assert(ORDEAL_SHIM_ABI == 1, "ORDEAL_SHIM_ABI changed: make the layout asserts below describe the new layout, then set this number to it");
_Static_assert(sizeof(struct ordeal_shim_frame) == 248, "ordeal_shim_frame changed size: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_frame, module) == 8, "ordeal_shim_frame layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_frame, symbol) == 128, "ordeal_shim_frame layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(sizeof(struct ordeal_shim_trace) == 4000, "ordeal_shim_trace changed size: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_trace, call) == 8, "ordeal_shim_trace layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_trace, frame) == 32, "ordeal_shim_trace layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(sizeof(struct ordeal_shim_stats) == 12016, "ordeal_shim_stats changed size: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_stats, traces) == 8, "ordeal_shim_stats layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_stats, trace) == 16, "ordeal_shim_stats layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(sizeof(struct ordeal_shim_control) == 49272, "ordeal_shim_control changed size: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, abi) == 8, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, loaded_pid) == 16, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, data_dir) == 40, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, journal_path) == 552, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, disk_full_active) == 1064, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, io_error_active) == 1088, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, clock_active) == 1112, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, clock_since_ns) == 1160, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, journal_active) == 1168, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, journal_errors) == 1200, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_shim_control, stats) == 1208, "ordeal_shim_control layout changed: bump ORDEAL_SHIM_ABI");
/// The journal record is read by the runner of the same build; its layout is pinned with the
/// same number, since a runner and a worker's shim of different builds share the journal too.
_Static_assert(sizeof(struct ordeal_journal_record) == 48, "ordeal_journal_record changed size: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_journal_record, offset) == 8, "ordeal_journal_record layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_journal_record, size_before) == 24, "ordeal_journal_record layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_journal_record, path_len) == 32, "ordeal_journal_record layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_journal_record, data_len) == 36, "ordeal_journal_record layout changed: bump ORDEAL_SHIM_ABI");
_Static_assert(__builtin_offsetof(struct ordeal_journal_record, pid) == 40, "ordeal_journal_record layout changed: bump ORDEAL_SHIM_ABI");

/// Atomic access to the int64_t fields (acquire loads, release stores, acq_rel adds: see the
/// invariants at the top of this file for why not relaxed).
static inline int64_t ordeal_ctl_load(const int64_t *_Nonnull field) {
    return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}

static inline void ordeal_ctl_store(int64_t *_Nonnull field, int64_t value) {
    __atomic_store_n(field, value, __ATOMIC_RELEASE);
}

/// Claims `field` for `pid`: true when it held 0 (now `pid`) or `pid` already.
static inline int ordeal_ctl_claim(int64_t *_Nonnull field, int64_t pid) {
    int64_t expected = 0;
    return __atomic_compare_exchange_n(field, &expected, pid, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) || expected == pid;
}

static inline int64_t ordeal_ctl_add(int64_t *_Nonnull field, int64_t delta) {
    return __atomic_add_fetch(field, delta, __ATOMIC_ACQ_REL);
}

#endif
