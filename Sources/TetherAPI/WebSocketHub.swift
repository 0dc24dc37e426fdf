import Foundation
import Logging
import Synchronization
import TetherCore

/// The WebSocket clients of `/ws` and what each subscribed to (PROTOCOL.md §6).
///
/// Every event is encoded once and the same text queued for each client that should get it. Each
/// client has a bounded queue drained by its own connection: a client that falls behind fills its
/// queue and is dropped (one log line); the broadcaster never waits for anyone. Each client's topics
/// are reported to the daemon's ``SubscriptionInterest`` (PROTOCOL.md §4) on every subscribe,
/// unsubscribe and disconnect.
///
/// A subscription to the output of a session an online peer hosts is fed by one watch of that
/// session shared by all its subscribers (``RemoteScreenFeeds``): `session_output` as for a local
/// session, and `session_removed` to those subscribers when the watch ends (the session ended, or
/// its host left). The watch ends when its last subscriber unsubscribes or disconnects.
public final class WebSocketHub: Sendable {
    /// Messages queued per client before it counts as too slow and is dropped (`api.websocket_queue`).
    public let clientQueueCapacity: Int

    private struct Client {
        let continuation: AsyncStream<String>.Continuation
        var topics: Set<String> = []
        /// Computers subscribed with the object form (`local` is this computer) and their types.
        var computers: [String: Set<String>] = [:]
        var sessionOutputs: Set<String> = []

        /// What this client adds to the daemon's interest: its topics and its computers' types.
        var interest: Set<String> { computers.values.reduce(into: topics) { $0.formUnion($1) } }
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
    /// Where the clients' topics are reported; owned by the daemon, read by the Redis heartbeat.
    public let interest: SubscriptionInterest

    /// Stamps screen updates (`ts`) with the wall clock.
    let time: TimeSource
    /// The shared watches of remote sessions' screens; nil without peers (no Redis).
    private let remoteScreens: RemoteScreenFeeds?

    /// A hub serving `commands`; with `peers` (and the `registry` their watches run in) a client may
    /// also follow the output of a session another computer hosts.
    public init(commands: any SessionCommands, cache: SessionCache, computer: String, interest: SubscriptionInterest,
                queueCapacity: Int = 1024, peers: (any PeerGateway)? = nil, registry: TaskRegistry? = nil,
                time: TimeSource = .continuous, logger: Logger) {
        self.clientQueueCapacity = max(1, queueCapacity)
        self.time = time
        self.commands = commands
        self.cache = cache
        self.computer = computer
        self.interest = interest
        self.logger = logger
        if let peers, let registry {
            remoteScreens = RemoteScreenFeeds(peers: peers, registry: registry, logger: logger)
        } else {
            remoteScreens = nil
        }
    }

    public var clientCount: Int { state.withLock { $0.clients.count } }
    /// Clients dropped for falling behind, since start.
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Messages queued to clients, since start.
    public var deliveredCount: Int { state.withLock { $0.delivered } }

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
        interest.remove(subscriber: id)
        if client?.sessionOutputs.isEmpty == false { releaseRemoteScreens() }
        client?.continuation.finish()
        if client != nil { logger.debug("websocket client disconnected", metadata: ["ws.client": "\(id)"]) }
    }

    /// Ends every client's queue, so each connection flushes what it has, stops reading and closes:
    /// the API's stop, which must not wait for clients to hang up on their own.
    func disconnectAll() {
        let ids = state.withLock { Array($0.clients.keys) }
        for id in ids { disconnect(id) }
    }

