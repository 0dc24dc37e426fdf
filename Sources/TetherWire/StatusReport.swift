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
    /// The topics the WebSocket clients subscribe to, sorted: the heartbeat's `interested_in`.
    public var interestedIn: [String]
    /// Sorted by name.
    public var components: [ComponentState]
    /// The computers-together layer: Redis's state, the peers, the request stream.
    public var redis: RedisStatusReport

    /// `status` of a daemon that answers at all.
    public static let ok = "ok"

    public init(status: String = ok, version: String, uptimeSeconds: Double, computer: String, configuration: String,
                sessions: Int, tmuxControlClient: Bool, interestedIn: [String] = [], components: [ComponentState],
                redis: RedisStatusReport = .off) {
        self.status = status
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.computer = computer
        self.configuration = configuration
        self.sessions = sessions
        self.tmuxControlClient = tmuxControlClient
        self.interestedIn = interestedIn
        self.components = components
        self.redis = redis
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
        case interestedIn = "interested_in"
        case components, redis
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
        json.key(CodingKeys.interestedIn)
        json.beginArray()
        for topic in interestedIn { json.string(topic) }
        json.endArray()
        json.member(CodingKeys.components, components)
        json.member(CodingKeys.redis, redis)
        json.endObject()
    }

    /// `interested_in` and `redis` may be absent (a daemon from before they were reported).
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(status: try values.decode(String.self, forKey: .status), version: try values.decode(String.self, forKey: .version),
                  uptimeSeconds: try values.decode(Double.self, forKey: .uptimeSeconds), computer: try values.decode(String.self, forKey: .computer),
                  configuration: try values.decode(String.self, forKey: .configuration), sessions: try values.decode(Int.self, forKey: .sessions),
                  tmuxControlClient: try values.decode(Bool.self, forKey: .tmuxControlClient),
                  interestedIn: try values.decodeIfPresent([String].self, forKey: .interestedIn) ?? [],
                  components: try values.decode([ComponentState].self, forKey: .components),
                  redis: try values.decodeIfPresent(RedisStatusReport.self, forKey: .redis) ?? .off)
    }
}
