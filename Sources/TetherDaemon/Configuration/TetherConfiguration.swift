import Logging
import TetherCore

/// The whole configuration: a tree of values, each with a default, loaded once and passed down.
///
/// Key names follow the YAML file (`config/tether.yml` documents each); the `computer`, `database`,
/// `redis` and `agents` sections mean what they mean in the Python daemon's `config.yml`.
public struct TetherConfiguration: Sendable, Equatable {
    public var computer: Computer
    public var database: Database
    public var redis: Redis
    public var api: API
    public var polling: Polling
    public var timeouts: Timeouts
    public var limits: Limits
    public var logging: Logging
    public var agents: [String: Agent]

    public struct TrustedDirectory: Sendable, Equatable {
        public var name: String
        public var desc: String
        public var path: String

        public init(name: String, desc: String, path: String) {
            self.name = name
            self.desc = desc
            self.path = path
        }
    }

    public struct Computer: Sendable, Equatable {
        public var name: String
        public var user: String
        public var role = "development"
        public var defaultWorkingDir = "~"
        public var tmuxBinary = "tmux"
        public var tmuxSocket = "tether"
        /// `auto`: under a systemd manager, the tmux server runs in a unit of its own and each session
        /// in a scope of its own; `off`: never.
        public var systemdUnits = "auto"
        public var trustedDirs: [TrustedDirectory] = []
    }

    public struct Database: Sendable, Equatable {
        public var path: String
    }

    public struct Redis: Sendable, Equatable {
        public var enabled = false
        public var url = "redis://127.0.0.1:6379"
        /// Secret: never logged, never printed.
        public var password = ""
        public var passwordFile = ""
        /// Verify the server's certificate (system store or `tlsCAFile`) and host name over rediss://.
        public var tlsVerify = true
        /// A PEM file of CA certificates trusted instead of the system store; empty: the system store.
        public var tlsCAFile = ""
        /// Seconds between SCAN sweeps for peers that write no index (the Python daemons).
        public var discoverySweep = 300.0
    }

    public struct API: Sendable, Equatable {
        public var socket: String
        public var socketMode: UInt16 = 0o600
        /// Messages queued per WebSocket client before it counts as too slow and is dropped.
        public var websocketQueue = 1024
    }

    /// Seconds. The output poller runs at `interval`, speeds up to `minInterval` while a screen
    /// changes and backs off to `maxInterval` while it is idle.
    public struct Polling: Sendable, Equatable {
        public var interval = 1.0
        public var minInterval = 0.1
        public var maxInterval = 30.0
    }

    /// Seconds; every wait on I/O or a subprocess is bounded by one of these.
    public struct Timeouts: Sendable, Equatable {
        public var subprocess = 30.0
        public var subprocessQuick = 5.0
        public var subprocessLong = 60.0
        public var redisConnect = 5.0
        public var redisCommand = 5.0
        public var redisBlock = 5.0
        public var eventHandler = 5.0
        public var shutdown = 5.0
        /// How long a text sent to a followed agent waits for it to be idle before its receipt fails.
        public var agentInputWait = 3600.0
    }

    public struct Limits: Sendable, Equatable {
        public var boundedState = 1000
        public var maxSessions = 100
        /// Lines of scrollback a transcript or final screen includes, above the visible screen.
        public var captureHistoryLines = 2000
        /// Per-session scope limits, systemd syntax; empty is unlimited.
        public var sessionMemoryMax = ""
        public var sessionCPUQuota = ""
        public var sessionTasksMax = ""

        /// The limits as the terminal layer applies them.
        public var sessionLimits: SessionLimits {
            SessionLimits(memoryMax: sessionMemoryMax.isEmpty ? nil : sessionMemoryMax,
                          cpuQuota: sessionCPUQuota.isEmpty ? nil : sessionCPUQuota,
                          tasksMax: sessionTasksMax.isEmpty ? nil : sessionTasksMax)
        }
    }

    public struct Logging: Sendable, Equatable {
        public var level: Logger.Level = .info
    }

    public struct Agent: Sendable, Equatable {
        public var command: String
        /// Seconds between a pasted message and its Enter: agent CLIs take an Enter that arrives
        /// with (or just after) a paste as a newline in the draft, not a submit.
        public var submitSettle: Double = 0.15

        public init(command: String, submitSettle: Double = 0.15) {
            self.command = command
            self.submitSettle = submitSettle
        }
    }

    /// The built-in defaults for this process's environment: one computer, no Redis, the store under
    /// the state directory and the API socket under the runtime directory.
    public static func defaults(environment: ProcessEnvironment) -> TetherConfiguration {
        TetherConfiguration(
            computer: Computer(name: environment.hostName, user: environment.userName),
            database: Database(path: environment.stateDirectory + "/tether.db"),
            redis: Redis(),
            api: API(socket: environment.runtimeDirectory + "/api.sock"),
            polling: Polling(),
            timeouts: Timeouts(),
            limits: Limits(),
            logging: Logging(),
            agents: ["claude": Agent(command: "claude"), "gemini": Agent(command: "gemini"), "codex": Agent(command: "codex")]
        )
    }
}

extension TetherConfiguration {
    /// Allowed ranges, named once: the loader enforces them and the docs quote them.
    public enum Bounds {
        public static let pollingInterval = 0.1...30.0
        public static let timeout = 0.1...3600.0
        /// Kept below the unit files' `TimeoutStopSec=15` so systemd never kills a drain in progress.
        public static let shutdown = 0.1...12.0
        /// A sweep costs about one SCAN call per 100 keys in Redis: not more often than every 10 s.
        public static let discoverySweep = 10.0...86_400.0
        public static let boundedState = 10...10_000_000
        public static let maxSessions = 1...100_000
        public static let captureHistoryLines = 0...100_000
        /// Above the 40 ms some agents ignore Enter for after a paste; below a pause a person notices.
        public static let submitSettle = 0.01...5.0
        /// From a few seconds (scripts that would rather fail fast) to a day (agents left on long tasks).
        public static let agentInputWait = 10.0...86_400.0
        public static let websocketQueue = 16...1_000_000
    }
}
