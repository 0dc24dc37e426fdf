import Synchronization

/// What a component that serves, but not fully, says about it (Redis configured but unreachable):
/// one line per component, which the supervisor appends to systemd's `STATUS=` while it holds.
public final class ComponentConditions: Sendable {
    private struct State {
        var notes: [String: String] = [:]
        /// Fired at the next change, then replaced.
        var changed = AsyncEvent()
    }

    private let state = Mutex(State())

    public init() {}

    /// Sets (or with nil clears) `name`'s condition; a change wakes whoever waits on ``nextChange``.
    public func set(_ name: String, _ text: String?) {
        let fired = state.withLock { state -> AsyncEvent? in
            guard state.notes[name] != text else { return nil }
            state.notes[name] = text
            defer { state.changed = AsyncEvent() }
            return state.changed
        }
        fired?.fire()
    }

    /// The conditions now, by component name.
    public var current: [(name: String, text: String)] {
        state.withLock { $0.notes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// `name`'s condition now, if any.
    public func condition(of name: String) -> String? { state.withLock { $0.notes[name] } }

    /// An event that fires at the next change after this call.
    public var nextChange: AsyncEvent { state.withLock { $0.changed } }
}
