import CProcess
import Foundation
import Logging
import Synchronization
import TetherCore

/// One persistent `tmux -C` client: commands go in as lines, replies come back framed by
/// `%begin`/`%end` (or `%error`), in order. It lets the daemon poll every session without starting a
/// process per poll.
///
/// Two threads of its own do the blocking I/O: a writer drains queued lines into tmux's stdin and a
/// reader feeds stdout to a ``TmuxControlParser`` and hands each reply to the command waiting for
/// it (``TmuxCommandQueue``). Each call has a deadline on the injected ``TimeSource``, which the
/// reader enforces (it waits in `poll` no longer than the earliest one, and a call with an earlier
/// deadline wakes it through a pipe), so no timer is made per command: a client that misses a
/// deadline is presumed hung, the call fails with a timeout and the client is killed (the bridge
/// starts another). A cancelled call leaves its slots queued, so its late replies are consumed,
/// not given to the next caller. Replies whose flags are not 1 (tmux's
/// own, such as the initial attach) are skipped, as are notifications other than `%session-changed`.
final class TmuxControlClient: Sendable {
    /// The session the control client attaches to; created with the server, never listed or swept.
    static let holderSession = "tether-control"

    /// How long a client whose output has ended may take to exit before it is killed: tmux exits
    /// at once after `%exit`, so two seconds means it is stuck, yet is long enough for a loaded host.
    static let exitGrace: Duration = .seconds(2)

    private final class Batch: Sendable {
        let results: Mutex<[Result<[String], TetherError>?]>
        let continuation: Mutex<CheckedContinuation<[Result<[String], TetherError>], any Error>?>
        let timeout: Duration
        let description: String

        init(count: Int, timeout: Duration, description: String) {
            results = Mutex(Array(repeating: nil, count: count))
            continuation = Mutex(nil)
            self.timeout = timeout
            self.description = description
        }

        /// Resumes the waiter once, with the results or an error.
        func finish(_ outcome: Result<[Result<[String], TetherError>], any Error>) {
            continuation.withLock { $0.take() }?.resume(with: outcome)
        }
    }

    private struct State {
        var queue = TmuxCommandQueue()
        /// The batches the queue names, until their last reply has come or the client dies.
        var batches: [Int: Batch] = [:]
        var outgoing: [UInt8] = []
        var closing = false
        var dead: String?
    }

    let pid: pid_t
    private let stdinFD: Int32
    private let stdoutFD: Int32
    /// A pipe that wakes the reader out of `poll` when a call brings the earliest deadline forward.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let state = Mutex(State())
    private let writerWake = DispatchSemaphore(value: 0)
    private let ready = AsyncEvent()
    private let exited = AsyncEvent()
    private let time: TimeSource
    private let logger: Logger

    private init(process: SpawnedProcess, wake: [Int32], time: TimeSource, logger: Logger) {
        self.pid = process.pid
        self.stdinFD = process.stdin
        self.stdoutFD = process.stdout
        self.wakeRead = wake[0]
        self.wakeWrite = wake[1]
        self.time = time
        self.logger = logger
    }

