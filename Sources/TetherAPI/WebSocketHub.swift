import Foundation
import Logging
import Synchronization
import TetherCore

/// The WebSocket clients of `/ws` and what each subscribed to (PROTOCOL.md §6).
///
/// Every event is encoded once and the same text queued for each client that should get it. Each
/// client has a bounded queue drained by its own connection: a client that falls behind fills its
/// queue and is dropped (one log line); the broadcaster never waits for anyone. The union of the
/// clients' topics is the daemon's interest (PROTOCOL.md §4), cleared when the last client leaves.
public final class WebSocketHub: Sendable {
    /// Messages queued per client before it counts as too slow and is dropped (`api.websocket_queue`).
    public let clientQueueCapacity: Int

    private struct Client {
        let continuation: AsyncStream<String>.Continuation
        var topics: Set<String> = []
        /// Computers subscribed with the object form (`local` is this computer) and their types.
        var computers: [String: Set<String>] = [:]
        var sessionOutputs: Set<String> = []
    }

    private struct State {
        var clients: [Int: Client] = [:]
        var nextID = 0
        var dropped = 0
        var delivered = 0
    }

    private let commands: any SessionCommands
    private let cache: SessionCache
    private let computer: String
    private let logger: Logger
    private let state = Mutex(State())

    public init(commands: any SessionCommands, cache: SessionCache, computer: String, queueCapacity: Int = 1024, logger: Logger) {
        self.clientQueueCapacity = max(1, queueCapacity)
        self.commands = commands
        self.cache = cache
        self.computer = computer
        self.logger = logger
    }

    public var clientCount: Int { state.withLock { $0.clients.count } }
    /// Clients dropped for falling behind, since start.
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Messages queued to clients, since start.
    public var deliveredCount: Int { state.withLock { $0.delivered } }

    /// The union of every client's topics: what peers should push to this daemon.
    public var interest: Set<String> {
        state.withLock { state in
            state.clients.values.reduce(into: Set<String>()) { union, client in
                union.formUnion(client.topics)
                if !client.computers.isEmpty { union.insert("sessions") }
            }
        }
    }

    // MARK: Connections

