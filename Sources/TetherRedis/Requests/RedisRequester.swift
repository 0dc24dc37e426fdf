import Logging
import Synchronization
import TetherCore

/// Sends requests to peers and waits for their replies (PROTOCOL.md §2, the requester's side):
/// `XADD messages:{target}` on a command link, the reply read from `output:{id}` by a
/// ``ReplyMultiplexer`` on a link of its own (many requests, one blocking connection), the entry
/// taken only from the computer asked, `output:{id}` deleted once read.
///
/// Every request has a deadline; ``stop()`` ends every wait at once. ``run()`` must be running
/// (the Redis component runs it) for replies to be read.
public final class RedisRequester: Sendable {
    /// This computer: every request's `initiator`.
    public let computer: String
    let writes: RedisLink
    let replies: ReplyMultiplexer
    let time: TimeSource
    let logger: Logger
    let stopped = AsyncEvent()
    let counters = Mutex(RequestTimings())
    /// When the wake stream's TTL was last set.
    let wakeExpiry = Mutex<Duration?>(nil)
    /// The wake stream's TTL: a day, renewed every half day while the daemon runs.
    static let wakeStreamTimeToLive: Duration = .seconds(86_400)
    /// What Redis says when a chosen id is not above the stream's last one (then `*` is used).
    static let idBehindMessage = "equal or smaller than the target stream top item"
    /// Told every round trip (the `/metrics` histogram); nil until the daemon sets it.
    let roundTripObserver = Mutex<(@Sendable (Duration) -> Void)?>(nil)
    /// The last entry id this requester chose, as (milliseconds, sequence).
    let lastID = Mutex<(milliseconds: Int64, sequence: Int64)>((0, 0))

    /// A requester for `computer` over two new links to `options`; the reply reader's BLOCK is the
    /// configured `timeouts.redis_block`.
    public init(options: RedisConnectionOptions, computer: String, time: TimeSource, logger: Logger) {
        self.computer = computer
        self.time = time
        self.logger = logger
        writes = RedisLink(options: options, name: "redis.requests.send", time: time, logger: logger)
        let readLink = RedisLink(options: options, name: "redis.requests.replies", time: time, logger: logger)
        replies = ReplyMultiplexer(link: readLink, wakeKey: RedisKeys.requesterWake(computer), block: options.blockTimeout,
                                   time: time, logger: logger)
    }

    /// Round-trip times and failures so far, for `/metrics`.
    /// Hands every successful round trip to `observer` from now on.
    public func observeRoundTrips(_ observer: @escaping @Sendable (Duration) -> Void) {
        roundTripObserver.withLock { $0 = observer }
    }

    public var timings: RequestTimings {
        var timings = counters.withLock { $0 }
        timings.impersonations = replies.impersonations
        return timings
    }

    /// Reads replies until ``stop()``: run it as a registry task for the daemon's life.
    public func run() async {
        await replies.run(until: stopped)
    }

    /// Ends every wait at once (each fails `.stopped`), removes the wake stream, closes both links.
    public func stop() async {
        stopped.fire()
        replies.stop()
        await replies.link.close()
        _ = try? await writes.send(["DEL", replies.wakeKey])
        await writes.close()
    }

    /// Asks `target` for `command` and waits up to `deadline` (the command's own, PROTOCOL.md §2, by
    /// default) for its reply. `acceptsUnlabelled`: take a reply without `from_computer` (a Python
    /// target); a Tether target always names itself.
    public func request(_ command: PeerCommand, to target: String, sessionID: String? = nil, title: String? = nil,
                        projectDirectory: String? = nil, channelMetadata: ChannelMetadata? = nil, autoCommand: String? = nil,
                        deadline: Duration? = nil, acceptsUnlabelled: Bool = true) async throws(RequestFailure) -> PeerAnswer {
        let request = PeerRequest(command: command.commandLine, timestamp: time.wallNow.pythonEpochText, initiator: computer,
                                  sessionID: sessionID, title: title, projectDirectory: projectDirectory,
                                  channelMetadata: channelMetadata, autoCommand: autoCommand)
        return try await send(request, to: target, deadline: deadline ?? RequestDeadlines.deadline(for: command),
                              acceptsUnlabelled: acceptsUnlabelled)
    }

