import Foundation
import Logging
import Synchronization
import TetherCore

/// One persistent `tmux -C` client: commands go in as lines, replies come back framed by
/// `%begin`/`%end` (or `%error`), in order. It lets the daemon poll every session without starting a
/// process per poll.
///
/// Two threads of its own do the blocking I/O: a writer drains queued lines into tmux's stdin and a
/// reader splits stdout into replies. Each call has a deadline, which the reader enforces (it waits
/// in `poll` no longer than the earliest one), so no timer is made per command: a client that
/// misses a deadline is presumed hung, the call fails with a timeout and the client is killed
/// (the bridge starts another). A cancelled call leaves its slots queued, so its late replies are
/// consumed, not given to the next caller. Blocks whose flags are not 1 (tmux's own, such as the
/// initial attach) are skipped, as are notifications.
final class TmuxControlClient: Sendable {
    /// The session the control client attaches to; created with the server, never listed or swept.
    static let holderSession = "tether-control"

    private final class Batch: Sendable {
        let results: Mutex<[Result<[String], TetherError>?]>
        let remaining: Atomic<Int>
        let continuation: Mutex<CheckedContinuation<[Result<[String], TetherError>], any Error>?>
        let deadline: ContinuousClock.Instant
        let timeout: Duration
        let description: String

        init(count: Int, timeout: Duration, description: String) {
            results = Mutex(Array(repeating: nil, count: count))
            remaining = Atomic(count)
            continuation = Mutex(nil)
            self.timeout = timeout
            self.deadline = .now + timeout
            self.description = description
        }

        var isFinished: Bool { continuation.withLock { $0 == nil } && remaining.load(ordering: .relaxed) == 0 }

        /// Resumes the waiter once, with the results or an error.
        func finish(_ outcome: Result<[Result<[String], TetherError>], any Error>) {
            continuation.withLock { $0.take() }?.resume(with: outcome)
        }
    }

    private struct Slot {
        let batch: Batch
        let index: Int
    }

    private struct State {
        var pending = FIFOQueue<Slot>()
        /// Batches whose replies have not all come, for the reader's deadline check.
        var waiting: [ObjectIdentifier: Batch] = [:]
        var outgoing: [UInt8] = []
        var closing = false
        var dead: String?
    }

    let pid: pid_t
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private let state = Mutex(State())
    private let writerWake = DispatchSemaphore(value: 0)
    private let ready = AsyncEvent()
    private let exited = AsyncEvent()
    private let logger: Logger

    private init(process: SpawnedProcess, logger: Logger) {
        self.pid = process.pid
        self.stdinFD = process.stdin
        self.stdoutFD = process.stdout
        self.logger = logger
    }

    /// Starts `tmux -C attach` to the holder session and waits (up to `timeout`) until it is attached.
    static func start(binary: String, socket: String, environment: [String: String], timeout: Duration,
                      time: TimeSource, logger: Logger) async throws -> TmuxControlClient {
        Spawn.ignoreBrokenPipes()
        let process = try Spawn.start(binary, ["-u", "-L", socket, "-C", "attach-session", "-t", "=" + holderSession],
                                      environment: environment, pipeStdin: true, pipeStderr: false)
        let client = TmuxControlClient(process: process, logger: logger)
        client.startThreads()
        let attached: Bool
        do {
            attached = try await withDeadline(timeout, on: time, "attaching the tmux control client (pid \(process.pid))") {
                await withTaskGroup(of: Bool.self) { group in
                    // registry-exempt: a structured race between attaching and exiting, both awaited here.
                    group.addTask { await client.ready.wait() }  // registry-exempt: see above
                    group.addTask { await client.exited.wait(); return false }  // registry-exempt: see above
                    let first = await group.next() ?? false
                    group.cancelAll()
                    return first
                }
            }
        } catch {
            client.terminate()
            throw error
        }
        guard attached, !client.exited.isFired else {
            client.terminate()
            throw TetherError(.terminal, "the tmux control client (pid \(process.pid)) exited before attaching to \(holderSession) on socket \(socket)")
        }
        return client
    }

    var isAlive: Bool { !exited.isFired && state.withLock { $0.dead == nil } }

    /// Suspends until the client has exited.
    func waitForExit() async { await exited.wait() }

    /// Suspends until the client has exited or `event` fires (or the caller is cancelled).
    func waitForExit(orUntil event: AsyncEvent) async {
        _ = await AsyncEvent.first(of: [exited, event], timeout: nil, on: .continuous)
    }

