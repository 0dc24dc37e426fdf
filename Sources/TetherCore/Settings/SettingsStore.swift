/// Small string values kept by key across restarts (a stream cursor, a chat registry): the port
/// through which an adapter persists its position without importing the store.
///
/// The daemon's implementation is the session store's `system_settings` table, which the Python
/// daemon shares (PROTOCOL.md §7), so keys keep the names it uses (`redis_last_message_id:{computer}`).
/// Errors name the key and never the value, which may be a secret.
public protocol SettingsStore: Sendable {
    /// The value stored under `key`, or nil when there is none.
    func value(forKey key: String) async throws(SettingsError) -> String?
    /// Stores `value` under `key`, replacing any earlier one; it survives a restart once this returns.
    func setValue(_ value: String, forKey key: String) async throws(SettingsError)
    /// Removes the value under `key`; removing an absent key is not an error.
    func removeValue(forKey key: String) async throws(SettingsError)
}

/// The limits every ``SettingsStore`` applies before touching its storage, so an adapter finds a bad
/// key in a unit test against the in-memory store rather than in production.
public enum SettingsLimits {
    /// Longest key in UTF-8 bytes. Keys are names such as `redis_last_message_id:{computer}`; a
    /// computer name is short, so 256 leaves room while refusing a value passed as a key by mistake.
    public static let maximumKeyBytes = 256
    /// Largest value in UTF-8 bytes. The largest value the Python daemon keeps is its chat registry
    /// (`ux_state`, a few KiB); 1 MiB bounds what one setting can hold in memory on every read.
    public static let maximumValueBytes = 1 << 20

    /// Throws when `key` is empty, too long or holds a NUL (SQLite binds text up to the first NUL,
    /// so such a key would silently name another).
    public static func check(key: String) throws(SettingsError) {
        let bytes = key.utf8
        guard !bytes.isEmpty else {
            throw SettingsError(.invalidKey, key: key, "a setting key is empty; name the setting")
        }
        guard bytes.count <= maximumKeyBytes else {
            throw SettingsError(.invalidKey, key: String(key.prefix(32)) + "…",
                                "a setting key is \(bytes.count) bytes, more than \(maximumKeyBytes); use a shorter name")
        }
        guard !bytes.contains(0) else {
            throw SettingsError(.invalidKey, key: key, "a setting key contains a NUL byte; remove it")
        }
    }

    /// Throws when `value` is too large or holds a NUL (which SQLite would cut the value at).
    public static func check(value: String, key: String) throws(SettingsError) {
        let bytes = value.utf8
        guard bytes.count <= maximumValueBytes else {
            throw SettingsError(.invalidValue, key: key,
                                "the value is \(bytes.count) bytes, more than \(maximumValueBytes); store less or keep it elsewhere")
        }
        guard !bytes.contains(0) else {
            throw SettingsError(.invalidValue, key: key, "the value contains a NUL byte, which the store would cut it at; encode it")
        }
    }
}
