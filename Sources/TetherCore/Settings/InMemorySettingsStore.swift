import Synchronization

/// A ``SettingsStore`` in memory, for unit tests of adapters: the same key and value checks as the
/// real store, and ``close()`` to see how a caller copes with a store that went away.
public final class InMemorySettingsStore: SettingsStore {
    private struct State {
        var values: [String: String] = [:]
        var closed = false
    }

    private let state: Mutex<State>

    /// A store holding `values` (checked as ``setValue(_:forKey:)`` would check them, by the caller).
    public init(_ values: [String: String] = [:]) {
        state = Mutex(State(values: values))
    }

    public func value(forKey key: String) async throws(SettingsError) -> String? {
        try SettingsLimits.check(key: key)
        return try withOpenState(key: key) { $0.values[key] }
    }

    public func setValue(_ value: String, forKey key: String) async throws(SettingsError) {
        try SettingsLimits.check(key: key)
        try SettingsLimits.check(value: value, key: key)
        try withOpenState(key: key) { $0.values[key] = value }
    }

    public func removeValue(forKey key: String) async throws(SettingsError) {
        try SettingsLimits.check(key: key)
        try withOpenState(key: key) { $0.values[key] = nil }
    }

    /// Every later call fails with ``SettingsError/Code/unavailable``, as the real store's do after it closes.
    public func close() {
        state.withLock { $0.closed = true }
    }

    /// What the store holds now, for assertions.
    public var snapshot: [String: String] { state.withLock { $0.values } }

    private func withOpenState<T>(key: String, _ body: (inout State) -> T) throws(SettingsError) -> T {
        let result = state.withLock { state -> T? in
            state.closed ? nil : body(&state)
        }
        guard let result else {
            throw SettingsError(.unavailable, key: key, "the settings store is closed; the daemon is stopping")
        }
        return result
    }
}
