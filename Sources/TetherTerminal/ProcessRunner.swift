import CProcess
import Foundation
import Synchronization
import TetherCore

/// How a finished subprocess ended and what it wrote.
public struct ProcessOutput: Sendable {
    public let pid: pid_t
    /// The exit status, or 128 + the signal that ended it.
    public let status: Int32
    public let stdout: [UInt8]
    public let stderr: [UInt8]

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a subprocess to completion under a deadline, without blocking the cooperative pool.
///
/// The child gets its own process group, an empty signal mask, default signal dispositions, stdin
/// from /dev/null (or the given bytes) and no descriptor of ours beyond 0, 1 and 2. Its output is
/// read and its exit awaited on a thread of its own. When the deadline passes, or the caller is
/// cancelled, the whole process group gets SIGKILL, the child is reaped and every pipe closed, and
/// the error names the command, the pid and the time waited.
public enum ProcessRunner {
    /// Output kept per stream; the rest is read and discarded so the child never blocks on a full pipe.
    public static let maximumOutput = 16 << 20
    /// How long a killed child may take to be reaped before it is reported and left to init. SIGKILL
    /// takes effect at once unless the child sits in an uninterruptible wait (a hung mount), which
    /// no wait of ours would end; five seconds covers a loaded host without holding the thread long.
    public static let reapTimeout: Duration = .seconds(5)

    /// Subprocesses started since the process began, one-shot or long-lived (benchmarks count
    /// steady-state spawns with it).
    public static var spawnCount: Int { Spawn.spawned.load(ordering: .relaxed) }

    private static let timeouts = Atomic<Int>(0)
    /// Subprocesses and control-client commands that ran past their deadline, since the process began.
    public static var timeoutCount: Int { timeouts.load(ordering: .relaxed) }
    static func countTimeout() { timeouts.add(1, ordering: .relaxed) }

    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        timeout: Duration,
        input: [UInt8] = []
    ) async throws -> ProcessOutput {
        Spawn.ignoreBrokenPipes()
        let child = try SpawnedChild(executable: executable, arguments: arguments, environment: environment, input: input)
        let commandLine = ([executable] + arguments).joined(separator: " ")
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {  // registry-exempt: the child's blocking reads and reap, ended by its deadline
                    continuation.resume(with: child.finish(timeout: timeout, commandLine: commandLine))
                }
                thread.name = "tether-subprocess"
                thread.start()
            }
        } onCancel: {
            child.cancel()
        }
    }

    /// A spawned child and the pipes we read it through; finished on one thread, cancelled from any.
    private final class SpawnedChild: Sendable {
        let pid: pid_t
        let stdoutFD: Int32
        let stderrFD: Int32
        let stdinFD: Int32
        /// Written to (by cancel) to wake the reading thread.
        let cancelWrite: Int32
        let cancelRead: Int32
        let input: [UInt8]

        init(executable: String, arguments: [String], environment: [String: String], input: [UInt8]) throws {
            var cancel: [Int32] = [0, 0]
            guard pipe2(&cancel, O_CLOEXEC | O_NONBLOCK) == 0 else {
                throw TetherError(.terminal, "cannot start \(executable): no pipe: \(String(cString: strerror(errno)))", errno: errno)
            }
            let process: SpawnedProcess
            do {
                process = try Spawn.start(executable, arguments, environment: environment, pipeStdin: !input.isEmpty, pipeStderr: true)
            } catch {
                Glibc.close(cancel[0])
                Glibc.close(cancel[1])
                throw error
            }
            pid = process.pid
            stdoutFD = process.stdout
            stderrFD = process.stderr
            stdinFD = process.stdin
            cancelRead = cancel[0]
            cancelWrite = cancel[1]
            self.input = input
        }

        private static func close(_ fds: [Int32]) { for fd in fds where fd >= 0 { Glibc.close(fd) } }

        func cancel() {
            var byte: UInt8 = 1
            _ = write(cancelWrite, &byte, 1)
        }

        /// Feeds stdin, reads both pipes until EOF, reaps the child; all under the deadline. Blocks its thread.
        func finish(timeout: Duration, commandLine: String) -> Result<ProcessOutput, any Error> {
            let started = ContinuousClock.now
            let deadline = started + timeout
            var stdout: [UInt8] = [], stderr: [UInt8] = []
            var openReaders = 2
            var readers: [Int32] = [stdoutFD, stderrFD]
            var pendingInput = input[...]
            var stdinOpen = stdinFD >= 0
            var buffer = [UInt8](repeating: 0, count: 65536)
            var interrupted: String?

            defer {
                Self.close([stdoutFD, stderrFD, cancelRead, cancelWrite])
                if stdinOpen { Glibc.close(stdinFD) }
            }

            while openReaders > 0 || stdinOpen {
                let remaining = started.duration(to: deadline) - started.duration(to: .now)
                guard remaining > .zero else { interrupted = "timeout"; break }
                var fds = readers.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                if stdinOpen { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
                fds.append(pollfd(fd: cancelRead, events: Int16(POLLIN), revents: 0))
                let ready = poll(&fds, nfds_t(fds.count), Spawn.pollMilliseconds(remaining))
                if ready < 0 { if errno == EINTR { continue }; interrupted = "poll failed: \(String(cString: strerror(errno)))"; break }
                if fds.last!.revents != 0 { interrupted = "cancelled"; break }
                for entry in fds.dropLast() where entry.revents != 0 {
                    if entry.fd == stdinFD {
                        let written = pendingInput.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
                        if written > 0 { pendingInput = pendingInput.dropFirst(written) }
                        if written <= 0 || pendingInput.isEmpty { Glibc.close(stdinFD); stdinOpen = false }
                        continue
                    }
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 {
                        if entry.fd == stdoutFD {
                            if stdout.count < maximumOutput { stdout.append(contentsOf: buffer[0..<min(count, maximumOutput - stdout.count)]) }
                        } else if stderr.count < maximumOutput {
                            stderr.append(contentsOf: buffer[0..<min(count, maximumOutput - stderr.count)])
                        }
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        readers = readers.map { $0 == entry.fd ? -1 : $0 }
                        openReaders -= 1
                    }
                }
            }

            if interrupted == nil {
                // Both pipes closed: the child is exiting. Reap it within what is left of the deadline.
                let left = ContinuousClock.now.duration(to: deadline)
                if left > .zero, let status = Spawn.reap(pid, within: left) {
                    return .success(ProcessOutput(pid: pid, status: status, stdout: stdout, stderr: stderr))
                }
                interrupted = "timeout"
            }
            // Past the deadline or cancelled: kill the whole group, reap, report.
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            let reaped = Spawn.reap(pid, within: reapTimeout) != nil
            let waited = started.duration(to: .now)
            if interrupted == "cancelled" { return .failure(CancellationError()) }
            ProcessRunner.countTimeout()
            var message = "\(commandLine) (pid \(pid)) did not finish within \(timeout) (waited \(waited.milliseconds) ms); its process group was killed"
            if !reaped { message += ", but it could not be reaped within \(reapTimeout)" }
            if let reason = interrupted, reason != "timeout" { message += " (\(reason))" }
            return .failure(TetherError(.timeout, message + "; if this repeats, check that the command is not hung"))
        }
    }
}