    /// Sends `commands` back to back and returns one result per command, in order; a command tmux
    /// rejects yields its error message, a deadline passed or a dead client throws.
    func execute(_ commands: [TmuxCommand], timeout: Duration) async throws -> [Result<[String], TetherError>] {
        guard !commands.isEmpty else { return [] }
        let batch = Batch(count: commands.count, timeout: timeout, description: commands.map(\.description).joined(separator: "; "))
        return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    batch.continuation.withLock { $0 = continuation }
                    let refused = state.withLock { state -> String? in
                        if let dead = state.dead { return dead }
                        guard !state.closing else { return "the control client is stopping" }
                        state.waiting[ObjectIdentifier(batch)] = batch
                        for (index, command) in commands.enumerated() {
                            state.pending.append(Slot(batch: batch, index: index))
                            state.outgoing.append(contentsOf: command.controlLine.utf8)
                            state.outgoing.append(0x0A)
                        }
                        return nil
                    }
                    if let refused {
                        batch.finish(.failure(TetherError(.unavailable, "tmux control client (pid \(pid)): \(refused)")))
                    } else {
                        writerWake.signal()
                    }
                    // Cancelled before the continuation was stored: onCancel found nothing to resume.
                    if Task.isCancelled { batch.finish(.failure(CancellationError())) }
                }
            } onCancel: {
                // The slots stay queued, so the late replies are read and dropped in order.
                batch.finish(.failure(CancellationError()))
            }
    }

    /// Closes stdin, which makes tmux end the client; kills it if it has not exited within `timeout`.
    func stop(timeout: Duration, time: TimeSource) async {
        state.withLock { $0.closing = true }
        writerWake.signal()
        let done = (try? await withDeadline(timeout, on: time, "stopping the tmux control client") { [exited] in
            await exited.wait()
            return true
        }) ?? false
        if !done { terminate() }
    }

    /// Kills the client; the reader thread then sees end of file and reaps it.
    func terminate() {
        kill(pid, SIGKILL)
    }

    // MARK: Threads

    private func startThreads() {
        let reader = Thread { self.readLoop() }
        reader.name = "tether-tmux-reader"
        reader.start()
        let writer = Thread { self.writeLoop() }
        writer.name = "tether-tmux-writer"
        writer.start()
    }

    private func writeLoop() {
        while true {
            writerWake.wait()
            let (bytes, closing, dead) = state.withLock { state -> ([UInt8], Bool, Bool) in
                defer { state.outgoing.removeAll(keepingCapacity: true) }
                return (state.outgoing, state.closing, state.dead != nil)
            }
            if dead { break }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    markDead("writing to tmux failed: \(String(cString: strerror(errno)))")
                    terminate()
                    break
                }
                offset += written
            }
            if closing { break }
        }
        close(stdinFD)
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var line: [UInt8] = []
        var block: (header: Substring, lines: [String], ours: Bool)?
        while true {
            if let overdue = waitForOutput() {
                let message = "\(overdue.description) (tmux control client pid \(pid)) got no answer within \(overdue.timeout.milliseconds) ms; the client was killed and will be restarted"
                overdue.finish(.failure(TetherError(.timeout, message)))
                ProcessRunner.countTimeout()
                // Dead now: no other deadline is looked at again while the killed client goes away.
                markDead("it missed a deadline")
                terminate()
                continue
            }
            let count = read(stdoutFD, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            for byte in buffer[0..<count] {
                guard byte == 0x0A else { line.append(byte); continue }
                let text = String(decoding: line, as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                if var current = block {
                    if text.hasPrefix("%end ") || text.hasPrefix("%error "), Self.guardFields(text) == current.header {
                        if current.ours { complete(lines: current.lines, failed: text.hasPrefix("%error")) }
                        block = nil
                    } else {
                        current.lines.append(text)
                        block = current
                    }
                } else if text.hasPrefix("%begin ") {
                    let flags = text.split(separator: " ").last ?? ""
                    block = (Self.guardFields(text), [], flags == "1")
                } else if text.hasPrefix("%session-changed") {
                    ready.fire()
                }
                // Other notifications (%exit, %sessions-changed, ...) need no action.
            }
        }
        close(stdoutFD)
        markDead("the tmux control client exited")
        if Spawn.reap(pid, within: .seconds(2)) == nil {
            kill(pid, SIGKILL)
            Spawn.reap(pid, within: ProcessRunner.reapTimeout)
        }
        writerWake.signal()
        exited.fire()
    }

    /// Waits until tmux has written something or the earliest deadline of a waiting call has passed;
    /// returns the overdue call then, nil when there is output (or end of file) to read.
    private func waitForOutput() -> Batch? {
        while true {
            let earliest = state.withLock { state -> Batch? in
                state.waiting = state.waiting.filter { !$0.value.isFinished }
                return state.waiting.values.min { $0.deadline < $1.deadline }
            }
            var timeout: Int32 = -1
            if let earliest {
                let left = ContinuousClock.now.duration(to: earliest.deadline)
                if left <= .zero { return earliest }
                timeout = Int32(clamping: max(1, left.milliseconds + 1))
            }
            // Wake at least every second, so a call made while we wait gets its deadline looked at.
            timeout = timeout < 0 ? 1000 : min(timeout, 1000)
            var entry = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, timeout)
            if ready > 0 { return nil }
            if ready < 0, errno != EINTR { return nil }  // let read() report the problem
        }
    }

    /// The time and command number of a `%begin`/`%end`/`%error` line: what pairs a reply's two guards.
    private static func guardFields(_ line: String) -> Substring {
        let fields = line.split(separator: " ", maxSplits: 3)
        guard fields.count >= 3 else { return "" }
        return line[fields[1].startIndex..<fields[2].endIndex]
    }

    private func complete(lines: [String], failed: Bool) {
        let slot = state.withLock { $0.pending.popFirst() }
        guard let slot else {
            logger.warning("tmux control client sent a reply nobody asked for; ignored", metadata: ["tmux.pid": "\(pid)"])
            return
        }
        let result: Result<[String], TetherError> = failed
            ? .failure(TetherError(.terminal, lines.joined(separator: "\n")))
            : .success(lines)
        slot.batch.results.withLock { $0[slot.index] = result }
        if slot.batch.remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            slot.batch.finish(.success(slot.batch.results.withLock { $0.map { $0! } }))
        }
    }

    private func markDead(_ reason: String) {
        let orphans = state.withLock { state -> [Slot] in
            if state.dead == nil { state.dead = reason }
            state.waiting.removeAll()
            return state.pending.removeAll()
        }
        for slot in orphans {
            slot.batch.finish(.failure(TetherError(.unavailable, "tmux control client (pid \(pid)): \(reason)")))
        }
    }
}
