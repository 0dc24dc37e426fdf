// glibc declares these only under _GNU_SOURCE, which Swift's Glibc module does not set.
#include <spawn.h>
#include <fcntl.h>

extern int pipe2(int pipefd[2], int flags);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
// glibc 2.36 and later; the kernel answers ENOSYS before Linux 5.3.
extern int pidfd_open(pid_t pid, unsigned int flags);