    /// Sends a request entry as given and waits for its reply; see ``request(_:to:sessionID:title:projectDirectory:channelMetadata:autoCommand:deadline:acceptsUnlabelled:)``.
    public func send(_ request: PeerRequest, to target: String, deadline: Duration,
                     acceptsUnlabelled: Bool) async throws(RequestFailure) -> PeerAnswer {
        let name = request.words?.name ?? "request"
        do {
            let answer = try await exchange(request, named: name, to: target, deadline: deadline, acceptsUnlabelled: acceptsUnlabelled)
            counters.withLock { $0.record(answer.roundTrip) }
            roundTripObserver.withLock { $0 }?(answer.roundTrip)
            return answer
        } catch {
            counters.withLock { $0.record(failure: error.kind) }
            if error.kind != .stopped {
                logger.debug("request failed", metadata: ["peer": "\(target)", "command": "\(name)", "error": "\(error.message)"])
            }
            throw error
        }
    }

    /// Sends `command` to `target` without waiting for a reply: the commands PROTOCOL.md §2 sends
    /// so (notifications); a Python target may not write one at all.
    public func post(_ command: PeerCommand, to target: String, sessionID: String? = nil) async throws(RequestFailure) {
        guard (try? ComputerName.validated(target)) != nil else {
            throw RequestFailure(.unreachable, "'\(target.prefix(64))' is not a computer name; name an online computer (tether computers).")
        }
        guard !stopped.isFired else { throw RequestFailure(.stopped, "not sending \(command.name) to \(target): the daemon is stopping") }
        let request = PeerRequest(command: command.commandLine, timestamp: time.wallNow.pythonEpochText, initiator: computer, sessionID: sessionID)
        do throws(RedisError) {
            _ = try await add(request, to: target)
        } catch {
            throw RequestFailure(.unreachable, "cannot send \(command.name) to \(target): \(error.message)")
        }
    }

    private func exchange(_ request: PeerRequest, named name: String, to target: String, deadline: Duration,
                          acceptsUnlabelled: Bool) async throws(RequestFailure) -> PeerAnswer {
        guard (try? ComputerName.validated(target)) != nil else {
            throw RequestFailure(.unreachable, "'\(target.prefix(64))' is not a computer name; name an online computer (tether computers).")
        }
        guard !stopped.isFired else { throw RequestFailure(.stopped, "not asking \(target) for \(name): the daemon is stopping") }
        let start = time.now
        let requestID: String
        do throws(RedisError) {
            requestID = try await add(request, to: target)
        } catch {
            throw RequestFailure(.unreachable, "cannot send \(name) to \(target): \(error.message)")
        }
        let waiter = ReplyWaiter(requestID: requestID, target: target, command: name, acceptsUnlabelled: acceptsUnlabelled)
        if replies.add(waiter) { await wakeReader() }
        let remaining = deadline - (time.now - start)
        let fired = remaining > .zero ? await AsyncEvent.first(of: [waiter.arrived, stopped], timeout: remaining, on: time) : nil
        let lastReader = replies.remove(waiter)
        let roundTrip = time.now - start
        // No reply came: delete whatever was written (§9 defect 2; the reader deletes answered streams).
        // A reply that comes after this is left to the responder's EXPIRE (Tether's) or to Redis's memory (Python's).
        if lastReader { _ = try? await writes.send(["DEL", waiter.stream]) }
        switch (fired, waiter.result) {
        case (0, .success(let entry)?):
            do {
                return PeerAnswer(reply: try entry.reply(), from: entry.fromComputer,
                                  stamp: entry.timestamp.flatMap { Timestamp(pythonEpochText: $0) }, roundTrip: roundTrip)
            } catch {
                throw RequestFailure(.invalidReply, "\(target)'s reply to \(name) is unreadable: \(error.message)")
            }
        case (0, .failure(let failure)?): throw failure
        case (nil, _) where !Task.isCancelled:
            throw RequestFailure(.timeout, "\(target) did not answer \(name) within \(deadline.milliseconds) ms; it may be busy, "
                                 + "or gone (a stopped Python peer stays listed until its heartbeat expires)")
        default:
            throw RequestFailure(.stopped, "stopped waiting for \(target)'s reply to \(name)")
        }
    }

