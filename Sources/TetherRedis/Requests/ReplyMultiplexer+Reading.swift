import Logging
import TetherCore

extension ReplyMultiplexer {
    /// Reads rounds until `stop` fires (or the link is closed); every waiter is then failed.
    func run(until stop: AsyncEvent) async {
        rounds: while !stop.isFired {
            switch nextRound() {
            case .idle(let joined):
                _ = await AsyncEvent.first(of: [joined, stop], timeout: nil, on: time)
            case .read(let streams, let positions, let wake):
                let arguments = ["XREAD", "COUNT", String(Self.readCount), "BLOCK", String(block.milliseconds), "STREAMS"]
                    + streams + [wakeKey] + positions + [wake]
                let reply: RedisValue
                do {
                    try await link.waitUntilConnected()
                    reply = try await link.sendBlocking(arguments, block: block)
                    roundEnded()
                } catch {
                    roundEnded()
                    if stop.isFired || link.status == .closed { break rounds }
                    if error.code == .server || error.code == .protocol { refuse(streams, because: error) }
                    continue
                }
                let answered = take(reply)
                // Off the requesters' path: they have their replies already. A failure leaves a
                // stream the responder's EXPIRE removes (Tether's) or a few bytes (Python's).
                if !answered.isEmpty { _ = try? await link.send(["DEL"] + answered) }
            }
        }
        self.stop()
    }

    /// Redis refused the whole read (an `output:` key that is not a stream, say): the waiters of
    /// this round cannot be told apart, so each fails with the server's reason.
    private func refuse(_ streams: [String], because error: RedisError) {
        logger.warning("Redis refused the read of pending replies; those requests fail", metadata: ["error": "\(error.message)"])
        let waiters = state.withLock { state in streams.flatMap { state.waiters[$0] ?? [] } }
        for waiter in waiters {
            remove(waiter)
            waiter.complete(.failure(RequestFailure(.invalidReply, "reading \(waiter.target)'s reply to \(waiter.command) failed: \(error.message)")))
        }
    }

    /// Hands each entry of a round to its waiter, or skips it (logged once per request) when
    /// another computer than the target wrote it; the reply streams no waiter reads any more.
    private func take(_ reply: RedisValue) -> [String] {
        var answered: [String] = []
        for element in reply.array ?? [] {
            guard let pair = element.array, pair.count == 2, let stream = pair[0].string else { continue }
            let entries = StreamEntry.entries(ofRange: pair[1])
            guard let last = entries.last else { continue }
            if stream == wakeKey {
                state.withLock { $0.wakePosition = last.id }
                continue
            }
            for entry in entries where offer(entry, on: stream) { answered.append(stream) }
        }
        return answered
    }

    /// True when the entry answered the stream's last waiter.
    private func offer(_ entry: StreamEntry, on stream: String) -> Bool {
        let from = try? entry.fields.text("from_computer")
        let (taker, ignoredBy, last) = state.withLock { state -> (ReplyWaiter?, ReplyWaiter?, Bool) in
            guard let waiters = state.waiters[stream], !waiters.isEmpty else { return (nil, nil, false) }
            state.positions[stream] = entry.id
            // A named entry goes to the waiter asking that computer; an unnamed one to a waiter that takes those.
            if let taker = waiters.first(where: { from != nil && $0.target == from }) ?? waiters.first(where: { $0.accepts(from: from) }) {
                let rest = waiters.filter { $0 !== taker }
                state.waiters[stream] = rest.isEmpty ? nil : rest
                if rest.isEmpty { state.positions[stream] = nil }
                return (taker, nil, rest.isEmpty)
            }
            state.impersonations += 1
            return (nil, waiters[0], false)
        }
        if let waiter = ignoredBy, waiter.noteIgnored() {
            logger.warning("ignored a reply written by another computer than the one asked (impersonation?)", metadata: [
                "peer": "\(waiter.target)", "reply.from": "\(from.map { String($0.prefix(64)) } ?? "-")", "command": "\(waiter.command)",
            ])
        }
        guard let waiter = taker else { return false }
        do {
            waiter.complete(.success(try ReplyEntry(fields: entry.fields)))
        } catch {
            waiter.complete(.failure(RequestFailure(.invalidReply, "\(waiter.target)'s reply to \(waiter.command) is unreadable: \(error.message)")))
        }
        return last
    }
}
