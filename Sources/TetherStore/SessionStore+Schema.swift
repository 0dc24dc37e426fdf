import TetherCore

extension SessionStore {
    /// The Python daemon's `sessions` columns (PROTOCOL.md §7), in the order the store reads them,
    /// followed by Tether's own.
    static let columns = [
        "session_id", "computer_name", "title", "tmux_session_name", "origin_adapter", "adapter_metadata",
        "created_at", "last_activity", "working_directory", "active_agent", "thinking_mode",
        "native_session_id", "native_log_file", "native_tty_path", "tmux_tty_path", "native_pid",
        "last_message_sent", "last_feedback_received", "initiator_session_id", "working_slug", "description",
        "output_message_id", "last_input_adapter", "notification_sent", "tui_log_file", "tui_capture_started",
        "terminal_size", "initiated_by_ai", "last_message_sent_at", "last_feedback_received_at",
        "status", "closed_at", "final_screen", "exit_status", "exit_reason", "cpu_seconds", "memory_bytes",
    ]

    /// The base schema: the Python daemon's tables as its `schema.sql` plus migrations 001 and 002 leave
    /// them, so a database either daemon created opens in the other.
    static let baseSchema = """
        CREATE TABLE IF NOT EXISTS sessions (
            session_id TEXT PRIMARY KEY,
            computer_name TEXT NOT NULL,
            title TEXT,
            tmux_session_name TEXT NOT NULL,
            origin_adapter TEXT NOT NULL DEFAULT 'telegram',
            adapter_metadata TEXT,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            last_activity TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            terminal_size TEXT DEFAULT '80x24',
            working_directory TEXT DEFAULT '~',
            description TEXT,
            initiated_by_ai BOOLEAN DEFAULT 0,
            output_message_id TEXT,
            last_input_adapter TEXT,
            notification_sent INTEGER DEFAULT 0,
            native_session_id TEXT,
            native_log_file TEXT,
            native_tty_path TEXT,
            tmux_tty_path TEXT,
            native_pid INTEGER,
            active_agent TEXT,
            thinking_mode TEXT,
            tui_log_file TEXT,
            tui_capture_started INTEGER DEFAULT 0,
            last_message_sent TEXT,
            last_message_sent_at TEXT,
            last_feedback_received TEXT,
            last_feedback_received_at TEXT,
            initiator_session_id TEXT,
            working_slug TEXT,
            UNIQUE(computer_name, tmux_session_name)
        );
        CREATE TABLE IF NOT EXISTS system_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version TEXT PRIMARY KEY,
            applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );
        """

    /// A versioned change; `apply` must be safe on a database where a Python daemon made part of it.
    struct Migration: Sendable {
        let version: String
        let apply: @Sendable (SQLiteConnection) throws -> Void
    }

    static let migrations: [Migration] = [
        // The Python daemon's own two: their columns are in the base schema; an old Python database gets them here.
        Migration(version: "001_add_ux_columns") { db in
            try addColumns(db, ["last_message_sent": "TEXT", "last_message_sent_at": "TEXT",
                                "last_feedback_received": "TEXT", "last_feedback_received_at": "TEXT"])
        },
        Migration(version: "002_add_working_slug") { db in
            try addColumns(db, ["working_slug": "TEXT"])
        },
        // The Python daemon's planned 003, so its later versions find the column they expect.
        Migration(version: "003_add_closed_at") { db in
            try addColumns(db, ["closed_at": "TIMESTAMP"])
        },
        Migration(version: "tether_001_status") { db in
            try addColumns(db, ["status": "TEXT NOT NULL DEFAULT 'active'", "final_screen": "TEXT", "exit_status": "INTEGER"])
            try db.execute("""
                CREATE INDEX IF NOT EXISTS idx_sessions_computer ON sessions(computer_name);
                CREATE INDEX IF NOT EXISTS idx_sessions_status ON sessions(status);
                CREATE INDEX IF NOT EXISTS idx_sessions_last_activity ON sessions(last_activity);
                """)
        },
        Migration(version: "tether_002_accounting") { db in
            try addColumns(db, ["exit_reason": "TEXT", "cpu_seconds": "REAL", "memory_bytes": "INTEGER"])
        },
    ]

    private static func addColumns(_ db: SQLiteConnection, _ columns: [String: String]) throws {
        let existing = try db.columns(of: "sessions")
        for (name, type) in columns.sorted(by: { $0.key < $1.key }) where !existing.contains(name) {
            try db.execute("ALTER TABLE sessions ADD COLUMN \(name) \(type)")
        }
    }

    static func migrate(_ db: SQLiteConnection) throws -> [String] {
        try db.execute(baseSchema)
        var applied: Set<String> = []
        try db.run("SELECT version FROM schema_migrations") { applied.insert($0.text(0) ?? "") }
        var ran: [String] = []
        for migration in migrations where !applied.contains(migration.version) {
            try db.transaction {
                try migration.apply(db)
                try db.run("INSERT INTO schema_migrations(version) VALUES (?)", [.text(migration.version)])
            }
            ran.append(migration.version)
        }
        return ran
    }
}
