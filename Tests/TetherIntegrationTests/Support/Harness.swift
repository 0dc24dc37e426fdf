import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where `swift build` put the executables: beside the test bundle.
enum Binaries {
    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["TETHER_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1, !FileManager.default.fileExists(atPath: url.appendingPathComponent("tetherd").path) {
            url.deleteLastPathComponent()
        }
        return url
    }
    static var tetherd: String { directory.appendingPathComponent("tetherd").path }
    static var fixture: String { directory.appendingPathComponent("tetherd-fixture").path }
}

/// A fresh directory under /tmp, removed by `remove()`.
struct TemporaryDirectory {
    let path: String
    init(_ prefix: String = "tether-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ name: String, _ text: String) throws { try text.write(toFile: file(name), atomically: true, encoding: .utf8) }
    /// Kills any tmux server whose socket is in here (daemons under test start them), then deletes everything.
    func remove() {
        let sockets = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
            .filter { $0.hasPrefix("tmux-") && $0.contains("/") }
        for socket in sockets {
            // Blocking is fine here: a test's cleanup, with tmux answering at once.
            if let child = try? ChildProcess("/usr/bin/env", ["tmux", "-S", file(socket), "kill-server"],
                                             environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"], logPath: "/dev/null") {
                waitpid(child.pid, nil, 0)
            }
        }
        // A tmux server started just as its daemon was killed may have had no socket to find yet,
        // and would outlive the test (its session never ends): whatever still runs with this
        // directory as its TMUX_TMPDIR goes too.
        Self.kill(environment: "TMUX_TMPDIR=\(path)")
        try? FileManager.default.removeItem(atPath: path)
    }

    /// SIGKILLs every process (this one aside) whose environment holds `entry` exactly.
    static func kill(environment entry: String) {
        let wanted = Array(entry.utf8)
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
        for pid in pids where pid != getpid() {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            if environ.split(separator: 0).contains(where: { $0.elementsEqual(wanted) }) { Glibc.kill(pid, SIGKILL) }
        }
    }
}

/// What "at once" means for a wait a test cuts short (a 5 s BLOCK, a 20 s connect): well under the
/// shortest thing cut, loose enough for a loaded 2-core machine to schedule the wake-up.
let promptly: Duration = .seconds(2)

/// Polls `condition` every 20 ms until it holds or `timeout` passes (integration tests only: real processes).
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A unix datagram socket that plays systemd's notify socket and records every message.
///
/// A thread reads it all the time, as systemd does: the kernel queues only a few datagrams
/// (`net.unix.max_dgram_qlen`), and a daemon's sd_notify blocks once that queue is full.
final class NotifyListener: Sendable {
    let path: String
    private let fd: Int32
    private let inbox = Inbox()
    /// What the reader thread shares with the listener (not the listener itself, so it can go away).
    private final class Inbox: Sendable {
        let received = Mutex<[String]>([])
        let closed = Atomic<Bool>(false)
    }
    /// How long the reader waits in one recv, so it notices `deinit` soon after.
    private static let readTimeoutMicroseconds = 50_000

    init(directory: TemporaryDirectory) throws {
        path = directory.file("notify.sock")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: Self.readTimeoutMicroseconds)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [fd, inbox] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !inbox.closed.load(ordering: .relaxed) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { inbox.received.withLock { $0.append(String(decoding: buffer[0..<count], as: UTF8.self)) } }
            }
            close(fd)
        }
        thread.start()
    }

    deinit { inbox.closed.store(true, ordering: .relaxed) }

    /// Every message so far, each as its lines joined by newlines, in arrival order.
    var messages: [String] { inbox.received.withLock { $0 } }

    /// Every assignment so far (`READY=1`, `STATUS=...`), flattened in order.
    var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }
}

/// A child process with stdout and stderr captured to a file.
///
/// Spawned with `posix_spawn`, an empty signal mask and default dispositions: Foundation's `Process`
/// hands the test runner's blocked signals to the child, which then never sees SIGTERM.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private var status: Int32?

    init(_ executable: String, _ arguments: [String] = [], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        pid = child
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    func signal(_ number: Int32) { if status == nil { kill(pid, number) } }

    /// Reaps the child if it has exited; true when it has.
    private func poll() -> Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
        // WIFEXITED/WEXITSTATUS are macros; decode by hand: a signal death reads as 128 + signal.
        status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return true
    }

    var isRunning: Bool { !poll() }

    /// The exit status, or nil if it was still running after `timeout` (it is then killed and reaped).
    func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        if await eventually(timeout: timeout, { poll() }) { return status }
        kill(pid, SIGKILL)
        _ = await eventually(timeout: .seconds(5)) { poll() }
        return nil
    }
}

/// Runs a command to completion and returns its exit status and output (tests only).
@discardableResult
func shell(_ command: String, timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
    let dir = TemporaryDirectory("tether-sh")
    defer { dir.remove() }
    let child = try ChildProcess("/bin/sh", ["-c", command], environment: ProcessInfo.processInfo.environment, logPath: dir.file("out"))
    let status = await child.waitForExit(timeout: timeout) ?? -1
    return (status, child.log)
}

/// The environment a test daemon gets: no journal, no inherited systemd variables.
func daemonEnvironment(_ extra: [String: String] = [:], home: String? = nil) -> [String: String] {
    var env = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
    // tmux puts its socket directory under TMUX_TMPDIR: the daemon's server stays in the test's directory.
    // The API socket goes under RUNTIME_DIRECTORY: each daemon under test gets its own.
    if let home { env["HOME"] = home; env["TMUX_TMPDIR"] = home; env["RUNTIME_DIRECTORY"] = home }
    env.merge(extra) { $1 }
    return env
}