    /// Handles one text message from a client; false when the connection should end (invalid JSON).
    func receive(_ text: String, from id: Int) async -> Bool {
        guard let data = text.data(using: .utf8), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            send(WireEvent(WireEventName.error, EventError(message: #"invalid JSON: send one JSON object per text frame, such as {"subscribe": "sessions"}"#)).text, to: id)
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
            if spec["session"] is String { releaseRemoteScreens() }
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

    /// Changes a client's subscriptions and reports its topics, under one lock so that two
    /// changes of one client cannot report out of order.
    private func update(_ id: Int, _ change: (inout Client) -> Void) {
        state.withLock { state in
            guard var client = state.clients[id] else { return }
            change(&client)
            state.clients[id] = client
            interest.update(subscriber: id, topics: client.interest)
        }
    }

    // MARK: Snapshots

    private func sendInitial(topic: String, to id: Int) async {
        switch topic {
        case "sessions":
            let sessions = await allSessions(computer: nil)
            send(WireEvent(WireEventName.sessionsInitial, SessionsSnapshot(computer: computer, sessions: sessions)).text, to: id)
        case "preparation":
            let projects = ProjectsSnapshot(computer: computer, projects: commands.listProjects())
            send(WireEvent(WireEventName.preparationInitial, projects).text, to: id)
        default:
            break
        }
    }

    private func sendInitial(computer target: String, types: Set<String>, to id: Int) async {
        let name = target == "local" ? computer : target
        if types.contains("sessions") {
            let sessions = await allSessions(computer: name)
            send(WireEvent(WireEventName.sessionsInitial, SessionsSnapshot(computer: name, sessions: sessions)).text, to: id)
        }
        if types.contains("projects") {
            let projects = name == computer ? commands.listProjects() : cache.projects(computer: name)
            send(WireEvent(WireEventName.projectsInitial, ProjectsSnapshot(computer: name, projects: projects)).text, to: id)
        }
    }

    private func sendScreen(of session: String, to id: Int) async {
        do {
            let screen = try await commands.screen(sessionID: session, historyLines: 0)
            send(WireEvent(WireEventName.sessionOutput, ScreenUpdate(sessionID: session, screen: screen)).text, to: id)
        } catch {
            // Not a session of this computer: perhaps one a peer hosts.
            if let remoteScreens, (error as? TetherError)?.code == .notFound, let host = await remoteScreens.host(of: session) {
                // Unsubscribed (or gone) while the host was looked up: nothing to follow.
                guard state.withLock({ $0.clients[id]?.sessionOutputs.contains(session) == true }) else { return }
                if let screen = remoteScreens.follow(session, on: host, deliver: { [weak self] in self?.deliver($0) }) {
                    send(WireEvent(WireEventName.sessionOutput, ScreenUpdate(sessionID: session, screen: screen)).text, to: id)
                }
                // An unsubscribe that ran while the watch started could not see it: look again.
                if !state.withLock({ $0.clients[id]?.sessionOutputs.contains(session) == true }) { releaseRemoteScreens() }
                return
            }
            send(WireEvent(WireEventName.error, EventError(message: "\(error)")).text, to: id)
        }
    }

    /// What a remote session's watch brings, to the clients subscribed to that session's output.
    private func deliver(_ update: RemoteScreenFeeds.Update) {
        switch update {
        case .screen(let session, let screen):
            let update = ScreenUpdate(sessionID: session, screen: screen, publishedMicroseconds: time.wallNow.microseconds)
            broadcast(WireEvent(WireEventName.sessionOutput, update).text) { $0.sessionOutputs.contains(session) }
        case .ended(let session, let host, let status):
            let removed = SessionRemoved(sessionID: session, computer: host, status: status)
            broadcast(WireEvent(WireEventName.sessionRemoved, removed).text) { $0.sessionOutputs.contains(session) }
        }
    }

    /// Ends the watches of remote sessions no client follows any more.
    private func releaseRemoteScreens() {
        guard let remoteScreens else { return }
        let followed = state.withLock { state in state.clients.values.reduce(into: Set<String>()) { $0.formUnion($1.sessionOutputs) } }
        remoteScreens.keepOnly(followed)
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
            broadcast(WireEvent(WireEventName.sessionCreated, session).text)
            broadcast(WireEvent(WireEventName.sessionUpdated, session).text)
        case .updated(let session):
            broadcast(WireEvent(WireEventName.sessionUpdated, session).text)
        case .ended(let session):
            let removed = SessionRemoved(sessionID: session.id, computer: session.computer, status: session.status.rawValue)
            broadcast(WireEvent(WireEventName.sessionRemoved, removed).text)
        case .outputChanged(let id, let screen):
            let update = ScreenUpdate(sessionID: id, screen: screen, publishedMicroseconds: time.wallNow.microseconds)
            broadcast(WireEvent(WireEventName.sessionOutput, update).text) { $0.sessionOutputs.contains(id) }
        case .inputChanged(let receipt):
            broadcast(WireEvent(WireEventName.inputUpdated, receipt).text)
        case .directoryChanged, .processExited:
            break
        }
    }

    /// A peer's session changed in the cache (PROTOCOL.md §4): sent as a local change is. This
    /// computer's own changes reach the clients from the bus, so they are skipped here.
    public func publish(_ change: CacheChange) {
        switch change {
        case .sessionUpdated(let session) where session.computer != computer:
            broadcast(WireEvent(WireEventName.sessionUpdated, session).text)
        case .sessionRemoved(let id, let host) where host != computer:
            broadcast(WireEvent(WireEventName.sessionRemoved, SessionRemoved(sessionID: id, computer: host, status: nil)).text)
        default:
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
        interest.remove(subscriber: id)
        guard let client else { return }
        if !client.sessionOutputs.isEmpty { releaseRemoteScreens() }
        client.continuation.finish()
        logger.warning("websocket client dropped: it fell \(clientQueueCapacity) messages behind", metadata: ["ws.client": "\(id)"])
    }
}
