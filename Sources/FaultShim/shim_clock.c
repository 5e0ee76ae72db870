/* libordeal_shim.so, clock skew: an offset on CLOCK_REALTIME and what derives from it
 * (gettimeofday, time, the coarse clock), and optionally on the monotonic and boot-time
 * clocks; as a jump, a strobe or a drift. Only this process sees it, never the host.
 *
 * Async-signal-safety (clock_gettime is on POSIX's list, and is read from signal handlers):
 * clock_gettime, gettimeofday and time are the real call, a few atomic loads of the control
 * file and, when a skew applies, the real CLOCK_MONOTONIC and a hit: lock-free and without
 * malloc, except the backtrace of the first ORDEAL_SHIM_TRACES skewed readings (see
 * ordeal_shim_hit in shim_internal.h). */
#define _GNU_SOURCE
#include <sys/time.h>
#include <time.h>

#include "shim_internal.h"

static int clock_bit(clockid_t id) {
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        return ORDEAL_CLOCK_REALTIME;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_MONOTONIC_RAW:
        return ORDEAL_CLOCK_MONOTONIC;
    case CLOCK_BOOTTIME:
        return ORDEAL_CLOCK_BOOTTIME;
    default:
        return 0;
    }
}

/* The offset now, in nanoseconds, for a clock in `bit`; 0 when no skew applies. */
static int64_t skew_ns(int bit) {
    struct ordeal_shim_control *ctl = ordeal_shim_ctl;
    if (!ctl || !bit || !ordeal_ctl_load(&ctl->clock_active)) return 0;
    if (!(ordeal_ctl_load(&ctl->clock_mask) & bit)) return 0;
    int64_t offset = ordeal_ctl_load(&ctl->clock_offset_ns);
    int64_t mode = ordeal_ctl_load(&ctl->clock_mode);
    if (mode == ORDEAL_CLOCK_JUMP) return offset;
    int64_t elapsed = ordeal_shim_monotonic_ns() - ordeal_ctl_load(&ctl->clock_since_ns);
    if (elapsed < 0) elapsed = 0;
    if (mode == ORDEAL_CLOCK_STROBE) {
        int64_t period = ordeal_ctl_load(&ctl->clock_period_ns);
        return period > 0 && (elapsed / period) % 2 == 0 ? offset : 0;
    }
    /* drift: ppm of the elapsed time, computed in two parts so it cannot overflow. */
    int64_t ppm = ordeal_ctl_load(&ctl->clock_drift_ppm);
    return offset + (elapsed / 1000000) * ppm + (elapsed % 1000000) * ppm / 1000000;
}

static void shift(struct timespec *ts, int64_t ns) {
    int64_t total = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec + ns;
    ts->tv_sec = total / 1000000000LL;
    ts->tv_nsec = total % 1000000000LL;
    if (ts->tv_nsec < 0) {
        ts->tv_nsec += 1000000000LL;
        ts->tv_sec -= 1;
    }
}

/* Every skewed reading counts as a hit; only the first ORDEAL_SHIM_TRACES keep a backtrace, so
 * a clock read a million times does not cost a million stack walks. */
static void note(const char *call) {
    if (ordeal_in_shim()) return;
    int outer = ordeal_enter();
    ordeal_shim_hit(ORDEAL_FAULT_CLOCK, call);
    ordeal_leave(outer);
}

SHIM_EXPORT int clock_gettime(clockid_t id, struct timespec *ts) {
    int rc = REAL(CLOCK_GETTIME)(id, ts);
    if (rc != 0) return rc;
    int64_t ns = skew_ns(clock_bit(id));
    if (ns) {
        shift(ts, ns);
        note("clock_gettime");
    }
    return rc;
}

SHIM_EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    int rc = REAL(GETTIMEOFDAY)(tv, tz);
    if (rc != 0) return rc;
    int64_t ns = skew_ns(ORDEAL_CLOCK_REALTIME);
    if (ns) {
        struct timespec ts = {tv->tv_sec, (long)tv->tv_usec * 1000};
        shift(&ts, ns);
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
        note("gettimeofday");
    }
    return rc;
}

SHIM_EXPORT time_t time(time_t *out) {
    struct timespec ts;
    REAL(CLOCK_GETTIME)(CLOCK_REALTIME, &ts);
    int64_t ns = skew_ns(ORDEAL_CLOCK_REALTIME);
    if (ns) {
        shift(&ts, ns);
        note("time");
    }
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}