    /// Registers a client; its messages come out of the returned stream, which ends when it is dropped.
    func connect() -> (id: Int, messages: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(clientQueueCapacity))
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.clients[state.nextID] = Client(continuation: continuation)
            return state.nextID
        }
        logger.debug("websocket client connected", metadata: ["ws.client": "\(id)"])
        return (id, stream)
    }

    func disconnect(_ id: Int) {
        let client = state.withLock { $0.clients.removeValue(forKey: id) }
        client?.continuation.finish()
        if client != nil { logger.debug("websocket client disconnected", metadata: ["ws.client": "\(id)"]) }
    }

    /// Handles one text message from a client; false when the connection should end (invalid JSON).
    func receive(_ text: String, from id: Int) async -> Bool {
        guard let data = text.data(using: .utf8), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            send(Self.event("error") { $0.member("message", "invalid JSON: send one JSON object per text frame, such as {\"subscribe\": \"sessions\"}") }, to: id)
            return false
        }
        if let topic = object["subscribe"] as? String {
            update(id) { $0.topics.insert(topic) }
            await sendInitial(topic: topic, to: id)
        } else if let spec = object["subscribe"] as? [String: Any] {
            if let session = spec["session"] as? String {
                update(id) { $0.sessionOutputs.insert(session) }
                await sendScreen(of: session, to: id)
            } else {
                let target = (spec["computer"] as? String) ?? "local"
                let types = Set((spec["types"] as? [String]) ?? ["sessions", "projects"])
                update(id) { $0.computers[target, default: []].formUnion(types) }
                await sendInitial(computer: target, types: types, to: id)
            }
        } else if let spec = object["unsubscribe"] as? [String: Any] {
            update(id) { client in
                if let session = spec["session"] as? String { client.sessionOutputs.remove(session) }
                if let target = spec["computer"] as? String { client.computers[target] = nil }
            }
        } else if let topic = object["unsubscribe"] as? String {
            update(id) { _ = $0.topics.remove(topic) }
        } else if object["refresh"] as? Bool == true {
            // Unlike the Python daemon, nothing is emptied: every subscription gets its snapshot again.
            let client = state.withLock { $0.clients[id] }
            for topic in client?.topics ?? [] { await sendInitial(topic: topic, to: id) }
            for (target, types) in client?.computers ?? [:] { await sendInitial(computer: target, types: types, to: id) }
            for session in client?.sessionOutputs ?? [] { await sendScreen(of: session, to: id) }
        }
        // Anything else is ignored, as the Python daemon does.
        return true
    }

    private func update(_ id: Int, _ change: (inout Client) -> Void) {
        state.withLock { state in
            guard var client = state.clients[id] else { return }
            change(&client)
            state.clients[id] = client
        }
    }

    // MARK: Snapshots

    private func sendInitial(topic: String, to id: Int) async {
        switch topic {
        case "sessions":
            let sessions = await allSessions(computer: nil)
            send(Self.event("sessions_initial") { json in
                json.member("computer", computer)
                json.key("sessions")
                json.raw(Session.jsonArray(sessions))
            }, to: id)
        case "preparation":
            let projects = commands.listProjects()
            send(Self.event("preparation_initial") { json in
                json.key("projects")
                Self.write(projects: projects, computer: nil, into: &json)
            }, to: id)
        default:
            break
        }
    }

    private func sendInitial(computer target: String, types: Set<String>, to id: Int) async {
        let name = target == "local" ? computer : target
        if types.contains("sessions") {
            let sessions = await allSessions(computer: name)
            send(Self.event("sessions_initial") { json in
                json.member("computer", name)
                json.key("sessions")
                json.raw(Session.jsonArray(sessions))
            }, to: id)
        }
        if types.contains("projects") {
            let projects = name == computer ? commands.listProjects() : cache.projects(computer: name)
            send(Self.event("projects_initial") { json in
                json.member("computer", name)
                json.key("projects")
                Self.write(projects: projects, computer: name, into: &json)
            }, to: id)
        }
    }

    private func sendScreen(of session: String, to id: Int) async {
        do {
            let screen = try await commands.screen(sessionID: session, historyLines: 0)
            send(Self.event("session_output") { json in
                json.member("session_id", session)
                json.member("screen", screen)
            }, to: id)
        } catch {
            send(Self.event("error") { $0.member("message", "\(error)") }, to: id)
        }
    }

    /// Local live sessions and fresh remote ones, on `computer` when given.
    private func allSessions(computer name: String?) async -> [Session] {
        var sessions: [Session] = []
        if name == nil || name == computer { sessions = await commands.listSessions() }
        if name != computer {
            let remote = name.map { cache.sessions(computer: $0, statuses: Set(SessionStatus.allCases.filter(\.isLive))) }
                ?? cache.sessions(statuses: Set(SessionStatus.allCases.filter(\.isLive))).filter { $0.computer != computer }
            sessions += remote
        }
        return sessions
    }

    // MARK: Broadcasting

    /// Turns a bus event into WebSocket messages, each encoded once, and queues them.
    public func publish(_ event: SessionEvent) {
        switch event {
        case .created(let session):
            broadcast(Self.sessionEvent("session_created", session))
            broadcast(Self.sessionEvent("session_updated", session))
        case .updated(let session):
            broadcast(Self.sessionEvent("session_updated", session))
        case .ended(let session):
            broadcast(Self.event("session_removed") { json in
                json.member("session_id", session.id)
                json.member("computer", session.computer)
                json.member("status", session.status.rawValue)
            })
        case .outputChanged(let id, let screen):
            let message = Self.event("session_output") { json in
                json.member("session_id", id)
                json.member("screen", screen)
                // When the daemon published it (µs since the epoch), so clients can tell delivery delay.
                json.key("ts")
                json.raw(Array(String(Timestamp.now().microseconds).utf8))
            }
            broadcast(message) { $0.sessionOutputs.contains(id) }
        case .directoryChanged, .processExited:
            break
        }
    }

    /// Queues `text` for every client (that `wants` it); drops the clients whose queue is full.
    private func broadcast(_ text: String, wants: (Client) -> Bool = { _ in true }) {
        let targets = state.withLock { state in state.clients.filter { wants($0.value) }.map { ($0.key, $0.value.continuation) } }
        var slow: [Int] = []
        for (id, continuation) in targets {
            if case .dropped = continuation.yield(text) { slow.append(id) }
        }
        state.withLock { $0.delivered += targets.count - slow.count }
        for id in slow { drop(id) }
    }

    private func send(_ text: String, to id: Int) {
        guard let continuation = state.withLock({ $0.clients[id]?.continuation }) else { return }
        if case .dropped = continuation.yield(text) { drop(id) }
    }

    private func drop(_ id: Int) {
        let client = state.withLock { state -> Client? in
            guard let client = state.clients.removeValue(forKey: id) else { return nil }
            state.dropped += 1
            return client
        }
        guard let client else { return }
        client.continuation.finish()
        logger.warning("websocket client dropped: it fell \(clientQueueCapacity) messages behind", metadata: ["ws.client": "\(id)"])
    }

    // MARK: Encoding

    static func event(_ name: String, _ data: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.member("event", name)
        json.key("data")
        json.beginObject()
        data(&json)
        json.endObject()
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func sessionEvent(_ name: String, _ session: Session) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.member("event", name)
        json.key("data")
        json.raw(session.summaryJSON)
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// `[{name, desc, path}]`, with `computer` and `description` too when `computer` is given.
    static func write(projects: [Project], computer: String?, into json: inout JSONWriter) {
        json.beginArray()
        for project in projects {
            json.beginObject()
            if let computer { json.member("computer", computer) }
            json.member("name", project.name)
            json.member("desc", project.description)
            json.member("description", project.description)
            json.member("path", project.path)
            json.endObject()
        }
        json.endArray()
    }
}
