import Foundation
import Logging
import Testing
import TetherCore
import TetherStore

/// The store on real SQLite files.
@Suite(.timeLimit(.minutes(2))) struct SessionStoreTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func record(_ index: Int, computer: String, status: SessionStatus, activity: Int64) -> SessionRecord {
        let id = String(format: "%08x-0000-4000-8000-%012x", index, index)
        var record = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: SessionRecord.tmuxName(for: id),
                                   createdAt: Timestamp(microseconds: 1_700_000_000_000_000))
        record.status = status
        record.lastActivity = Timestamp(microseconds: 1_700_000_000_000_000 + activity)
        return record
    }

    @Test func oneQueryFiltersByStatusComputerAndLimitNewestFirst() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SessionStore.open(path: dir.file("db/tether.db"), logger: logger)
        let statuses: [SessionStatus] = [.active, .idle, .exited, .closed]
        for index in 0..<40 {
            try await store.save(record(index, computer: index % 2 == 0 ? "a" : "b", status: statuses[index % 4], activity: Int64(index)))
        }
        let all = try await store.sessions()
        #expect(all.count == 40)
        #expect(all.map(\.lastActivity) == all.map(\.lastActivity).sorted(by: >))
        let liveOnA = try await store.sessions(statuses: [.active, .idle], computer: "a")
        #expect(liveOnA.count == 10 && liveOnA.allSatisfy { $0.computerName == "a" && $0.status == .active })
        let idleOnB = try await store.sessions(statuses: [.idle], computer: "b")
        #expect(idleOnB.count == 10 && idleOnB.allSatisfy { $0.status == .idle })
        let newestThree = try await store.sessions(computer: "b", limit: 3)
        #expect(newestThree.map(\.lastActivity.microseconds) == [1_700_000_000_000_039, 1_700_000_000_000_037, 1_700_000_000_000_035])
        #expect(try await store.sessions(statuses: []).isEmpty)
        await store.close()
    }

    @Test func everyFieldSurvivesAReopenAndMigrationsRunOnce() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("tether.db")
        var original = record(7, computer: "MozMini", status: .exited, activity: 5)
        original.title = "proj: $MozMini - it's \"quoted\""
        original.adapterMetadata = #"{"redis":{"target_computer":"peer"}}"#
        original.activeAgent = "claude"
        original.thinkingMode = "deep"
        original.nativePID = 4242
        original.notificationSent = true
        original.lastMessageSent = "line one\nline two"
        original.lastMessageSentAt = Timestamp(microseconds: 1_700_000_001_000_000)
        original.closedAt = Timestamp(microseconds: 1_700_000_002_000_000)
        original.finalScreen = "$ exit\n"
        original.exitStatus = 3
        original.exitReason = "oom-kill"
        original.cpuSeconds = 1.25
        original.memoryBytes = 4096
        let first = try await SessionStore.open(path: path, logger: logger)
        try await first.save(original)
        try await first.setValue("1700000000000-0", forKey: "redis_last_message_id:MozMini")
        await first.close()

        let second = try await SessionStore.open(path: path, logger: logger)
        #expect(try await second.session(id: original.sessionID) == original)
        #expect(try await second.value(forKey: "redis_last_message_id:MozMini") == "1700000000000-0")
        #expect(try await second.value(forKey: "absent") == nil)
        #expect(try await second.appliedMigrations() == ["001_add_ux_columns", "002_add_working_slug", "003_add_closed_at", "tether_001_status", "tether_002_accounting"])
        #expect(try await second.tmuxNameTaken(original.tmuxSessionName, computer: "MozMini"))
        #expect(try await !second.tmuxNameTaken(original.tmuxSessionName, computer: "other"))
        await second.close()
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        #expect(mode == .typeRegular)
    }

    @Test func opensADatabaseThePythonDaemonLeftAndReadsItsRowsAsActive() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("teleclaude.db")
        // The Python daemon's table before its migrations, with one row.
        let made = try await shell("""
            sqlite3 \(path) "CREATE TABLE sessions (session_id TEXT PRIMARY KEY, computer_name TEXT NOT NULL, title TEXT, \
            tmux_session_name TEXT NOT NULL, origin_adapter TEXT NOT NULL DEFAULT 'telegram', adapter_metadata TEXT, \
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_activity TIMESTAMP DEFAULT CURRENT_TIMESTAMP, \
            terminal_size TEXT DEFAULT '80x24', working_directory TEXT DEFAULT '~', description TEXT, \
            initiated_by_ai BOOLEAN DEFAULT 0, output_message_id TEXT, last_input_adapter TEXT, notification_sent INTEGER DEFAULT 0, \
            native_session_id TEXT, native_log_file TEXT, native_tty_path TEXT, tmux_tty_path TEXT, native_pid INTEGER, \
            active_agent TEXT, thinking_mode TEXT, tui_log_file TEXT, tui_capture_started INTEGER DEFAULT 0, \
            initiator_session_id TEXT, UNIQUE(computer_name, tmux_session_name)); \
            INSERT INTO sessions(session_id, computer_name, tmux_session_name, created_at) VALUES ('abc', 'MozMini', 'tc_abc', '2026-01-11 21:52:03');"
            """)
        guard made.status == 0 else {
            // sqlite3's command-line tool is not a dependency; without it the case cannot be built here.
            return
        }
        let store = try await SessionStore.open(path: path, logger: logger)
        let row = try #require(try await store.session(id: "abc"))
        #expect(row.status == .active)
        #expect(row.createdAt == Timestamp(iso8601: "2026-01-11T21:52:03+00:00"))
        #expect(row.lastMessageSent == nil && row.workingSlug == nil)
        await store.close()
    }

    /// An adapter sees only the port: what it writes through it is there after a reopen, a removal
    /// sticks, and the store's `system_settings` rows are the Python daemon's (key, value, updated_at).
    @Test func settingsRoundTripThroughThePortAndSurviveAReopen() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("tether.db")
        let cursor = "redis_last_message_id:MozMini"
        let store = try await SessionStore.open(path: path, logger: logger)
        let first: any SettingsStore = store
        #expect(try await first.value(forKey: cursor) == nil)
        try await first.setValue("1768168301123-0", forKey: cursor)
        try await first.setValue("1768168301124-0", forKey: cursor)
        try await first.setValue("gone soon", forKey: "scratch")
        try await first.removeValue(forKey: "scratch")
        try await first.removeValue(forKey: "never-set")
        let unicode = "ünïcödé ✓ 'quoted' \"with\" newline\n"
        try await first.setValue(unicode, forKey: "ux_state")
        await store.close()

        let second = try await SessionStore.open(path: path, logger: logger)
        let port: any SettingsStore = second
        #expect(try await port.value(forKey: cursor) == "1768168301124-0", "the last write wins")
        #expect(try await port.value(forKey: "scratch") == nil)
        #expect(try await port.value(forKey: "ux_state") == unicode)
        await second.close()

        let python = try await shell("sqlite3 \(path) \"SELECT key || '|' || value || '|' || (updated_at IS NOT NULL) FROM system_settings WHERE key = '\(cursor)'\"")
        if python.status == 0 {  // sqlite3's command-line tool is not a dependency
            #expect(python.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(cursor)|1768168301124-0|1")
        }
    }

    @Test func settingsRefuseBadKeysAndValuesAndAClosedStoreByCode() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SessionStore.open(path: dir.file("tether.db"), logger: logger)
        let tooLong = String(repeating: "k", count: SettingsLimits.maximumKeyBytes + 1)
        for (key, value) in [("", "x"), ("a\0b", "x"), (tooLong, "x"), ("k", "a\0b")] {
            do throws(SettingsError) {
                try await store.setValue(value, forKey: key)
                Issue.record("stored a bad key or value")
            } catch {
                #expect(error.code == (value == "x" ? .invalidKey : .invalidValue))
            }
        }
        #expect(try await store.value(forKey: "k") == nil, "nothing refused was stored")
        await store.close()
        do throws(SettingsError) {
            try await store.setValue("1-0", forKey: "redis_last_message_id:x")
            Issue.record("wrote to a closed store")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.key == "redis_last_message_id:x")
            #expect(!error.description.contains("1-0"), "errors never carry the value")
        }
    }

    @Test func anUnwritableLocationIsAClearError() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("file", "not a directory")
        do {
            _ = try await SessionStore.open(path: dir.file("file/tether.db"), logger: logger)
            Issue.record("opened a database under a regular file")
        } catch let error as TetherError {
            #expect(error.code == .store)
            #expect(error.message.contains(dir.file("file")))
        }
    }
}
