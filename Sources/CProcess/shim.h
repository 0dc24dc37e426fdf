// glibc declares these only under _GNU_SOURCE, which Swift's Glibc module does not set.
#include <spawn.h>
#include <fcntl.h>

extern int pipe2(int pipefd[2], int flags);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
