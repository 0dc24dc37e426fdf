import Hummingbird
import TetherCore

/// Requests about one session go to the computer that hosts it: this one through the command
/// layer, a peer through the ``PeerGateway``. Errors of either map to HTTP alike (``APIResponse``).
extension APIRoutes {
    /// Where a request about a session goes.
    enum SessionRoute {
        case local
        case remote(host: String, peers: any PeerGateway)
        /// The request cannot go anywhere (a peer named while Redis is off): this is the answer.
        case refused(Response)
    }

    /// The route for session `id`: the `computer` query parameter when it names another computer,
    /// else the host the peers reported for it; a session nobody reported is this computer's.
    func route(_ id: String, _ request: Request) -> SessionRoute {
        if let computer = computerFilter(request), computer != environment.computer {
            guard let peers = environment.peers else { return .refused(Self.redisOff(computer, this: environment.computer)) }
            return .remote(host: computer, peers: peers)
        }
        guard let peers = environment.peers, request.query("computer") == nil else { return .local }
        if environment.cache.session(id)?.computer == environment.computer { return .local }
        if let host = peers.host(ofSession: id), host != environment.computer { return .remote(host: host, peers: peers) }
        return .local
    }

    /// Runs `local` or `remote` for session `id`, as routed. A session this computer does not know
    /// and no cached peer reported is looked for among the peers' live sessions (asked under their
    /// listing deadline) before the answer is 404: the cache may be cold when no client watches.
    func onSession(_ id: String, _ request: Request, action: String,
                   local: () async throws -> Response,
                   remote: (_ host: String, _ peers: any PeerGateway) async throws -> Response) async -> Response {
        do {
            switch route(id, request) {
            case .refused(let response): return response
            case .remote(let host, let peers): return try await remote(host, peers)
            case .local:
                do {
                    return try await local()
                } catch let error as TetherError where error.code == .notFound && request.query("computer") == nil {
                    guard let peers = environment.peers,
                          let host = await peers.sessions(of: nil).first(where: { $0.id == id })?.computer,
                          host != environment.computer else { throw error }
                    return try await remote(host, peers)
                }
            }
        } catch {
            return APIResponse.error(error, action: action)
        }
    }

    /// The last known summary of a peer's session: the cache's, else from a listing of its host.
    func remoteSession(_ id: String, on host: String, _ peers: any PeerGateway) async -> Session? {
        if let cached = environment.cache.session(id), cached.computer == host { return cached }
        return await peers.sessions(of: host).first { $0.id == id }
    }

    /// A session on a peer: 404 naming the host when it does not list it.
    func remoteSessionSummary(_ id: String, on host: String, _ peers: any PeerGateway) async throws -> Response {
        guard let session = await remoteSession(id, on: host, peers) else {
            throw TetherError(.notFound, "Session \(id) not found on \(host): it lists no live session with that id")
        }
        return APIResponse.json(session.summaryJSON)
    }

    /// Ends a peer's session; the reply carries its last known summary, marked closed.
    func endRemoteSession(_ id: String, on host: String, _ peers: any PeerGateway) async throws -> Response {
        let known = await remoteSession(id, on: host, peers)
        try await peers.endSession(on: host, sessionID: id)
        var summary = known.map { SessionSummary($0.record) }
            ?? SessionSummary(sessionID: id, tmuxSessionName: SessionRecord.tmuxName(for: id), computer: host)
        summary.status = SessionStatus.closed.rawValue
        return APIResponse.json(SessionEndedReply(message: "Session \(id) ended", session: summary))
    }

    /// `POST /sessions` for a peer: created there with `new_session`, answered in the local shape.
    func createRemoteSession(_ request: NewSessionRequest, on computer: String) async -> Response {
        guard let peers = environment.peers else { return Self.redisOff(computer, this: environment.computer) }
        guard peers.isOnline(computer) else {
            let online = await peers.computers().map(\.name)
            return APIResponse.failure("Computer \(computer) not found: it is neither this computer (\(environment.computer)) nor an online peer"
                                       + (online.isEmpty ? " (no peer is online)" : " (online: \(online.sorted().joined(separator: ", ")))"),
                                       status: .notFound)
        }
        do {
            let created = try await peers.newSession(on: computer, request)
            if let session = created.session {
                return APIResponse.json(SessionCreatedReply(sessionID: created.sessionID, tmuxSessionName: created.tmuxSessionName, session: session))
            }
            // The host's summary has not arrived yet: what the request said, under the host's ids.
            let summary = SessionSummary(sessionID: created.sessionID, originAdapter: request.origin, title: request.title,
                                         workingDirectory: request.workingDirectory, thinkingMode: request.thinkingMode,
                                         activeAgent: request.agent, tmuxSessionName: created.tmuxSessionName, computer: computer)
            return APIResponse.json(SessionCreatedReply(sessionID: created.sessionID, tmuxSessionName: created.tmuxSessionName, session: summary))
        } catch {
            return APIResponse.error(error, action: "create session on \(computer)")
        }
    }

    /// 503 for a request about another computer while this daemon does not use Redis.
    static func redisOff(_ computer: String, this local: String) -> Response {
        APIResponse.failure("Computer \(computer) is not this computer (\(local)), and other computers are reached over Redis, "
                            + "which is off here: set redis.enabled (and redis.url) in the configuration to reach peers",
                            status: .serviceUnavailable)
    }
}
