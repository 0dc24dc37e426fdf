import Foundation
import Logging
import TetherCore
import Yams

/// Finds, reads and validates the configuration file.
///
/// Lookup order: `--config PATH`, then `$TETHER_CONFIG`, then `$CONFIGURATION_DIRECTORY/tether.yml`
/// (set by systemd's `ConfigurationDirectory=`), then `/etc/tether/tether.yml`, each only if the file
/// exists except the first two, which must; with none of them, the built-in defaults.
public struct ConfigurationLoader: Sendable {
    /// Where a loaded configuration came from.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case builtInDefaults

        public var description: String {
            switch self {
            case .file(let path): path
            case .builtInDefaults: "built-in defaults"
            }
        }
    }

    public static let systemPath = "/etc/tether/tether.yml"
    /// A configuration file larger than this is refused rather than parsed.
    public static let maximumFileSize = 1 << 20

    public let environment: ProcessEnvironment
    public let explicitPath: String?

    public init(environment: ProcessEnvironment, explicitPath: String?) {
        self.environment = environment
        self.explicitPath = explicitPath
    }

    /// Which file this loader reads (or none, for the defaults).
    public func locate() throws -> Origin {
        if let path = explicitPath {
            guard FileManager.default.fileExists(atPath: path) else {
                throw TetherError(.invalidConfiguration, "\(path): the configuration file given with --config does not exist; create it or fix the path", errno: ENOENT)
            }
            return .file(path)
        }
        if let path = environment.variables["TETHER_CONFIG"], !path.isEmpty {
            guard FileManager.default.fileExists(atPath: path) else {
                throw TetherError(.invalidConfiguration, "\(path): the configuration file named by $TETHER_CONFIG does not exist; create it or unset the variable", errno: ENOENT)
            }
            return .file(path)
        }
        if let dir = environment.variables["CONFIGURATION_DIRECTORY"]?.split(separator: ":").first {
            let path = "\(dir)/tether.yml"
            if FileManager.default.fileExists(atPath: path) { return .file(path) }
        }
        if FileManager.default.fileExists(atPath: Self.systemPath) { return .file(Self.systemPath) }
        return .builtInDefaults
    }

    /// Locates and loads the configuration; every problem is a ``TetherError`` naming the file, line and key.
    public func load() throws -> (TetherConfiguration, Origin) {
        let origin = try locate()
        switch origin {
        case .builtInDefaults:
            return (TetherConfiguration.defaults(environment: environment), origin)
        case .file(let path):
            let text: String
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                guard data.count <= Self.maximumFileSize else {
                    throw TetherError(.invalidConfiguration, "\(path): the file is \(data.count) bytes, larger than the \(Self.maximumFileSize) allowed; is it the right file?")
                }
                guard let decoded = String(data: data, encoding: .utf8) else {
                    throw TetherError(.invalidConfiguration, "\(path): the file is not UTF-8 text")
                }
                text = decoded
            } catch let error as TetherError {
                throw error
            } catch {
                throw TetherError(.invalidConfiguration, "\(path): cannot read the configuration file: \(error.localizedDescription)", underlying: error)
            }
            return (try parse(text, source: path), origin)
        }
    }

    /// Parses YAML text into a configuration over the defaults; `source` names the text in errors.
    public func parse(_ text: String, source: String) throws -> TetherConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw TetherError(.invalidConfiguration, "\(source): not valid YAML: \(Self.describe(error))", underlying: error)
        }
        var reader = try ConfigurationReader(root: root, source: source, environment: environment.variables)
        var config = TetherConfiguration.defaults(environment: environment)
        try read(&reader, into: &config)
        try reader.finish()
        config.database.path = environment.expandingTilde(config.database.path)
        config.api.socket = environment.expandingTilde(config.api.socket)
        return config
    }

    private func read(_ root: inout ConfigurationReader, into config: inout TetherConfiguration) throws {
        let timeout = TetherConfiguration.Bounds.timeout
        try root.section("computer") { r in
            try r.read("name", into: &config.computer.name)
            try r.read("user", into: &config.computer.user)
            try r.read("role", into: &config.computer.role)
            try r.read("default_working_dir", into: &config.computer.defaultWorkingDir)
            try r.read("tmux_binary", into: &config.computer.tmuxBinary)
            try r.read("tmux_socket", into: &config.computer.tmuxSocket, expecting: "a socket name of letters, digits, '.', '_' or '-'") {
                $0.isEmpty || $0.contains(where: { !($0.isLetter || $0.isNumber || "._-".contains($0)) }) ? nil : $0
            }
            try r.read("systemd_units", into: &config.computer.systemdUnits, expecting: "auto or off") { ["auto", "off"].contains($0) ? $0 : nil }
            try r.list("trusted_dirs") { item in
                var dir = TetherConfiguration.TrustedDirectory(name: "", desc: "", path: "")
                try item.read("name", into: &dir.name)
                try item.read("desc", into: &dir.desc)
                try item.read("path", into: &dir.path)
                guard !dir.name.isEmpty, !dir.path.isEmpty else { throw item.invalid("needs both a name and a path") }
                config.computer.trustedDirs.append(dir)
            }
            guard !config.computer.name.isEmpty else { throw r.invalid("needs a non-empty name") }
        }
        try root.section("database") { r in
            try r.read("path", into: &config.database.path)
        }
        try root.section("redis") { r in
            try r.read("enabled", into: &config.redis.enabled)
            // Checked when Redis is set up, not here: a bad URL must not keep the daemon from serving
            // its own computer (it starts without Redis and says why); `check-config` still fails on it.
            try r.read("url", into: &config.redis.url)
            try r.read("password", into: &config.redis.password)
            try r.read("password_file", into: &config.redis.passwordFile)
            try r.read("tls_verify", into: &config.redis.tlsVerify)
            try r.read("tls_ca_file", into: &config.redis.tlsCAFile)
            try r.read("discovery_sweep", into: &config.redis.discoverySweep, in: TetherConfiguration.Bounds.discoverySweep)
        }
        try root.section("api") { r in
            try r.read("socket", into: &config.api.socket)
            try r.read("socket_mode", into: &config.api.socketMode, expecting: "an octal mode such as \"0600\" (owner only) or \"0660\" (owner and group)") {
                guard let mode = UInt16($0, radix: 8), mode <= 0o777, mode & 0o600 == 0o600 else { return nil }
                return mode
            }
            try r.read("websocket_queue", into: &config.api.websocketQueue, in: TetherConfiguration.Bounds.websocketQueue)
        }
        try root.section("polling") { r in
            let bounds = TetherConfiguration.Bounds.pollingInterval
            try r.read("interval", into: &config.polling.interval, in: bounds)
            try r.read("min_interval", into: &config.polling.minInterval, in: bounds)
            try r.read("max_interval", into: &config.polling.maxInterval, in: bounds)
            let polling = config.polling
            guard polling.minInterval <= polling.interval, polling.interval <= polling.maxInterval else {
                throw r.invalid(
                    "needs min_interval <= interval <= max_interval; got \(polling.minInterval), \(polling.interval), \(polling.maxInterval)"
                )
            }
        }
        try root.section("timeouts") { r in
            try r.read("subprocess", into: &config.timeouts.subprocess, in: timeout)
            try r.read("subprocess_quick", into: &config.timeouts.subprocessQuick, in: timeout)
            try r.read("subprocess_long", into: &config.timeouts.subprocessLong, in: timeout)
            try r.read("redis_connect", into: &config.timeouts.redisConnect, in: timeout)
            try r.read("redis_command", into: &config.timeouts.redisCommand, in: timeout)
            try r.read("redis_block", into: &config.timeouts.redisBlock, in: timeout)
            try r.read("event_handler", into: &config.timeouts.eventHandler, in: timeout)
            try r.read("shutdown", into: &config.timeouts.shutdown, in: TetherConfiguration.Bounds.shutdown)
            try r.read("agent_input_wait", into: &config.timeouts.agentInputWait, in: TetherConfiguration.Bounds.agentInputWait)
        }
        try root.section("limits") { r in
            try r.read("bounded_state", into: &config.limits.boundedState, in: TetherConfiguration.Bounds.boundedState)
            try r.read("max_sessions", into: &config.limits.maxSessions, in: TetherConfiguration.Bounds.maxSessions)
            try r.read("capture_history_lines", into: &config.limits.captureHistoryLines, in: TetherConfiguration.Bounds.captureHistoryLines)
            try r.read("session_memory_max", into: &config.limits.sessionMemoryMax,
                       expecting: "bytes with an optional K, M, G or T suffix (64M), a percentage of memory (50%), infinity, or empty for no limit") {
                $0.isEmpty ? "" : SessionLimits.bytes($0)
            }
            try r.read("session_cpu_quota", into: &config.limits.sessionCPUQuota,
                       expecting: "a percentage of one CPU (50%, or 200% for two), or empty for no limit") {
                $0.isEmpty ? "" : SessionLimits.quota($0)
            }
            try r.read("session_tasks_max", into: &config.limits.sessionTasksMax,
                       expecting: "a number of processes and threads (512), a percentage, infinity, or empty for no limit") {
                $0.isEmpty ? "" : SessionLimits.tasks($0)
            }
        }
        try root.section("logging") { r in
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            try r.read("level", into: &config.logging.level, expecting: "one of \(names)") { Logger.Level(rawValue: $0.lowercased()) }
        }
        try root.entries("agents") { name, r in
            var agent = config.agents[name] ?? TetherConfiguration.Agent(command: name)
            try r.read("command", into: &agent.command)
            try r.read("submit_settle", into: &agent.submitSettle, in: TetherConfiguration.Bounds.submitSettle)
            guard !agent.command.isEmpty else { throw r.invalid("needs a non-empty command") }
            config.agents[name] = agent
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let where_ = context.map { "\($0.text) " } ?? ""
            return "line \(mark.line), column \(mark.column): \(where_)\(problem)"
        default:
            return "\(error)"
        }
    }
}
