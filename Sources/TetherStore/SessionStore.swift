import Foundation
import Logging
import TetherCore

/// Sessions and settings in SQLite (the system libsqlite3), on a thread of the store's own.
///
/// WAL journal, `synchronous=NORMAL`, a busy timeout, versioned migrations, indexes for computer,
/// status and last activity, and one filtered query, ``sessions(statuses:computer:limit:)``, that
/// every caller uses. No call holds a cooperative-pool thread: each runs on the store's
/// ``BlockingWorker`` while the caller suspends.
public final class SessionStore: Sendable {
    /// How long a write waits for another connection's lock before failing. The only other writer
    /// is an operator's `sqlite3` or a Python daemon on the same file, whose transactions take
    /// milliseconds; 5 s rides out a slow disk's checkpoint while a truly stuck lock still surfaces
    /// as a clear error instead of a hung store thread.
    public static let busyTimeout: Duration = .seconds(5)

    public let path: String
    private let worker: BlockingWorker
    private let connection: ConnectionBox

    /// Only the worker thread touches the connection; the box lets it cross into the worker's jobs.
    private final class ConnectionBox: @unchecked Sendable {
        let db: SQLiteConnection
        init(_ db: SQLiteConnection) { self.db = db }
    }

    private init(path: String, worker: BlockingWorker, connection: ConnectionBox) {
        self.path = path
        self.worker = worker
        self.connection = connection
    }

