import CProcess
import Foundation
import Synchronization
import TetherCore

/// A started child: its pid and our ends of its pipes (-1 where it got /dev/null).
struct SpawnedProcess: Sendable {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32
}

/// posix_spawn with the settings every child of the daemon gets: its own process group, an empty
/// signal mask and default dispositions (the daemon blocks and traps signals its children must see),
/// and no descriptor of ours beyond 0, 1 and 2.
enum Spawn {
    static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                      pipeStdin: Bool, pipeStderr: Bool) throws -> SpawnedProcess {
        var opened: [Int32] = []
        func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe2(&fds, O_CLOEXEC) == 0 else {
                let code = errno
                opened.forEach { close($0) }
                throw error(executable, code)
            }
            opened += fds
            return (fds[0], fds[1])
        }
        let input = pipeStdin ? try makePipe() : nil
        let output = try makePipe()
        let errors = pipeStderr ? try makePipe() : nil

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input { posix_spawn_file_actions_adddup2(&actions, input.read, 0) } else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        if let errors { posix_spawn_file_actions_adddup2(&actions, errors.write, 2) } else { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        // The child's ends are its own now (or unused after a failure).
        [input?.read, output.write, errors?.write].compactMap { $0 }.forEach { close($0) }
        guard result == 0 else {
            [input?.write, output.read, errors?.read].compactMap { $0 }.forEach { close($0) }
            throw error(executable, result)
        }
        spawned.add(1, ordering: .relaxed)
        return SpawnedProcess(pid: pid, stdin: input?.write ?? -1, stdout: output.read, stderr: errors?.read ?? -1)
    }

    static let spawned = Atomic<Int>(0)

    /// A write to a pipe whose reader died must fail with EPIPE, not kill the daemon with SIGPIPE.
    /// Children start with default dispositions regardless.
    static func ignoreBrokenPipes() {
        _ = ignoringPipes
    }

    private static let ignoringPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    private static func error(_ executable: String, _ code: Int32) -> TetherError {
        TetherError(.terminal, "cannot start \(executable): \(String(cString: strerror(code))); check the path (computer.tmux_binary for tmux) and that it is executable", errno: code)
    }

    /// The exit status if `pid` has exited (and is now reaped): the code, or 128 + the signal; nil if running.
    static func reap(_ pid: pid_t) -> Int32? {
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return result < 0 && errno == ECHILD ? -1 : nil }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }

    /// Reaps `pid`, waiting up to `timeout`; blocks the calling thread, so only from a thread of our own.
    ///
    /// Sleeps in `poll` on a pidfd, which becomes readable when the child exits, so the wait neither
    /// spins nor outlasts its bound. Without pidfds (Linux before 5.3) it looks at the child at
    /// growing intervals instead.
    @discardableResult
    static func reap(_ pid: pid_t, within timeout: Duration) -> Int32? {
        if let status = reap(pid) { return status }
        let deadline = ContinuousClock.now + timeout
        let pidfd = pidfd_open(pid, 0)
        defer { if pidfd >= 0 { close(pidfd) } }
        var interval = reapCheckInitial
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return reap(pid) }
            if pidfd >= 0 {
                var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                _ = poll(&entry, 1, pollMilliseconds(left))  // EINTR: look again with what is left
            } else {
                _ = poll(nil, 0, pollMilliseconds(min(interval, left)))
                interval = min(interval * 2, reapCheckMaximum)
            }
            if let status = reap(pid) { return status }
        }
    }

    /// Without a pidfd, the first and the longest pause between looks at a child being reaped: a
    /// killed child is usually gone within a millisecond, and a tenth of a second late is harmless
    /// for a child that takes longer, while the few looks it costs are nothing.
    static let reapCheckInitial: Duration = .milliseconds(1)
    static let reapCheckMaximum: Duration = .milliseconds(100)

    /// `duration` in whole milliseconds for `poll`, rounded up so the wait is never cut short.
    static func pollMilliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: (duration + roundingUp).milliseconds)
    }

    /// Just under a millisecond: added before `milliseconds` truncates, it makes the truncation round up.
    private static let roundingUp: Duration = .nanoseconds(999_999)
}
