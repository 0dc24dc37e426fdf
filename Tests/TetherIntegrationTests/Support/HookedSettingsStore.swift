import Synchronization
import TetherCore

/// An in-memory settings store that runs `hook` once, on the first save, before storing: the
/// request-stream test's way to land an entry between `$` resolution and the first read.
final class HookedSettingsStore: SettingsStore {
    private let inner = InMemorySettingsStore()
    private let hook: @Sendable () async throws -> Void
    private let fired = Mutex(false)

    init(_ hook: @escaping @Sendable () async throws -> Void) { self.hook = hook }

    func value(forKey key: String) async throws(SettingsError) -> String? { try await inner.value(forKey: key) }

    func setValue(_ value: String, forKey key: String) async throws(SettingsError) {
        let first = fired.withLock { fired in
            defer { fired = true }
            return !fired
        }
        if first { try? await hook() }
        try await inner.setValue(value, forKey: key)
    }

    func removeValue(forKey key: String) async throws(SettingsError) { try await inner.removeValue(forKey: key) }
}
