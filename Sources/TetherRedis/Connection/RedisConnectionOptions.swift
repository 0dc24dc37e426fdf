import Foundation

/// How to reach and talk to one Redis server: the URL, the resolved password, the deadlines and the
/// TLS tunnel for `rediss://`.
///
/// The password is a secret: ``description`` leaves it out, and no error repeats it.
public struct RedisConnectionOptions: Sendable, CustomStringConvertible {
    /// How much longer than its BLOCK a blocking read's socket timeout is, so the server's own empty
    /// answer at the end of BLOCK always arrives before the socket gives up (a loaded server or a
    /// slow network adds some hundreds of milliseconds; two seconds covers that with room).
    public static let blockingMargin: Duration = .seconds(2)

    /// The server; its password is the fallback for ``password``.
    public var url: RedisURL
    /// For AUTH; nil when the server needs none. Secret.
    public var password: String?
    /// Bounds the TCP (or unix, or tunnel) connect; from `timeouts.redis_connect`.
    public var connectTimeout: Duration
    /// Bounds each read and write of an ordinary command; from `timeouts.redis_command`.
    public var commandTimeout: Duration
    /// The longest BLOCK a blocking read may ask for; from `timeouts.redis_block`.
    public var blockTimeout: Duration
    /// Opens the TLS tunnel for `rediss://`; without one a `rediss://` URL fails to connect.
    public var tunnel: RedisTunnelFactory?
    /// Shared by every link made from these options (a class: copies share it); the daemon's stop
    /// closes it so that no link waits out a connect.
    public var connectGate = RedisConnectGate()

    /// Options for `url`; a nil `password` takes the URL's.
    public init(url: RedisURL, password: String? = nil, connectTimeout: Duration, commandTimeout: Duration,
                blockTimeout: Duration, tunnel: RedisTunnelFactory? = nil) {
        self.url = url
        self.password = password ?? url.password
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.blockTimeout = blockTimeout
        self.tunnel = tunnel
    }

    /// Options from the configuration's `redis` section: the password is `password` if set, else the
    /// contents of `passwordFile` (one trailing newline dropped), else the URL's.
    public init(url text: String, password: String, passwordFile: String, connectTimeout: Duration,
                commandTimeout: Duration, blockTimeout: Duration, tunnel: RedisTunnelFactory? = nil) throws(RedisError) {
        let url = try RedisURL(parsing: text)
        var resolved = password.isEmpty ? nil : password
        if resolved == nil, !passwordFile.isEmpty { resolved = try Self.readPassword(passwordFile) }
        self.init(url: url, password: resolved ?? url.password, connectTimeout: connectTimeout, commandTimeout: commandTimeout,
                  blockTimeout: blockTimeout, tunnel: tunnel)
    }

    /// The socket timeout of a blocking read that waits up to `block`.
    public func socketTimeout(forBlock block: Duration) -> Duration { block + Self.blockingMargin }

    public var description: String {
        "\(url) (password \(password == nil ? "none" : "set"), connect \(connectTimeout.milliseconds) ms, "
            + "command \(commandTimeout.milliseconds) ms, block \(blockTimeout.milliseconds) ms\(tunnel == nil ? "" : ", TLS tunnel"))"
    }

    private static func readPassword(_ path: String) throws(RedisError) -> String {
        // A few bytes from a local file, read once at configuration time.
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RedisError(.invalidURL, "cannot read the Redis password file \(path); check redis.password_file and that the daemon's user may read it")
        }
        var password = Substring(text)
        if password.hasSuffix("\r\n") { password = password.dropLast(2) } else if password.hasSuffix("\n") { password = password.dropLast() }
        guard !password.isEmpty else {
            throw RedisError(.invalidURL, "the Redis password file \(path) is empty; write the password into it or unset redis.password_file")
        }
        return String(password)
    }
}
