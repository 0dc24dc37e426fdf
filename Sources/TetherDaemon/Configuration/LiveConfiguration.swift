import Synchronization

/// The configuration in force, shared by everything that reads settings at use time, so a reload
/// reaches every reader at once. Only the supervisor writes it.
public final class LiveConfiguration: Sendable {
    private let value: Mutex<TetherConfiguration>

    public init(_ configuration: TetherConfiguration) { value = Mutex(configuration) }

    public var current: TetherConfiguration { value.withLock { $0 } }

    func replace(with configuration: TetherConfiguration) { value.withLock { $0 = configuration } }
}

extension TetherConfiguration {
    /// `self` with the sections a running daemon can apply taken from `new`; the rest waits for a restart.
    func applyingLiveSections(of new: TetherConfiguration) -> TetherConfiguration {
        var merged = self
        merged.logging = new.logging
        merged.polling = new.polling
        merged.timeouts = new.timeouts
        merged.limits = new.limits
        merged.agents = new.agents
        return merged
    }
}
