import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs hook commands one at a time, in the order they were asked for, without ever blocking the UI:
/// the main loop calls `poll()`, which reaps a finished hook, kills one past its bound, and starts the next.
final class HookRunner {
    struct Job {
        let event: String
        let argv: [String]
        /// The payload on stdin (Claude, Gemini); Codex's notify gets it as the last argument instead.
        let input: Data
    }

    private var queue: [Job] = []
    private var running: (job: Job, pid: pid_t, started: ContinuousClock.Instant)?
    private let timeout: Duration
    private let environment: [String]
    private let log: AgentLog
    private let scratch: String

    init(timeout: Duration, environment: [String: String], log: AgentLog) {
        self.timeout = timeout
        self.environment = environment.map { "\($0.key)=\($0.value)" }
        self.log = log
        var template = Array(((ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/fake-agent-hooks-XXXXXX").utf8CString)
        scratch = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!).map { String(cString: $0) } ?? "/tmp" }
    }

    func enqueue(_ job: Job) {
        queue.append(job)
        poll()
    }

    /// Whether a hook is running or waiting.
    var isBusy: Bool { running != nil || !queue.isEmpty }

    func poll() {
        if let current = running {
            var status: Int32 = 0
            let reaped = waitpid(current.pid, &status, WNOHANG) == current.pid
            let elapsed = ContinuousClock.now - current.started
            if !reaped && elapsed < timeout { return }
            if !reaped {
                kill(-current.pid, SIGKILL)
                waitpid(current.pid, &status, 0)
            }
            let exit: Any = reaped ? Int(status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)) : "timeout"
            log.event(["hook": current.job.event, "exit": exit, "ms": Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)])
            running = nil
        }
        while running == nil, !queue.isEmpty {
            let job = queue.removeFirst()
            if let pid = spawn(job) {
                running = (job, pid, .now)
            } else {
                log.event(["hook": job.event, "exit": "spawn failed: \(String(cString: strerror(errno)))"])
            }
        }
    }

    /// Waits (bounded by each hook's timeout) for the queue to drain: only at exit, when there is no UI left to keep.
    func drain() {
        while isBusy {
            poll()
            usleep(Self.drainPollMicroseconds)
        }
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// How often `drain` looks at the running hook: fine enough that exit is not held up noticeably.
    private static let drainPollMicroseconds: UInt32 = 10_000

    private func spawn(_ job: Job) -> pid_t? {
        // The payload goes through a file, not a pipe: a hook that never reads stdin cannot block us.
        let inputPath = scratch + "/" + UUID().uuidString
        guard FileManager.default.createFile(atPath: inputPath, contents: job.input) else { return nil }
        defer { unlink(inputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout kills the shell and whatever it started.
        // Default signals and an empty mask: the fake blocks the ones it reads through a signalfd.
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = job.argv.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, job.argv[0], &actions, &attributes, argv, envp)
        guard result == 0 else { errno = result; return nil }
        return pid
    }
}
