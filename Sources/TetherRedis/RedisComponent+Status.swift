import TetherCore

extension RedisComponent {
    /// `/status`'s `redis` section now: the peers service's state, the URL without its password, the
    /// online peers and the request stream's cursor and counts.
    public var statusReport: RedisStatusReport {
        let peersStatus = peers.status
        let state = switch peersStatus.state {
        case .starting: RedisStatusReport.starting
        case .connected: RedisStatusReport.connected
        case .degraded: RedisStatusReport.degraded
        }
        let counts = reader.counts
        return RedisStatusReport(enabled: true, state: state, lastError: peersStatus.lastError, url: "\(peers.link.options.url)",
                                 peers: directory.peers.map(\.name), cursor: counts.cursor, handled: counts.handled, rejected: counts.rejected)
    }

    /// `/metrics`' Redis numbers now, over the component's long-lived links (the short-lived links
    /// of remote screen watches are left out: they come and go with the watchers).
    public var metrics: RedisComponentMetrics {
        var links = RedisLinkMetrics()
        for link in [peers.link, replies, reader.link, requester.writes, requester.replies.link, pusher.link, events.link, screenLink] {
            links.add(link.metrics)
        }
        return RedisComponentMetrics(links: links, requests: reader.counts, discovery: directory.counters)
    }
}

/// What the Redis component has done, for `/metrics`.
public struct RedisComponentMetrics: Sendable, Equatable {
    /// Commands by name, failures, reconnects: the sum over the component's links.
    public var links: RedisLinkMetrics
    /// Request-stream entries handled and refused.
    public var requests: RequestStreamCounters
    /// Discovery rounds and their cost.
    public var discovery: PeerDiscoveryCounters
}

extension RedisLinkMetrics {
    /// Adds `other`'s counts to these.
    mutating func add(_ other: RedisLinkMetrics) {
        reconnects += other.reconnects
        connectFailures += other.connectFailures
        commands.merge(other.commands, uniquingKeysWith: +)
        failures.merge(other.failures, uniquingKeysWith: +)
    }
}
