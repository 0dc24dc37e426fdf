/// `GET /status`: what the daemon is, how long it has run and how its parts are.
public struct StatusReport: Sendable, Equatable {
    public var status: String
    public var version: String
    public var uptimeSeconds: Double
    public var computer: String
    /// Where the configuration came from (a path, or the defaults).
    public var configuration: String
    /// Live sessions of this computer.
    public var sessions: Int
    public var tmuxControlClient: Bool
    /// Sorted by name.
    public var components: [ComponentState]

    /// `status` of a daemon that answers at all.
    public static let ok = "ok"

    public init(status: String = ok, version: String, uptimeSeconds: Double, computer: String, configuration: String,
                sessions: Int, tmuxControlClient: Bool, components: [ComponentState]) {
        self.status = status
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.computer = computer
        self.configuration = configuration
        self.sessions = sessions
        self.tmuxControlClient = tmuxControlClient
        self.components = components
    }

    /// One supervised component: `{name, state, since_last_beat_seconds}`.
    public struct ComponentState: Sendable, Equatable, WireCodable {
        public var name: String
        /// Its phase (`starting`, `running`, ...), or `stalled` when its heartbeat is overdue.
        public var state: String
        public var sinceLastBeatSeconds: Double

        public init(name: String, state: String, sinceLastBeatSeconds: Double) {
            self.name = name
            self.state = state
            self.sinceLastBeatSeconds = sinceLastBeatSeconds
        }

        public enum CodingKeys: String, CodingKey {
            case name, state
            case sinceLastBeatSeconds = "since_last_beat_seconds"
        }

        public func write(to json: inout JSONWriter) {
            json.beginObject()
            json.member(CodingKeys.name, name)
            json.member(CodingKeys.state, state)
            json.member(CodingKeys.sinceLastBeatSeconds, sinceLastBeatSeconds.rounded(toPlaces: 1))
            json.endObject()
        }
    }
}

extension StatusReport: WireCodable {
    public enum CodingKeys: String, CodingKey {
        case status, version
        case uptimeSeconds = "uptime_seconds"
        case computer, configuration, sessions
        case tmuxControlClient = "tmux_control_client"
        case components
    }

    /// Seconds to one decimal: people read them.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.status, status)
        json.member(CodingKeys.version, version)
        json.member(CodingKeys.uptimeSeconds, uptimeSeconds.rounded(toPlaces: 1))
        json.member(CodingKeys.computer, computer)
        json.member(CodingKeys.configuration, configuration)
        json.member(CodingKeys.sessions, sessions)
        json.member(CodingKeys.tmuxControlClient, tmuxControlClient)
        json.member(CodingKeys.components, components)
        json.endObject()
    }
}
