import TetherCore

/// The settings port over the Python daemon's `system_settings(key, value, updated_at)` table.
extension SessionStore: SettingsStore {
    public func value(forKey key: String) async throws(SettingsError) -> String? {
        try SettingsLimits.check(key: key)
        return try await settingsCall(key: key, "read") { db in
            var value: String?
            try db.run("SELECT value FROM system_settings WHERE key = ?", [.text(key)]) { value = $0.text(0) }
            return value
        }
    }

    public func setValue(_ value: String, forKey key: String) async throws(SettingsError) {
        try SettingsLimits.check(key: key)
        try SettingsLimits.check(value: value, key: key)
        // The Python daemon writes updated_at as wall-clock ISO text; so do we, for its readers.
        // The store has no time source of its own: `updated_at` is informational (the Python
        // daemon's column), never compared, so the system's wall clock is the right one.
        let updatedAt = Timestamp.now().iso8601
        try await settingsCall(key: key, "write") { db in
            try db.run(
                "INSERT INTO system_settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [.text(key), .text(value), .text(updatedAt)]
            )
        }
    }

    public func removeValue(forKey key: String) async throws(SettingsError) {
        try SettingsLimits.check(key: key)
        try await settingsCall(key: key, "remove") { db in
            try db.run("DELETE FROM system_settings WHERE key = ?", [.text(key)])
        }
    }

    /// Runs `body` on the store's thread and turns its failure into a ``SettingsError`` naming the key.
    private func settingsCall<T: Sendable>(key: String, _ verb: String, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws(SettingsError) -> T {
        do {
            return try await perform(body)
        } catch let error as TetherError where error.code == .unavailable {
            throw SettingsError(.unavailable, key: key, "cannot \(verb) it: the session store is closed", underlying: error)
        } catch {
            throw SettingsError(.failed, key: key, "cannot \(verb) it in the session store \(path): \(error)", underlying: error)
        }
    }
}
