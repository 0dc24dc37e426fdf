import Logging
import TetherCore

extension SessionEventPusher {
    /// Writes each change to each peer's stream; the changes from the first one the link could not
    /// carry on, or nil when all went out. A peer whose stream Redis refuses (not a stream) is
    /// skipped for that change: retrying would fail the same way.
    func push(_ batch: [SessionEventQueue.Pending], to peers: [String]) async -> [SessionEventQueue.Pending]? {
        for (index, item) in batch.enumerated() {
            let payload = payload(of: item)
            for peer in peers {
                do {
                    _ = try await link.send(bytes: Self.xadd(to: peer, payload: payload))
                    tally.add { $0.pushed += 1 }
                    state.withLock { _ = $0.refused.remove(peer) }
                } catch {
                    tally.add { $0.pushFailures += 1 }
                    if error.code == .server {
                        // Once per peer until a write to it succeeds again.
                        guard state.withLock({ $0.refused.insert(peer).inserted }) else { continue }
                        logger.warning("Redis refused a session event for a peer; its stream may not be a stream", metadata: [
                            "peer": "\(peer)", "session.id": "\(item.sessionID)", "error": "\(error.message)",
                        ])
                        continue
                    }
                    reportFailure(error)
                    return Array(batch[index...])
                }
            }
        }
        recovered()
        return nil
    }

    /// `XADD session_events:{peer} MAXLEN ~ 100 * payload …`.
    static func xadd(to peer: String, payload: [UInt8]) -> [[UInt8]] {
        ["XADD", RedisKeys.sessionEvents(peer), "MAXLEN", "~", String(RedisKeys.eventStreamMaximumLength), "*", PeerSessionEvent.field]
            .map { Array($0.utf8) } + [payload]
    }

    private func payload(of item: SessionEventQueue.Pending) -> [UInt8] {
        switch item.change {
        case .updated(let session):
            // The cached summary bytes: they carry session_id and computer, as baseline receivers need.
            PeerSessionEvent.payload(updatedEncoded: session.summaryJSON, source: computer, at: item.at)
        case .removed(let sessionID):
            PeerSessionEvent.payload(removed: sessionID, source: computer, at: item.at)
        }
    }
}
