/// The keys matching a pattern, one `SCAN cursor MATCH pattern COUNT n` call per step: no step ever
/// holds the server for long, however many keys it has (a one-shot listing of all keys would walk them in one go).
///
/// Each element is one step's keys (possibly empty); the sequence ends when the cursor comes back
/// to 0. A key may appear twice if the keyspace is rehashed during the sweep, as SCAN documents.
public struct RedisScanSequence: AsyncSequence, Sendable {
    public typealias Element = [String]
    public typealias Failure = RedisError

    /// Keys the server looks at per call: Redis's own default is 10; 100 makes a sweep of a million
    /// keys about 10,000 calls, each still well under a millisecond on the server.
    public static let count = 100

    let sender: any RedisCommandSending
    let pattern: String

    /// Holds the cursor; each `next()` is one SCAN call.
    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [String]
        public typealias Failure = RedisError

        let sender: any RedisCommandSending
        let pattern: String
        var cursor: String? = "0"

        /// The next step's keys, or nil once the cursor is back at 0.
        public mutating func next() async throws(RedisError) -> [String]? {
            guard let current = cursor else { return nil }
            let reply = try await sender.send(["SCAN", current, "MATCH", pattern, "COUNT", String(RedisScanSequence.count)])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
                cursor = nil
                throw RedisError(.protocol, "Redis answered SCAN with something other than [cursor, keys]; is it a Redis server?")
            }
            cursor = next == "0" ? nil : next
            return keys.compactMap(\.string)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sender: sender, pattern: pattern) }
}

/// What ``RedisCommandSending/scanAll(match:limit:)`` found.
public struct RedisScanResult: Sendable, Equatable {
    /// The matching keys, each once, in the order SCAN gave them.
    public var keys: [String]
    /// True when the sweep stopped at the limit: more keys match than ``keys`` holds.
    public var truncated: Bool
    /// SCAN calls the sweep made: its cost on the server.
    public var calls: Int
}

extension RedisCommandSending {
    /// The keys matching `pattern` (glob syntax), step by step; see ``RedisScanSequence``.
    public func scan(match pattern: String) -> RedisScanSequence { RedisScanSequence(sender: self, pattern: pattern) }

    /// Every key matching `pattern`, at most `limit` of them (the sweep stops there). `stopping` is
    /// asked before each SCAN call: once it is true the sweep ends with code `.closed`, so a stop
    /// never waits for thousands of calls over a crowded keyspace.
    public func scanAll(match pattern: String, limit: Int,
                        stopping: @Sendable () -> Bool = { false }) async throws(RedisError) -> RedisScanResult {
        var seen = Set<String>()
        var result = RedisScanResult(keys: [], truncated: false, calls: 0)
        var iterator = scan(match: pattern).makeAsyncIterator()
        while true {
            if stopping() { throw RedisError(.closed, "the SCAN sweep for '\(pattern)' was stopped after \(result.calls) calls (the daemon is stopping)") }
            guard let keys = try await iterator.next() else { break }
            result.calls += 1
            for key in keys where seen.insert(key).inserted {
                guard result.keys.count < limit else {
                    result.truncated = true
                    return result
                }
                result.keys.append(key)
            }
        }
        return result
    }
}

extension RedisLink: RedisCommandSending {}
