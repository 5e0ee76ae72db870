#define _GNU_SOURCE
#include "ordeal_shims.h"
#include <fcntl.h>
#include <sys/prctl.h>
#include <gnu/libc-version.h>
#include <spawn.h>
#include <unistd.h>

int ordeal_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

int ordeal_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int ordeal_spawn_close_from(void *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, from);
}

const char *ordeal_libc_version(void) {
    return gnu_get_libc_version();
}
