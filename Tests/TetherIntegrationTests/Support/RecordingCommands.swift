import Synchronization
import TetherCore

/// A `SessionCommands` double for the request-stream tests: a few in-memory sessions, every call
/// recorded; a message to a session with a gate waits until the gate fires (a slow handler).
final class RecordingCommands: SessionCommands {
    struct State {
        var sessions: [String: Session] = [:]
        var messages: [(session: String, text: String)] = []
        var keys: [(session: String, key: String, count: Int)] = []
        var created: [NewSessionRequest] = []
        var ended: [String] = []
        var gates: [String: AsyncEvent] = [:]
    }

    let state = Mutex(State())
    let computer: String

    init(computer: String, sessions: [String] = ["s1"]) {
        self.computer = computer
        for id in sessions { add(id) }
    }

    func add(_ id: String) {
        var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: "tc_\(id)", createdAt: Timestamp(microseconds: 1_700_000_000_000_000))
        record.title = "title \(id)"
        record.status = .active
        record.workingDirectory = "/tmp/\(id)"
        let session = Session(record)
        state.withLock { $0.sessions[id] = session }
    }

    func gate(_ session: String) -> AsyncEvent {
        let event = AsyncEvent()
        state.withLock { $0.gates[session] = event }
        return event
    }

    var messages: [(session: String, text: String)] { state.withLock { $0.messages } }
    var keys: [(session: String, key: String, count: Int)] { state.withLock { $0.keys } }
    var created: [NewSessionRequest] { state.withLock { $0.created } }
    var ended: [String] { state.withLock { $0.ended } }

    private func existing(_ id: String) throws -> Session {
        guard let session = state.withLock({ $0.sessions[id] }) else { throw TetherError(.notFound, "no session \(id)") }
        return session
    }

    func newSession(_ request: NewSessionRequest) async throws -> Session {
        let id = "new-\(state.withLock { $0.created.count })"
        add(id)
        state.withLock { $0.created.append(request) }
        return try existing(id)
    }

    func sendMessage(sessionID: String, text: String, adapter: String) async throws {
        _ = try existing(sessionID)
        if let gate = state.withLock({ $0.gates[sessionID] }) { await gate.wait() }
        state.withLock { $0.messages.append((sessionID, text)) }
    }

    func sendKeys(sessionID: String, key: String, count: Int) async throws {
        _ = try existing(sessionID)
        state.withLock { $0.keys.append((sessionID, key, count)) }
    }

    func listSessions() async -> [Session] { state.withLock { $0.sessions.values.sorted { $0.id < $1.id } } }
    func endedSessions(statuses: Set<SessionStatus>, limit: Int) async throws -> [Session] { [] }
    func session(_ id: String) async throws -> Session { try existing(id) }
    func listProjects() -> [Project] { [Project(name: "tether", description: "Tether folder", path: "/srv/tether")] }

    func computerInfo() async -> (info: ComputerInfo, stats: SystemStats) {
        (ComputerInfo(name: computer, user: "maurice", role: "development", host: nil, isLocal: true),
         SystemStats(memoryTotalGB: 64, memoryAvailableGB: 31.2, memoryPercentUsed: 51.3, diskTotalGB: 926.4, diskFreeGB: 410,
                     diskPercentUsed: 55.7, cpuPercentUsed: 12.5))
    }

    func endSession(sessionID: String) async throws -> Session {
        let session = try existing(sessionID)
        state.withLock { state in
            state.sessions[sessionID] = nil
            state.ended.append(sessionID)
        }
        return session
    }

    func sessionOutput(sessionID: String, tailChars: Int) async throws -> (session: Session, messages: String) {
        (try existing(sessionID), String("hello transcript".suffix(tailChars == 0 ? Int.max : tailChars)))
    }

    func screen(sessionID: String, historyLines: Int) async throws -> String { "" }
}
