import TetherCore

/// Writes this computer's heartbeat (PROTOCOL.md §1) and its entry in the Tether index, and takes
/// both away on a graceful stop.
struct HeartbeatWriter: Sendable {
    let sender: any RedisCommandSending
    let settings: RedisPeersSettings
    let interest: SubscriptionInterest
    /// This computer's `get_computer_info` answer, written into each heartbeat (`tether_info`); nil: none.
    var describe: (@Sendable () async -> JSONValue?)? = nil

    /// Commands one ``beat(at:)`` sends.
    static let commandsPerBeat = 3

    /// SETEX the heartbeat, score this computer in the index at `now`, prune entries past the TTL.
    func beat(at now: Timestamp) async throws(RedisError) {
        let heartbeat = Heartbeat(computerName: settings.computerName, lastSeen: now, interestedIn: interest.heartbeatTopics,
                                  info: await describe?())
        let json: [UInt8]
        do {
            json = try heartbeat.encoded()
        } catch {
            // The daemon validates its name at start; this is the last guard against a heartbeat
            // that would break every Python peer's discovery.
            throw RedisError(.protocol, "not writing a heartbeat for '\(settings.computerName)': \(error)")
        }
        let key = RedisKeys.heartbeat(settings.computerName)
        _ = try await sender.send(["SETEX", key, String(settings.timeToLiveSeconds), String(decoding: json, as: UTF8.self)])
        let epoch = now.secondsSince1970
        _ = try await sender.send(["ZADD", RedisKeys.computerIndex, String(epoch), settings.computerName])
        _ = try await sender.send(["ZREMRANGEBYSCORE", RedisKeys.computerIndex, "-inf", "(\(epoch - settings.heartbeatTimeToLive.seconds)"])
    }

    /// DEL the heartbeat and ZREM the index entry, so peers see this computer leave at once.
    func leave() async throws(RedisError) {
        _ = try await sender.send(["DEL", RedisKeys.heartbeat(settings.computerName)])
        _ = try await sender.send(["ZREM", RedisKeys.computerIndex, settings.computerName])
    }
}
