/// Where a Redis server is and how to reach it: `redis://[user:pass@]host[:port][/db]`,
/// `rediss://…` (TLS), or `unix:///path[?db=N]`.
///
/// The password from the URL is kept for AUTH but never shown: ``description`` redacts it.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection reaches the server.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    /// The port Redis listens on when the URL names none.
    public static let defaultPort = 6379
    /// Redis's default build has 16 databases; a number past this bound is surely a typo.
    public static let maximumDatabase = 1 << 20

    /// TCP host and port, or a unix socket path.
    public var endpoint: Endpoint
    /// True for `rediss://`: the bytes go through a TLS tunnel.
    public var usesTLS: Bool
    /// The ACL user for `AUTH user password`; nil means the default user.
    public var user: String?
    /// Secret: never logged, never printed.
    public var password: String?
    /// The database selected right after connect; 0 is Redis's default.
    public var database: Int

    /// A URL from its parts (tests, and callers that build one).
    public init(endpoint: Endpoint, usesTLS: Bool = false, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.endpoint = endpoint
        self.usesTLS = usesTLS
        self.user = user
        self.password = password
        self.database = database
    }

    /// `host:port` or the socket path, for errors and logs.
    public var address: String {
        switch endpoint {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): path
        }
    }

    /// The URL as given, with the password replaced by `***`.
    public var description: String {
        let credentials = switch (user, password) {
        case (nil, nil): ""
        case (let user?, nil): "\(user)@"
        case (let user, _?): "\(user ?? ""):***@"
        }
        switch endpoint {
        case .tcp:
            return "\(usesTLS ? "rediss" : "redis")://\(credentials)\(address)\(database == 0 ? "" : "/\(database)")"
        case .unix(let path):
            return "unix://\(credentials)\(path)\(database == 0 ? "" : "?db=\(database)")"
        }
    }
}
