import TetherCore

/// Request round-trip times as a histogram, and failures by kind: what `/metrics` exports for the
/// requester side (`XADD messages:{peer}` to the reply read from `output:{id}`).
public struct RequestTimings: Sendable, Equatable {
    /// Bucket upper bounds in seconds: fine below 5 ms (the loopback goal is a p99 under it), then
    /// coarse up to the 5 s session deadline.
    public static let bucketBounds: [Double] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    /// Replies received.
    public var count = 0
    /// Their round-trip times added up, in seconds.
    public var sum: Double = 0
    /// Replies at or under each bound of ``bucketBounds`` (cumulative, as Prometheus buckets are);
    /// `count` is the `+Inf` bucket.
    public var buckets = [Int](repeating: 0, count: RequestTimings.bucketBounds.count)
    /// Requests that got no usable reply, by ``RequestFailure/Kind`` name.
    public var failures: [String: Int] = [:]
    /// Reply entries ignored because another computer than the one asked wrote them.
    public var impersonations = 0

    public init() {}

    /// Counts one reply that took `duration`.
    mutating func record(_ duration: Duration) {
        let seconds = duration.seconds
        count += 1
        sum += seconds
        for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound { buckets[index] += 1 }
    }

    mutating func record(failure kind: RequestFailure.Kind) {
        failures[kind.rawValue, default: 0] += 1
    }
}
