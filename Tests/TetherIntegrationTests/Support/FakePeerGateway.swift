import Synchronization
import TetherCore

/// A ``PeerGateway`` double: peers with sessions held in memory, every call recorded, and a
/// computer that can be made to fail (`.unavailable`, as a silent peer does).
final class FakePeerGateway: PeerGateway {
    struct State {
        var computers: [ComputerInfo] = []
        var sessions: [String: Session] = [:]
        /// Sessions that no cache knows (``host(ofSession:)`` is nil): found only by listing.
        var uncached: Set<String> = []
        var projects: [String: [Project]] = [:]
        var calls: [String] = []
        var silent: Set<String> = []
    }

    let state = Mutex(State())

    init(peers: [String]) {
        state.withLock { state in
            state.computers = peers.map {
                ComputerInfo(name: $0, user: "u-\($0)", role: "worker", host: "\($0).lan", isLocal: false,
                             systemStats: SystemStats(memoryTotalGB: 16, memoryAvailableGB: 8, memoryPercentUsed: 50,
                                                      diskTotalGB: 100, diskFreeGB: 40, diskPercentUsed: 60, cpuPercentUsed: 7))
            }
            for name in peers { state.projects[name] = [Project(name: "work", description: "\(name)'s work", path: "/srv/\(name)")] }
        }
    }

    /// A live session `id` on `computer`; `cached: false` hides it from ``host(ofSession:)``.
    func add(_ id: String, on computer: String, cached: Bool = true) {
        var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: SessionRecord.tmuxName(for: id),
                                   createdAt: Timestamp(microseconds: 1_700_000_000_000_000))
        record.status = .active
        record.title = "on \(computer)"
        state.withLock { state in
            state.sessions[id] = Session(remote: record, hostStamp: nil)
            if !cached { state.uncached.insert(id) }
        }
    }

    var calls: [String] { state.withLock { $0.calls } }

    private func record(_ call: String) { state.withLock { $0.calls.append(call) } }

    private func check(_ computer: String, _ sessionID: String? = nil) throws {
        let (online, silent, session) = state.withLock { state in
            (state.computers.contains { $0.name == computer }, state.silent.contains(computer), sessionID.flatMap { state.sessions[$0] })
        }
        guard online else { throw TetherError(.notFound, "Computer \(computer) is not online") }
        guard !silent else { throw TetherError(.unavailable, "\(computer) did not answer in time") }
        if let sessionID, session?.computer != computer { throw TetherError(.notFound, "Session \(sessionID) not found on \(computer)") }
    }

    func computers() async -> [ComputerInfo] { state.withLock { $0.computers } }
    func isOnline(_ computer: String) -> Bool { state.withLock { $0.computers.contains { $0.name == computer } } }

    func host(ofSession sessionID: String) -> String? {
        state.withLock { $0.uncached.contains(sessionID) ? nil : $0.sessions[sessionID]?.computer }
    }

    func sessions(of computer: String?) async -> [Session] {
        record("sessions \(computer ?? "*")")
        return state.withLock { state in
            state.sessions.values.filter { computer == nil || $0.computer == computer }.sorted { $0.id < $1.id }
        }
    }

    func projects(of computer: String?) async -> [(computer: String, projects: [Project])] {
        state.withLock { state in
            state.projects.keys.sorted().filter { computer == nil || $0 == computer }.map { ($0, state.projects[$0] ?? []) }
        }
    }

    func newSession(on computer: String, _ request: NewSessionRequest) async throws -> RemoteSessionCreated {
        try check(computer)
        record("new \(computer) \(request.workingDirectory ?? "-") \(request.message ?? "-")")
        let id = "remote-\(state.withLock { $0.sessions.count })-0000-0000-0000-000000000000"
        add(id, on: computer)
        return RemoteSessionCreated(sessionID: id, tmuxSessionName: SessionRecord.tmuxName(for: id))
    }

    func sendMessage(on computer: String, sessionID: String, text: String) async throws {
        try check(computer, sessionID)
        record("message \(computer) \(sessionID) \(text)")
    }

    func sendKeys(on computer: String, sessionID: String, key: String, count: Int) async throws {
        try check(computer, sessionID)
        record("keys \(computer) \(sessionID) \(key) \(count)")
    }

    func sessionOutput(on computer: String, sessionID: String, tailChars: Int) async throws -> SessionOutput {
        try check(computer, sessionID)
        record("output \(computer) \(sessionID) \(tailChars)")
        return SessionOutput(sessionID: sessionID, projectDirectory: "/srv/\(computer)", messages: "screen of \(sessionID)",
                             createdAt: nil, lastActivity: nil)
    }

    func endSession(on computer: String, sessionID: String) async throws {
        try check(computer, sessionID)
        record("end \(computer) \(sessionID)")
        state.withLock { _ = $0.sessions.removeValue(forKey: sessionID) }
    }

    func watchScreen(on computer: String, sessionID: String) -> AsyncStream<RemoteScreen> {
        AsyncStream { $0.finish() }
    }
}
