import Testing
import TetherCore

/// The in-memory settings port behaves as the SQLite one does (that one is tested against real
/// files in `SessionStoreTests`), so adapters can be unit-tested against it.
@Suite(.timeLimit(.minutes(1))) struct InMemorySettingsStoreTests {
    @Test func valuesRoundTripAndRemovalsStick() async throws {
        let store: any SettingsStore = InMemorySettingsStore(["kept": "1"])
        #expect(try await store.value(forKey: "kept") == "1")
        #expect(try await store.value(forKey: "redis_last_message_id:a") == nil)
        try await store.setValue("5-0", forKey: "redis_last_message_id:a")
        try await store.setValue("6-0", forKey: "redis_last_message_id:a")
        #expect(try await store.value(forKey: "redis_last_message_id:a") == "6-0")
        try await store.removeValue(forKey: "kept")
        try await store.removeValue(forKey: "never-set")
        #expect(try await store.value(forKey: "kept") == nil)
    }

    /// The code `body` failed with, or nil when it did not fail.
    static func failure(_ body: () async throws -> Void) async -> SettingsError.Code? {
        do {
            try await body()
            return nil
        } catch let error as SettingsError {
            return error.code
        } catch {
            Issue.record("not a SettingsError: \(error)")
            return nil
        }
    }

    @Test func badKeysAndValuesAreRefusedWithTheirCode() async {
        let store = InMemorySettingsStore()
        #expect(await Self.failure { _ = try await store.value(forKey: "") } == .invalidKey)
        #expect(await Self.failure { try await store.removeValue(forKey: "a\0b") } == .invalidKey)
        #expect(await Self.failure { try await store.setValue("x\0", forKey: "k") } == .invalidValue)
        let huge = String(repeating: "v", count: SettingsLimits.maximumValueBytes + 1)
        #expect(await Self.failure { try await store.setValue(huge, forKey: "k") } == .invalidValue)
        #expect(store.snapshot.isEmpty, "nothing refused was stored")
    }

    @Test func aClosedStoreSaysSoAndNeverEchoesTheValue() async {
        let store = InMemorySettingsStore()
        store.close()
        do throws(SettingsError) {
            try await store.setValue("secret-token", forKey: "redis.password")
            Issue.record("wrote to a closed store")
        } catch {
            #expect(error.code == .unavailable)
            #expect(!error.description.contains("secret-token"))
        }
    }
}
