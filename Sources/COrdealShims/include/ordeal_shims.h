#ifndef ORDEAL_SHIMS_H
#define ORDEAL_SHIMS_H

#include "ordeal_shim_control.h"

/// Small C helpers for calls Swift cannot make directly (variadic functions, _GNU_SOURCE ones).

/// Asks the kernel to send `signal` to the calling process when its parent thread exits
/// (prctl(PR_SET_PDEATHSIG)). Returns 0, or -1 with errno set.
/// Invariant: a parent that died before this call is not covered; the caller compares
/// getppid() before and after.
int ordeal_set_parent_death_signal(int signal);



/// pipe2(fds, O_CLOEXEC): both ends close on exec, so a spawned child inherits only the
/// end it is given explicitly. Returns 0, or -1 with errno set.
int ordeal_pipe_cloexec(int fds[_Nonnull 2]);

/// posix_spawn_file_actions_addclosefrom_np(actions, from) (glibc 2.34+, hidden behind
/// _GNU_SOURCE from Swift): the spawned child closes every descriptor >= `from` after the
/// actions before it, so it holds only what they gave it. Returns 0 or an errno value.
int ordeal_spawn_close_from(void *_Nonnull actions, int from);

/// The running glibc's version string (gnu_get_libc_version), for reports.
const char *_Nonnull ordeal_libc_version(void);

#endif