    /// Opens (creating if needed) the database at `path`, making its directory with mode 0700, and migrates it.
    public static func open(path: String, logger: Logger) async throws -> SessionStore {
        let worker = BlockingWorker(name: "tether-store")
        do {
            let (box, ran) = try await worker.run { () throws -> (ConnectionBox, [String]) in
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                    do {
                        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                    } catch {
                        throw TetherError(.store, "cannot create the directory \(directory) for the session store: \(error.localizedDescription); create it or set database.path", underlying: error)
                    }
                }
                let db = try SQLiteConnection(path: path, busyTimeout: busyTimeout)
                try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
                let ran = try migrate(db)
                return (ConnectionBox(db), ran)
            }
            if !ran.isEmpty {
                logger.info("session store migrated", metadata: ["db.path": "\(path)", "db.migrations": "\(ran.joined(separator: ","))"])
            }
            return SessionStore(path: path, worker: worker, connection: box)
        } catch {
            await worker.stop()
            throw error
        }
    }

    /// Finishes queued work and closes the database.
    public func close() async {
        _ = try? await worker.run { [connection] in connection.db.close() }
        await worker.stop()
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await worker.run { [connection] in try body(connection.db) }
    }

    // MARK: Sessions

    /// Inserts the row or replaces every column of an existing one.
    public func save(_ record: SessionRecord) async throws {
        let values = Self.values(of: record)
        try await perform { db in
            let names = Self.columns.joined(separator: ", ")
            let marks = Array(repeating: "?", count: Self.columns.count).joined(separator: ", ")
            let updates = Self.columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            try db.run("INSERT INTO sessions (\(names)) VALUES (\(marks)) ON CONFLICT(session_id) DO UPDATE SET \(updates)", values)
        }
    }

    /// One row by id, or nil.
    public func session(id: String) async throws -> SessionRecord? {
        try await perform { db in
            var found: SessionRecord?
            try db.run("SELECT \(Self.columns.joined(separator: ", ")) FROM sessions WHERE session_id = ?", [.text(id)]) {
                found = Self.record(from: $0)
            }
            return found
        }
    }

    /// The one session query: rows with one of `statuses` (all when nil) on `computer` (all when nil),
    /// newest activity first, at most `limit`.
    public func sessions(statuses: Set<SessionStatus>? = nil, computer: String? = nil, limit: Int? = nil) async throws -> [SessionRecord] {
        var conditions: [String] = []
        var values: [SQLiteConnection.Value] = []
        if let statuses {
            guard !statuses.isEmpty else { return [] }
            conditions.append("status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ", ")))")
            values += statuses.map(\.rawValue).sorted().map { .text($0) }
        }
        if let computer {
            conditions.append("computer_name = ?")
            values.append(.text(computer))
        }
        var sql = "SELECT \(Self.columns.joined(separator: ", ")) FROM sessions"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY last_activity DESC, session_id"
        if let limit {
            sql += " LIMIT ?"
            values.append(.int(max(0, limit)))
        }
        return try await perform { [sql, values] db in
            var rows: [SessionRecord] = []
            try db.run(sql, values) { row in
                if let record = Self.record(from: row) { rows.append(record) }
            }
            return rows
        }
    }

    /// Whether a row uses this tmux name on this computer (the UNIQUE pair).
    public func tmuxNameTaken(_ name: String, computer: String) async throws -> Bool {
        try await perform { db in
            var taken = false
            try db.run("SELECT 1 FROM sessions WHERE computer_name = ? AND tmux_session_name = ?", [.text(computer), .text(name)]) { _ in taken = true }
            return taken
        }
    }

    /// The migrations recorded as applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await perform { db in
            var versions: [String] = []
            try db.run("SELECT version FROM schema_migrations ORDER BY rowid") { versions.append($0.text(0) ?? "") }
            return versions
        }
    }

    // MARK: Row mapping

    private static func values(of r: SessionRecord) -> [SQLiteConnection.Value] {
        [
            .text(r.sessionID), .text(r.computerName), .text(r.title), .text(r.tmuxSessionName), .text(r.originAdapter),
            .text(r.adapterMetadata), .text(r.createdAt.iso8601), .text(r.lastActivity.iso8601), .text(r.workingDirectory),
            .text(r.activeAgent), .text(r.thinkingMode), .text(r.nativeSessionID), .text(r.nativeLogFile),
            .text(r.nativeTTYPath), .text(r.tmuxTTYPath), .int(r.nativePID), .text(r.lastMessageSent),
            .text(r.lastFeedbackReceived), .text(r.initiatorSessionID), .text(r.workingSlug), .text(r.description),
            .text(r.outputMessageID), .text(r.lastInputAdapter), .int(r.notificationSent ? 1 : 0), .text(r.tuiLogFile),
            .int(r.tuiCaptureStarted ? 1 : 0), .text(r.terminalSize), .int(r.initiatedByAI ? 1 : 0),
            .text(r.lastMessageSentAt?.iso8601), .text(r.lastFeedbackReceivedAt?.iso8601),
            .text(r.status.rawValue), .text(r.closedAt?.iso8601), .text(r.finalScreen), .int(r.exitStatus),
            .text(r.exitReason), .real(r.cpuSeconds), .int(r.memoryBytes),
        ]
    }

    /// A row as a record; nil (and skipped by callers) when its id, computer or tmux name is missing.
    /// An unknown status reads as `active`, the only status a Python daemon wrote.
    private static func record(from row: SQLiteConnection.Row) -> SessionRecord? {
        guard let id = row.text(0), let computer = row.text(1), let tmuxName = row.text(3) else { return nil }
        let created = row.text(6).flatMap(Timestamp.init(iso8601:)) ?? Timestamp(microseconds: 0)
        var r = SessionRecord(sessionID: id, computerName: computer, tmuxSessionName: tmuxName, createdAt: created)
        r.title = row.text(2)
        r.originAdapter = row.text(4) ?? "telegram"
        r.adapterMetadata = row.text(5)
        r.lastActivity = row.text(7).flatMap(Timestamp.init(iso8601:)) ?? created
        r.workingDirectory = row.text(8) ?? "~"
        r.activeAgent = row.text(9)
        r.thinkingMode = row.text(10)
        r.nativeSessionID = row.text(11)
        r.nativeLogFile = row.text(12)
        r.nativeTTYPath = row.text(13)
        r.tmuxTTYPath = row.text(14)
        r.nativePID = row.int(15)
        r.lastMessageSent = row.text(16)
        r.lastFeedbackReceived = row.text(17)
        r.initiatorSessionID = row.text(18)
        r.workingSlug = row.text(19)
        r.description = row.text(20)
        r.outputMessageID = row.text(21)
        r.lastInputAdapter = row.text(22)
        r.notificationSent = (row.int(23) ?? 0) != 0
        r.tuiLogFile = row.text(24)
        r.tuiCaptureStarted = (row.int(25) ?? 0) != 0
        r.terminalSize = row.text(26)
        r.initiatedByAI = (row.int(27) ?? 0) != 0
        r.lastMessageSentAt = row.text(28).flatMap(Timestamp.init(iso8601:))
        r.lastFeedbackReceivedAt = row.text(29).flatMap(Timestamp.init(iso8601:))
        r.status = row.text(30).flatMap(SessionStatus.init(rawValue:)) ?? .active
        r.closedAt = row.text(31).flatMap(Timestamp.init(iso8601:))
        r.finalScreen = row.text(32)
        r.exitStatus = row.int(33)
        r.exitReason = row.text(34)
        r.cpuSeconds = row.real(35)
        r.memoryBytes = row.int(36)
        return r
    }
}
