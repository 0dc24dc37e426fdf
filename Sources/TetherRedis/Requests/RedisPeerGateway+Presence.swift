import Synchronization
import TetherCore

extension RedisPeerGateway {
    /// How often a listing checks the peers' heartbeat keys itself: a burst of requests (the CLI's
    /// `ls` asks for sessions and computers together) costs one `MGET`, and a computer that left is
    /// out of the next listing a second later at most.
    public static let presenceCheckInterval: Duration = .seconds(1)

    /// Drops the peers whose heartbeat key is gone since the last discovery round, with their
    /// sessions: a graceful stop deletes the key, so the computer leaves every listing at once
    /// instead of up to a heartbeat round (30 s) later. One `MGET` for all peers; a Redis error
    /// leaves the directory as discovery last saw it.
    func confirmPresence() async {
        let names = directory.peers.map(\.name)
        let now = time.now
        let due = presenceChecked.withLock { last -> Bool in
            guard last.map({ now - $0 >= Self.presenceCheckInterval }) ?? true else { return false }
            last = now
            return true
        }
        guard !names.isEmpty, due else { return }
        guard let reply = try? await requester.writes.send(["MGET"] + names.map(RedisKeys.heartbeat)),
              let values = reply.array, values.count == names.count else { return }
        let gone = Set(zip(names, values).filter { $0.1 == .null }.map(\.0))
        guard !gone.isEmpty else { return }
        directory.drop(gone)
        let stamp = time.wallNow
        for name in gone {
            for session in cache.sessions(computer: name) {
                cache.removeRemote(sessionID: session.id, computer: name, hostStamp: stamp)
            }
        }
        logger.info("peers left Redis (their heartbeat is gone)", metadata: ["peers": "\(gone.sorted().joined(separator: ","))"])
    }
}