    /// `XADD messages:{target} MAXLEN ~ 10000 <id> <fields…>` with an id unique among this
    /// requester's requests: ids are per stream, and `*` gives requests to two peers in the same
    /// millisecond the same id, hence the same reply stream. When the target's stream already holds
    /// a later id (another requester's clock is ahead), Redis picks one with `*`.
    private func add(_ request: PeerRequest, to target: String) async throws(RedisError) -> String {
        let head = ["XADD", RedisKeys.messages(target), "MAXLEN", "~", String(RedisKeys.messageStreamMaximumLength)].map { Array($0.utf8) }
        var fields: [[UInt8]] = []
        for field in request.fields { fields += [Array(field.field.utf8), field.value] }
        let chosen = nextID()
        let reply: RedisValue
        // Past the link's backoff (at most one connect per 100 ms for all callers): Redis back from an
        // outage serves requests at once, not when a backoff of up to 10 s has run out.
        do {
            reply = try await writes.sendReconnecting(bytes: head + [Array(chosen.utf8)] + fields)
        } catch where error.code == .server && error.message.contains(Self.idBehindMessage) {
            reply = try await writes.sendReconnecting(bytes: head + [Array("*".utf8)] + fields)
        }
        guard let id = reply.string, !id.isEmpty else {
            throw RedisError(.protocol, "XADD to \(RedisKeys.messages(target)) returned no entry id")
        }
        return id
    }

    /// The next id: the wall clock's millisecond, or the same millisecond with the next sequence.
    private func nextID() -> String {
        let now = time.wallNow.microseconds / 1000
        let (milliseconds, sequence) = lastID.withLock { last -> (Int64, Int64) in
            last = now > last.milliseconds ? (now, 0) : (last.milliseconds, last.sequence + 1)
            return last
        }
        return "\(milliseconds)-\(sequence)"
    }

    /// One entry on the wake stream: the reader's blocked round returns and reads again with the new stream.
    private func wakeReader() async {
        do {
            _ = try await writes.send(["XADD", replies.wakeKey, "MAXLEN", "1", "*", "w", "1"])
            // An EXPIRE now and then, so a wake stream left by a killed daemon (or a renamed
            // computer) goes away; XADD keeps a TTL once set, so once a half TTL is enough.
            let now = time.now
            let due = wakeExpiry.withLock { last -> Bool in
                guard last.map({ now - $0 >= Self.wakeStreamTimeToLive / 2 }) ?? true else { return false }
                last = now
                return true
            }
            if due { _ = try await writes.send(["EXPIRE", replies.wakeKey, String(Int(Self.wakeStreamTimeToLive.seconds))]) }
        } catch {
            // The request itself just went out on this link, so this is rare; the round's BLOCK bounds the delay.
            logger.debug("could not wake the reply reader", metadata: ["error": "\(error.message)"])
        }
    }
}

extension RedisKeys {
    /// `tether:requester-wake:{computer}`: a one-entry stream whose only reader is this computer's
    /// reply reader; a request that joins while it blocks writes here to wake it.
    public static func requesterWake(_ computer: String) -> String { "tether:requester-wake:\(computer)" }
}
