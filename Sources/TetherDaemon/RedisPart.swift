import TetherAPI
import TetherCore
import TetherRedis

/// The daemon's Redis part as configured: none, one that cannot be used, or the real component.
enum RedisPart: Sendable {
    case disabled
    case unusable(UnusableRedisComponent)
    case running(RedisComponent)

    /// The component to supervise, if any.
    var component: (any Component)? {
        switch self {
        case .disabled: nil
        case .unusable(let component): component
        case .running(let component): component
        }
    }

    /// The other computers, for the API; nil unless the component runs.
    var gateway: (any PeerGateway)? {
        guard case .running(let component) = self else { return nil }
        return component.gateway
    }

    /// `/status`'s `redis` section now.
    var statusReport: RedisStatusReport {
        switch self {
        case .disabled: .off
        case .unusable(let component): component.statusReport
        case .running(let component): component.statusReport
        }
    }

    /// The Redis numbers of `/metrics` now (all zero without a running component).
    var sample: RedisSample {
        guard case .running(let component) = self else { return RedisSample() }
        let metrics = component.metrics
        var sample = RedisSample()
        sample.commands = metrics.links.commands
        sample.commandFailures = metrics.links.failures
        sample.reconnects = metrics.links.reconnects
        sample.connectFailures = metrics.links.connectFailures
        sample.entriesHandled = metrics.requests.handled
        sample.entriesRejected = metrics.requests.rejected
        sample.discoveryRounds = metrics.discovery.rounds
        sample.lastRoundCommands = metrics.discovery.lastRoundCommands
        sample.sweeps = metrics.discovery.sweeps
        sample.lastSweepScanCalls = metrics.discovery.lastSweepScanCalls
        sample.heartbeatsSkipped = metrics.discovery.skippedHeartbeats
        sample.connected = component.statusReport.state == RedisStatusReport.connected
        let timings = component.requestTimings
        sample.requestFailures = timings.failures
        sample.impersonatedReplies = timings.impersonations
        let events = component.sessionEvents
        sample.eventsPushed = events.pushed
        sample.eventsReceived = events.received
        sample.eventsRejected = events.rejected
        sample.eventsDropped = events.dropped
        return sample
    }
}
