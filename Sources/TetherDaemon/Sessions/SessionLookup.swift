import TetherCore
import TetherStore

/// Finds this computer's sessions: live ones in the cache, ended ones in the store. Reads only;
/// every write goes through ``SessionRecorder``.
struct SessionLookup: Sendable {
    let cache: SessionCache
    let store: SessionStore
    let ledger: SessionLedger
    let computer: String

    /// Live sessions on this computer, newest activity first.
    func liveSessions() -> [Session] {
        cache.sessions(computer: computer)
    }

    /// How many sessions are live here, for `limits.max_sessions`.
    func liveCount() -> Int {
        cache.sessions(computer: computer).count
    }

    /// The live session `id` of this computer, if the cache holds it.
    func live(_ id: String) -> Session? {
        guard let session = cache.session(id), session.computer == computer else { return nil }
        return session
    }

    /// A live session that takes input: not ended and not being ended; says which when it is not.
    func accepting(_ id: String) async throws -> Session {
        if let live = live(id), !ledger.isEnding(id) { return live }
        if let row = try await store.session(id: id), row.computerName == computer {
            throw TetherError(.invalidRequest, "session \(id) has ended (\(row.status.rawValue)); start a new session")
        }
        throw Self.notFound(id)
    }

    /// A session of this computer, live or ended; throws not-found naming the id.
    func session(_ id: String) async throws -> Session {
        if let live = live(id) { return live }
        return try await ended(id)
    }

    /// A session of this computer as the store has it (an ended one); throws not-found naming the id.
    func ended(_ id: String) async throws -> Session {
        if let row = try await store.session(id: id), row.computerName == computer { return Session(row) }
        throw Self.notFound(id)
    }

    /// Ended sessions of this computer with one of `statuses`, from the store.
    func endedSessions(statuses: Set<SessionStatus>, limit: Int) async throws -> [Session] {
        try await store.sessions(statuses: statuses.filter { !$0.isLive }, computer: computer, limit: limit).map { Session($0) }
    }

    static func notFound(_ id: String) -> TetherError {
        TetherError(.notFound, "session \(id) not found on this computer; list sessions to see the live ones")
    }
}
