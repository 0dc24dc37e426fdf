import Logging
import TetherCore

/// One discovery round (no KEYS, ever): the index names the Tether peers, a SCAN sweep (at start
/// and at ``RedisPeersSettings/discoverySweep``) finds the others, and each known peer's own key is
/// read with MGET. A round costs two commands (one more per ``heartbeatsPerRead`` peers), however
/// many unrelated keys exist.
struct PeerDiscovery: Sendable {
    /// Heartbeats read by one MGET: a reply of at most a few hundred KiB (a heartbeat is a few
    /// hundred bytes), far more computers than one Redis links in practice.
    static let heartbeatsPerRead = 500

    let sender: any RedisCommandSending
    let settings: RedisPeersSettings
    let directory: PeerDirectory
    let logger: Logger
    /// True once the component is asked to stop: the SCAN sweep ends between two calls.
    var stopping: @Sendable () -> Bool = { false }

    /// Reads the index and every followed peer's heartbeat, sweeping first if `sweep`; the round's
    /// command count (the caller's `extraCommands` included, the sweep's SCANs not) goes to the directory.
    func round(at now: Timestamp, sweep: Bool, extraCommands: Int) async throws(RedisError) {
        let horizon = now.secondsSince1970 - settings.heartbeatTimeToLive.seconds
        let reply = try await sender.send(["ZRANGEBYSCORE", RedisKeys.computerIndex, "(\(horizon)", "+inf"])
        var commands = extraCommands + 1
        // A peer whose clock runs far behind ours may fall outside this horizon; the sweep still finds it.
        let indexed = Set((reply.array ?? []).compactMap(\.string).filter { usable($0, source: "the index") })
        var swept = Set<String>()
        if sweep {
            let result = try await sender.scanAll(match: RedisKeys.heartbeatPattern, limit: RedisPeersSettings.sweepKeyLimit, stopping: stopping)
            for key in result.keys {
                guard let name = RedisKeys.computer(fromHeartbeatKey: key), usable(name, source: key) else { continue }
                swept.insert(name)
            }
            if result.truncated {
                logger.warning("the discovery sweep stopped at its limit; some peers may be missed",
                               metadata: ["redis.sweep_limit": "\(RedisPeersSettings.sweepKeyLimit)"])
            }
            directory.finishSweep(calls: result.calls)
        }
        var seen: [RedisPeer] = []
        var gone = Set<String>()
        // One MGET per batch of peers, not a GET each: a round's command count stays flat however
        // many computers share the Redis. A key of another type reads as nil: that peer is left out.
        let names = directory.followed(indexed: indexed, swept: swept).sorted()
        for batch in stride(from: 0, to: names.count, by: Self.heartbeatsPerRead).map({ names[$0..<min($0 + Self.heartbeatsPerRead, names.count)] }) {
            commands += 1
            let reply = try await sender.send(["MGET"] + batch.map(RedisKeys.heartbeat))
            let values = reply.array ?? []
            for (index, name) in batch.enumerated() {
                guard index < values.count, let bytes = values[index].bytes else {
                    // MGET reads a key of another type as nil too: a key the sweep found that still
                    // exists is garbage to skip (logged once), not a computer that left.
                    if !indexed.contains(name) {
                        commands += 1
                        if try await sender.send(["EXISTS", RedisKeys.heartbeat(name)]) == .integer(1) {
                            skip(name, because: "its key holds another type than a string heartbeat")
                            continue
                        }
                    }
                    gone.insert(name)
                    continue
                }
                if let peer = read(bytes, name: name, isTether: indexed.contains(name)) { seen.append(peer) }
            }
        }
        directory.finishRound(seen: seen, gone: gone, commands: commands)
    }

    /// The peer a heartbeat describes, or nil (logged once per streak) when it is unreadable or
    /// names another computer than its key does.
    private func read(_ bytes: [UInt8], name: String, isTether: Bool) -> RedisPeer? {
        let heartbeat: Heartbeat
        do {
            heartbeat = try Heartbeat(decoding: bytes)
        } catch {
            skip(name, because: "\(error)")
            return nil
        }
        guard heartbeat.computerName == name else {
            skip(name, because: "its computer_name '\(heartbeat.computerName)' is not the name in its key")
            return nil
        }
        return RedisPeer(name: name, lastSeen: heartbeat.lastSeen, interestedIn: heartbeat.interestedIn,
                         isTether: isTether, projectsDigest: heartbeat.projectsDigest, info: heartbeat.info)
    }

    /// Whether `name` is another computer's valid name; an invalid one is logged once.
    private func usable(_ name: String, source: String) -> Bool {
        guard name != settings.computerName else { return false }
        do {
            _ = try ComputerName.validated(name)
            return true
        } catch {
            skip(name, because: "\(source) names an invalid computer: \(error)")
            return false
        }
    }

    private func skip(_ name: String, because reason: String) {
        guard directory.reportBad(name) else { return }
        logger.warning("skipping a peer's unreadable heartbeat; that peer must rewrite it (PROTOCOL.md §1)",
                       metadata: ["peer": "\(name)", "reason": "\(reason)"])
    }
}
