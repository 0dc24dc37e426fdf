import Logging
import TetherCore

/// Keeps each online peer's `get_computer_info` (user, role, host, system stats) in the session
/// cache. A Tether peer's heartbeat carries them (`tether_info`), so it is never asked; any other
/// peer is asked on first sight and then every ``refreshInterval``, all due peers at once under one
/// 3 s deadline. A peer that does not answer stays listed from its heartbeat alone.
struct PeerInfoRefresher: Sendable {
    /// How often the directory is checked for peers to ask: a new peer gets its details within
    /// this of discovery finding it; the check itself is in memory and costs nothing on Redis.
    static let checkInterval: Duration = .seconds(5)
    /// How often a known peer is asked again: half the cache's 120 s staleness, so one missed
    /// answer never drops a peer's details, while its stats (memory, disk, CPU) stay a minute fresh.
    static let refreshInterval: Duration = .seconds(60)

    let requester: RedisRequester
    let directory: PeerDirectory
    let cache: SessionCache
    let time: TimeSource
    let logger: Logger

    /// Asks until `stop` fires.
    func run(until stop: AsyncEvent) async {
        var askedAt: [String: Duration] = [:]
        var silent = Set<String>()
        while !stop.isFired {
            let now = time.now
            let peers = directory.peers
            let online = Set(peers.map(\.name))
            // A peer that left is forgotten, so it is asked again at once when it comes back.
            askedAt = askedAt.filter { online.contains($0.key) }
            silent.formIntersection(online)
            // A Tether peer's heartbeat carries its details (`tether_info`): taken from there, not asked.
            var described = Set<String>()
            for peer in peers {
                guard let details = peer.info, let info = RemoteListingParser.computer(details, name: peer.name) else { continue }
                cache.upsert(computer: info)
                described.insert(peer.name)
            }
            let due = peers.map(\.name).filter { name in
                !described.contains(name) && (askedAt[name].map { now - $0 >= Self.refreshInterval } ?? true)
            }
            if !due.isEmpty {
                for name in due { askedAt[name] = now }
                let result = await requester.fanOut(.getComputerInfo, to: due, tetherPeers: Set(peers.filter(\.isTether).map(\.name)))
                for (name, answer) in result.answers {
                    guard case .success(let data) = answer.reply, let info = RemoteListingParser.computer(data, name: name) else {
                        report(name, "its get_computer_info reply holds no user (PROTOCOL.md §3)", silent: &silent)
                        continue
                    }
                    silent.remove(name)
                    cache.upsert(computer: info)
                }
                for (name, failure) in result.failures where failure.kind != .stopped {
                    report(name, failure.message, silent: &silent)
                }
            }
            if await stop.wait(timeout: Self.checkInterval, on: time) { break }
        }
    }

    /// One line per streak of silence from a peer.
    private func report(_ name: String, _ reason: String, silent: inout Set<String>) {
        guard silent.insert(name).inserted else { return }
        logger.info("a peer did not report its details; it stays listed from its heartbeat alone",
                    metadata: ["peer": "\(name)", "reason": "\(reason)"])
    }
}
