import Logging
import Synchronization
import TetherCore

/// The remote sessions whose screens WebSocket clients follow: one watch per session
/// (``PeerGateway/watchScreen(on:sessionID:)``), shared by every client subscribed to it, each
/// consumed by a registry task that hands what comes to the hub.
///
/// A watch starts with the first subscriber and ends when ``keepOnly(_:)`` finds no client
/// following its session any more: its task is cancelled, which ends the stream's iteration and
/// so the watch itself (its lease is given back, its link closed). A new subscriber of a running
/// watch gets the last screen it saw at once.
final class RemoteScreenFeeds: Sendable {
    /// What a watch brings: a screen of `sessionID`, or its end on `host`.
    enum Update: Sendable {
        case screen(sessionID: String, screen: String)
        case ended(sessionID: String, host: String, status: String)
    }

    private struct Feed {
        let generation: Int
        let host: String
        var task: TaskHandle?
        var lastScreen: String?
    }

    private struct State {
        var feeds: [String: Feed] = [:]
        var nextGeneration = 0
    }

    let peers: any PeerGateway
    let registry: TaskRegistry
    let logger: Logger
    private let state = Mutex(State())

    init(peers: any PeerGateway, registry: TaskRegistry, logger: Logger) {
        self.peers = peers
        self.registry = registry
        self.logger = logger
    }

    /// Sessions followed now, for tests and `/status`.
    var followed: Set<String> { state.withLock { Set($0.feeds.keys) } }

    /// The online peer hosting `sessionID`: the session cache's answer, else the peers' listings
    /// (one `list_sessions` round under its deadline when the cache is not fresh); nil when none does.
    func host(of sessionID: String) async -> String? {
        if let host = peers.host(ofSession: sessionID), peers.isOnline(host) { return host }
        guard let host = await peers.sessions(of: nil).first(where: { $0.id == sessionID })?.computer, peers.isOnline(host) else { return nil }
        return host
    }

    /// Starts the shared watch of `sessionID` on `host` unless one runs, handing what it brings to
    /// `deliver`; the last screen a running one saw, if any.
    func follow(_ sessionID: String, on host: String, deliver: @escaping @Sendable (Update) -> Void) -> String? {
        let started = state.withLock { state -> (generation: Int, last: String?) in
            if let feed = state.feeds[sessionID] { return (-1, feed.lastScreen) }
            state.nextGeneration += 1
            state.feeds[sessionID] = Feed(generation: state.nextGeneration, host: host)
            return (state.nextGeneration, nil)
        }
        guard started.generation >= 0 else { return started.last }
        let screens = peers.watchScreen(on: host, sessionID: sessionID)
        let task = registry.spawn(name: "api.remote-screen") { [self] in
            for await update in screens {
                switch update {
                case .screen(let screen):
                    let current = state.withLock { state -> Bool in
                        guard state.feeds[sessionID]?.generation == started.generation else { return false }
                        state.feeds[sessionID]?.lastScreen = screen
                        return true
                    }
                    if current { deliver(.screen(sessionID: sessionID, screen: screen)) }
                case .ended(let status):
                    deliver(.ended(sessionID: sessionID, host: host, status: status))
                }
            }
            state.withLock { state in
                if state.feeds[sessionID]?.generation == started.generation { state.feeds[sessionID] = nil }
            }
        }
        let ended = state.withLock { state -> Bool in
            guard state.feeds[sessionID]?.generation == started.generation else { return true }
            state.feeds[sessionID]?.task = task
            return false
        }
        // Nobody follows it any more (keepOnly ran before the task was recorded): stop it now.
        if ended { task.cancel() }
        logger.debug("following a remote session's screen", metadata: ["session.id": "\(sessionID)", "peer": "\(host)"])
        return nil
    }

    /// Ends the watches of every session not in `followed`.
    func keepOnly(_ followed: Set<String>) {
        let stopped = state.withLock { state -> [TaskHandle?] in
            let gone = state.feeds.keys.filter { !followed.contains($0) }
            return gone.map { state.feeds.removeValue(forKey: $0)?.task }
        }
        for task in stopped { task?.cancel() }
    }
}