    /// Starts `tmux -C attach` to the holder session and waits (up to `timeout`) until it is attached.
    static func start(binary: String, socket: String, environment: [String: String], timeout: Duration,
                      time: TimeSource, logger: Logger) async throws -> TmuxControlClient {
        Spawn.ignoreBrokenPipes()
        var wake: [Int32] = [-1, -1]
        guard pipe2(&wake, O_CLOEXEC | O_NONBLOCK) == 0 else {
            throw TetherError(.terminal, "cannot start the tmux control client: no pipe: \(String(cString: strerror(errno)))", errno: errno)
        }
        let process: SpawnedProcess
        do {
            process = try Spawn.start(binary, ["-u", "-L", socket, "-C", "attach-session", "-t", "=" + holderSession],
                                      environment: environment, pipeStdin: true, pipeStderr: false)
        } catch {
            wake.forEach { close($0) }
            throw error
        }
        let client = TmuxControlClient(process: process, wake: wake, time: time, logger: logger)
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

    /// Suspends until the client has exited or `event` fires (or the caller is cancelled).
    func waitForExit(orUntil event: AsyncEvent) async {
        _ = await AsyncEvent.first(of: [exited, event], timeout: nil, on: time)
    }

    /// Sends `commands` back to back and returns one result per command, in order; a command tmux
    /// rejects yields its error message, a deadline passed or a dead client throws.
    func execute(_ commands: [TmuxCommand], timeout: Duration) async throws -> [Result<[String], TetherError>] {
        guard !commands.isEmpty else { return [] }
        let batch = Batch(count: commands.count, timeout: timeout, description: commands.map(\.description).joined(separator: "; "))
        return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    batch.continuation.withLock { $0 = continuation }
                    let deadline = time.now + timeout
                    let refused = state.withLock { state -> String? in
                        if let dead = state.dead { return dead }
                        guard !state.closing else { return "the control client is stopping" }
                        if state.queue.earliestDeadline.map({ deadline < $0 }) ?? true {
                            // Under the lock: the reader closes the pipe under it once the client is dead.
                            var byte: UInt8 = 1
                            _ = write(wakeWrite, &byte, 1)  // a full pipe is already a wake-up
                        }
                        state.batches[state.queue.send(count: commands.count, deadline: deadline)] = batch
                        for command in commands {
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
    func stop(timeout: Duration) async {
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
        let reader = Thread { self.readLoop() }  // registry-exempt: blocking reads need a thread of their own for the client's life
        reader.name = "tether-tmux-reader"
        reader.start()
        let writer = Thread { self.writeLoop() }  // registry-exempt: blocking writes need a thread of their own for the client's life
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
        var parser = TmuxControlParser()
        var protocolErrors = 0
        while true {
            let overdue = waitForOutput()
            if !overdue.isEmpty {
                for batch in overdue {
                    let message = "\(batch.description) (tmux control client pid \(pid)) got no answer within \(batch.timeout.milliseconds) ms; the client was killed and will be restarted"
                    batch.finish(.failure(TetherError(.timeout, message)))
                    ProcessRunner.countTimeout()
                }
                // Dead now: no other deadline is looked at again while the killed client goes away.
                markDead("it missed a deadline")
                terminate()
                continue
            }
            let count = read(stdoutFD, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            for event in parser.consume(buffer[0..<count]) {
                switch event {
                case .reply(let reply) where reply.answersClient: complete(reply)
                case .reply: break  // tmux's own commands, such as the initial attach
                case .notification(.sessionChanged): ready.fire()
                case .notification: break  // %exit is followed by end of file; the rest need no action
                case .protocolError(let problem):
                    // Logged once per client: a stream that went wrong once tends to keep going wrong.
                    protocolErrors += 1
                    logger.log(level: protocolErrors == 1 ? .warning : .debug, "tmux control client wrote something that is not control-mode output; skipped",
                               metadata: ["tmux.pid": "\(pid)", "error": "\(problem)", "tmux.protocol_errors": "\(protocolErrors)"])
                }
            }
        }
        close(stdoutFD)
        markDead("the tmux control client exited")
        _ = state.withLock { _ in close(wakeWrite) }  // dead: no call writes to it any more
        close(wakeRead)
        if Spawn.reap(pid, within: Self.exitGrace) == nil {
            kill(pid, SIGKILL)
            Spawn.reap(pid, within: ProcessRunner.reapTimeout)
        }
        writerWake.signal()
        exited.fire()
    }

    /// Waits until tmux has written something or a waiting call's deadline has passed; returns the
    /// overdue calls then, none when there is output (or end of file) to read.
    private func waitForOutput() -> [Batch] {
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            let now = time.now
            let (overdue, wait) = state.withLock { state -> ([Batch], Duration?) in
                let expired = state.queue.expire(at: now).compactMap { state.batches[$0] }
                return (expired, state.queue.wait(at: now))
            }
            if !overdue.isEmpty { return overdue }
            var entries = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            // With no call waiting nothing is due, so the reader sleeps until output, end of file (the
            // client exited or was killed) or a wake-up: a tick would only cost wake-ups.
            let ready = poll(&entries, 2, wait.map(Spawn.pollMilliseconds) ?? -1)
            if ready < 0, errno != EINTR { return [] }  // let read() report the problem
            if ready > 0, entries[1].revents != 0 { _ = read(wakeRead, &drain, drain.count) }
            if ready > 0, entries[0].revents != 0 { return [] }
        }
    }

    private func complete(_ reply: TmuxControlReply) {
        let found = state.withLock { state -> (batch: Batch, slot: TmuxCommandQueue.Slot)? in
            guard state.dead == nil, let slot = state.queue.replyArrived() else { return nil }
            let batch = slot.completesBatch ? state.batches.removeValue(forKey: slot.batch) : state.batches[slot.batch]
            return batch.map { ($0, slot) }
        }
        guard let (batch, slot) = found else {
            if isAlive {
                logger.warning("tmux control client sent a reply nobody asked for; ignored", metadata: ["tmux.pid": "\(pid)", "tmux.command_number": "\(reply.number)"])
            }
            return
        }
        let result: Result<[String], TetherError> = switch reply.outcome {
        case .success: .success(reply.lines)
        case .error: .failure(TetherError(.terminal, reply.lines.joined(separator: "\n")))
        case .tooLarge: .failure(TetherError(.terminal, "tmux's reply was larger than \(TmuxControlParser.defaultMaximumBytes) bytes and was dropped; ask for less (fewer history lines)"))
        }
        let results = batch.results.withLock { results -> [Result<[String], TetherError>]? in
            results[slot.index] = result
            return slot.completesBatch ? results.map { $0! } : nil
        }
        if let results { batch.finish(.success(results)) }
    }

    private func markDead(_ reason: String) {
        let orphans = state.withLock { state -> [Batch] in
            if state.dead == nil { state.dead = reason }
            let waiting = state.queue.removeAll().compactMap { state.batches[$0] }
            state.batches.removeAll()
            return waiting
        }
        for batch in orphans {
            batch.finish(.failure(TetherError(.unavailable, "tmux control client (pid \(pid)): \(reason)")))
        }
    }
}
