import TetherCore

extension RequestHandler {
    /// `watch_screen [seconds]`: a lease for `watcher` on the session's screens, the current screen
    /// written at once for a watcher that held none; 0 releases. Answers
    /// `{"stream": "tether:screen:{id}", "lease_seconds": n}` with the lease granted (cut to
    /// ``ScreenStream/maximumLease``), which the watcher renews every half lease.
    func watchScreen(_ sessionID: String, leaseSeconds: Int?, watcher: String) async throws -> [UInt8] {
        guard let screens else { return ReplyEnvelope.noHandler(for: PeerCommand.watchScreen(leaseSeconds: nil).name) }
        let requested = leaseSeconds.map { Duration.seconds($0) } ?? ScreenStream.defaultLease
        let lease = min(requested, ScreenStream.maximumLease)
        guard lease > .zero else {
            screens.release(sessionID, watcher: watcher)
            return ReplyEnvelope.success(ScreenWatchGrant(stream: ScreenStream.key(sessionID), leaseSeconds: 0))
        }
        // Only a live session of this computer can be watched: its screen is asked for first.
        let screen = try await commands.screen(sessionID: sessionID, historyLines: 0)
        switch screens.watch(sessionID, watcher: watcher, lease: lease) {
        case .refused:
            return ReplyEnvelope.failure("\(computer) already serves \(ScreenStream.maximumLeases) screen watches, or \(ScreenStream.maximumWatchersPerSession) of this session; end one (watch_screen 0) and ask again.")
        case .started(let seen):
            logger.info("a peer watches a session's screen", metadata: ["peer": "\(watcher)", "session.id": "\(sessionID)"])
            screens.offerInitial(screen, of: sessionID, seen: seen)
        case .renewed:
            break
        }
        return ReplyEnvelope.success(ScreenWatchGrant(stream: ScreenStream.key(sessionID), leaseSeconds: Int(lease.components.seconds)))
    }
}

/// `watch_screen`'s answer: where the screens go and for how long the lease holds.
public struct ScreenWatchGrant: WireEncodable, Sendable, Equatable {
    public var stream: String
    public var leaseSeconds: Int

    public init(stream: String, leaseSeconds: Int) {
        self.stream = stream
        self.leaseSeconds = leaseSeconds
    }

    /// Reads the grant from a reply's `data`; nil when it is not one.
    public init?(data: JSONValue) {
        guard case .object(let members) = data, case .string(let stream)? = members["stream"],
              case .int(let seconds)? = members["lease_seconds"], seconds >= 0, seconds <= Int64(Int32.max) else { return nil }
        self.init(stream: stream, leaseSeconds: Int(seconds))
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("stream", stream)
        json.member("lease_seconds", leaseSeconds)
        json.endObject()
    }
}
