import CSQLite
import TetherCore

/// One SQLite connection, used only from its store's worker thread.
///
/// A thin layer: prepare, bind, step, read columns. Every failure is a ``TetherError`` with code
/// `.store` naming the database file and SQLite's own message.
final class SQLiteConnection {
    /// A bindable value.
    enum Value {
        case text(String?)
        case int(Int?)
        case real(Double?)
    }

    let path: String
    private var handle: OpaquePointer?

    init(path: String, busyTimeout: Duration) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw TetherError(.store, "cannot open the session store \(path): \(message); check that the directory exists and is writable by the daemon's user")
        }
        handle = db
        sqlite3_busy_timeout(db, Int32(clamping: busyTimeout.milliseconds))
    }

    deinit { sqlite3_close(handle) }

    func close() {
        sqlite3_close(handle)
        handle = nil
    }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw failure("\(message) (in: \(sql.prefix(80)))")
        }
    }

    /// Runs one statement with `values` bound in order, calling `row` for each result row.
    func run(_ sql: String, _ values: [Value] = [], row: ((Row) throws -> Void)? = nil) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw failure("cannot prepare: \(sql.prefix(80))") }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .text(let text?): sqlite3_bind_text(statement, index, text, -1, sqliteTransient)
            case .int(let number?): sqlite3_bind_int64(statement, index, Int64(number))
            case .real(let number?): sqlite3_bind_double(statement, index, number)
            case .text(nil), .int(nil), .real(nil): sqlite3_bind_null(statement, index)
            }
        }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: try row?(Row(statement: statement))
            case SQLITE_DONE: return
            default: throw failure("cannot run: \(sql.prefix(80))")
            }
        }
    }

    func transaction(_ body: () throws -> Void) throws {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Names of the columns of `table`.
    func columns(of table: String) throws -> Set<String> {
        var names: Set<String> = []
        try run("PRAGMA table_info(\(table))") { names.insert($0.text(1) ?? "") }
        return names
    }

    private func failure(_ context: String) -> TetherError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        return TetherError(.store, "session store \(path): \(message); \(context)")
    }

    /// One result row; column indexes start at 0.
    struct Row {
        let statement: OpaquePointer?

        func text(_ column: Int32) -> String? {
            guard sqlite3_column_type(statement, column) != SQLITE_NULL, let bytes = sqlite3_column_text(statement, column) else { return nil }
            return String(cString: bytes)
        }

        func real(_ column: Int32) -> Double? {
            guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
            return sqlite3_column_double(statement, column)
        }

        func int(_ column: Int32) -> Int? {
            guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
            return Int(sqlite3_column_int64(statement, column))
        }
    }
}

/// SQLite's SQLITE_TRANSIENT: copy the bound bytes now.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
