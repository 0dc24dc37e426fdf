import Logging
import Synchronization
import TetherCore

/// The other computers, reached over Redis: ``PeerGateway`` on the ``RedisRequester`` (requests
/// and replies), the ``PeerDirectory`` (who is online) and the ``SessionCache`` (what peers
/// reported). Failures are ``TetherError``s naming the computer and what to do.
public final class RedisPeerGateway: PeerGateway {
    /// How long a peer's listing (`list_sessions`, `list_projects`) is reused before it is asked
    /// again: long enough that a burst (the API asked for sessions and projects together, a CLI
    /// `ls` run twice) costs one request per peer, short enough that a session a peer made a
    /// moment ago shows up at the next look. Session events keep the cache current in between
    /// while clients are interested.
    public static let listingFreshness: Duration = .seconds(5)

    let requester: RedisRequester
    let directory: PeerDirectory
    let cache: SessionCache
    let time: TimeSource
    let logger: Logger
    /// Where `watchScreen` starts its watches; nil: no live screens (the stream ends at once).
    let screens: ScreenWatches?
    let listed = Mutex<[ListingKey: Duration]>([:])
    /// When ``confirmPresence()`` last asked Redis.
    let presenceChecked = Mutex<Duration?>(nil)
    /// The Python peers already logged as getting no `input_notification` (one line per peer, not per notice).
    let pythonNoticesSkipped = Mutex<Set<String>>([])

    struct ListingKey: Hashable {
        var computer: String
        var sessions: Bool
    }

    /// A gateway asking peers through `requester`, online as `directory` says, caching in `cache`;
    /// `screens` runs the watches of ``watchScreen(on:sessionID:)``.
    public init(requester: RedisRequester, directory: PeerDirectory, cache: SessionCache, screens: ScreenWatches? = nil,
                time: TimeSource, logger: Logger) {
        self.screens = screens
        self.requester = requester
        self.directory = directory
        self.cache = cache
        self.time = time
        self.logger = logger
    }

    public func computers() async -> [ComputerInfo] {
        await confirmPresence()
        let reported = Dictionary(cache.computers().filter { !$0.isLocal }.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        // A peer that never answered get_computer_info is still online by its heartbeat: listed, user and role unknown.
        return directory.peers.map { peer in
            reported[peer.name] ?? ComputerInfo(name: peer.name, user: "", role: "", host: nil, isLocal: false)
        }
    }

    public func isOnline(_ computer: String) -> Bool { directory.peer(named: computer) != nil }

    public func host(ofSession sessionID: String) -> String? {
        guard let session = cache.session(sessionID), session.computer != cache.localComputer else { return nil }
        return session.computer
    }

    /// The online peers that run Tether: their replies always carry `from_computer`.
    var tetherPeers: Set<String> { Set(directory.peers.filter(\.isTether).map(\.name)) }

    /// Whether a reply without `from_computer` may be `computer`'s (it is not known to be a Tether daemon).
    func acceptsUnlabelled(_ computer: String) -> Bool { !(directory.peer(named: computer)?.isTether ?? false) }

    func isFresh(_ computer: String, sessions: Bool) -> Bool {
        let now = time.now
        return listed.withLock { $0[ListingKey(computer: computer, sessions: sessions)].map { now - $0 <= Self.listingFreshness } ?? false }
    }

    func markListed(_ computer: String, sessions: Bool) {
        let now = time.now
        listed.withLock { $0[ListingKey(computer: computer, sessions: sessions)] = now }
    }

    /// `.notFound` unless `computer` is an online peer.
    func requireOnline(_ computer: String) throws(TetherError) {
        guard isOnline(computer) else {
            throw TetherError(.notFound, "computer \(computer) is not online on Redis; `tether computers` lists the online ones")
        }
    }

    /// Sends `command` to `computer` and returns its reply (an error envelope included); a request
    /// that got no reply is `.unavailable`.
    func ask(_ command: PeerCommand, on computer: String, sessionID: String? = nil, projectDirectory: String? = nil,
             channelMetadata: ChannelMetadata? = nil, autoCommand: String? = nil) async throws(TetherError) -> PeerAnswer {
        try requireOnline(computer)
        do {
            return try await requester.request(command, to: computer, sessionID: sessionID, projectDirectory: projectDirectory,
                                               channelMetadata: channelMetadata, autoCommand: autoCommand,
                                               acceptsUnlabelled: acceptsUnlabelled(computer))
        } catch {
            throw TetherError(.unavailable, "\(command.name) on \(computer) failed: \(error.message)", underlying: error)
        }
    }

    /// The success data of `answer`, or the peer's refusal as a ``TetherError``: `.notFound` when
    /// it says a thing was not found, `.invalidRequest` otherwise.
    func data(of answer: PeerAnswer, _ command: String, on computer: String) throws(TetherError) -> JSONValue {
        switch answer.reply {
        case .success(let data): return data
        case .failure(let failure): throw Self.refusal(failure.message, command, on: computer)
        }
    }

    static func refusal(_ message: String, _ command: String, on computer: String) -> TetherError {
        let code: TetherError.Code = message.lowercased().contains("not found") ? .notFound : .invalidRequest
        return TetherError(code, "\(computer) refused \(command): \(message)")
    }
}
