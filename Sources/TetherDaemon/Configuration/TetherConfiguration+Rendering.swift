import Foundation

extension TetherConfiguration {
    static let redacted = "<redacted>"

    /// Every leaf as `(key path, value)`, in file order; secrets replaced unless `revealingSecrets`.
    func leaves(revealingSecrets: Bool = false) -> [(path: String, value: String)] {
        func secret(_ value: String) -> String { value.isEmpty || revealingSecrets ? value : Self.redacted }
        func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        var leaves: [(String, String)] = [
            ("computer.name", computer.name),
            ("computer.user", computer.user),
            ("computer.role", computer.role),
            ("computer.default_working_dir", computer.defaultWorkingDir),
            ("computer.tmux_binary", computer.tmuxBinary),
            ("computer.tmux_socket", computer.tmuxSocket),
            ("computer.systemd_units", computer.systemdUnits),
        ]
        for (index, dir) in computer.trustedDirs.enumerated() {
            leaves += [
                ("computer.trusted_dirs[\(index)].name", dir.name),
                ("computer.trusted_dirs[\(index)].desc", dir.desc),
                ("computer.trusted_dirs[\(index)].path", dir.path),
            ]
        }
        leaves += [
            ("database.path", database.path),
            ("redis.enabled", String(redis.enabled)),
            ("redis.url", revealingSecrets ? redis.url : Self.redactingURLPassword(redis.url)),
            ("redis.password", secret(redis.password)),
            ("redis.password_file", redis.passwordFile),
            ("redis.tls_verify", String(redis.tlsVerify)),
            ("redis.tls_ca_file", redis.tlsCAFile),
            ("redis.discovery_sweep", seconds(redis.discoverySweep)),
            ("api.socket", api.socket),
            ("api.socket_mode", "0" + String(api.socketMode, radix: 8)),
            ("api.websocket_queue", String(api.websocketQueue)),
            ("polling.interval", seconds(polling.interval)),
            ("polling.min_interval", seconds(polling.minInterval)),
            ("polling.max_interval", seconds(polling.maxInterval)),
            ("timeouts.subprocess", seconds(timeouts.subprocess)),
            ("timeouts.subprocess_quick", seconds(timeouts.subprocessQuick)),
            ("timeouts.subprocess_long", seconds(timeouts.subprocessLong)),
            ("timeouts.redis_connect", seconds(timeouts.redisConnect)),
            ("timeouts.redis_command", seconds(timeouts.redisCommand)),
            ("timeouts.redis_block", seconds(timeouts.redisBlock)),
            ("timeouts.event_handler", seconds(timeouts.eventHandler)),
            ("timeouts.shutdown", seconds(timeouts.shutdown)),
            ("timeouts.agent_input_wait", seconds(timeouts.agentInputWait)),
            ("limits.bounded_state", String(limits.boundedState)),
            ("limits.max_sessions", String(limits.maxSessions)),
            ("limits.capture_history_lines", String(limits.captureHistoryLines)),
            ("limits.session_memory_max", limits.sessionMemoryMax),
            ("limits.session_cpu_quota", limits.sessionCPUQuota),
            ("limits.session_tasks_max", limits.sessionTasksMax),
            ("logging.level", logging.level.rawValue),
        ]
        for name in agents.keys.sorted() {
            leaves.append(("agents.\(name).command", agents[name]!.command))
            leaves.append(("agents.\(name).submit_settle", "\(agents[name]!.submitSettle)"))
        }
        return leaves
    }

    /// `redis://user:secret@host` becomes `redis://user:<redacted>@host`.
    static func redactingURLPassword(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + redacted + String(url[at...])
    }

    /// The effective configuration as YAML that loads back to the same values, secrets redacted.
    public func renderedYAML() -> String {
        var out = ""
        var section = ""
        var listItem = ""
        // The mappings open under the section (`claude` of `agents.claude.command`): a leaf opens only
        // those it does not share with the previous one.
        var open: [String] = []
        for (path, value) in leaves() {
            var parts = path.split(separator: ".").map(String.init)
            if parts[0] != section {
                section = parts[0]
                open = []
                out += "\(section):\n"
            }
            parts.removeFirst()
            var indent = "  "
            if let bracket = parts[0].firstIndex(of: "[") {
                let list = String(parts[0][..<bracket])
                if !out.hasSuffix("\(list):\n") && !listItem.hasPrefix(list + "[") { out += "\(indent)\(list):\n" }
                indent += "  "
                if parts[0] != listItem {
                    listItem = parts[0]
                    out += "\(indent)- \(parts[1]): \(Self.quoted(value))\n"
                    continue
                }
                out += "\(indent)  \(parts[1]): \(Self.quoted(value))\n"
                continue
            }
            let parents = Array(parts.dropLast())
            let shared = zip(parents, open).prefix { $0 == $1 }.count
            for (depth, part) in parents.enumerated().dropFirst(shared) {
                out += String(repeating: "  ", count: depth + 1) + "\(part):\n"
            }
            open = parents
            indent = String(repeating: "  ", count: parts.count)
            out += "\(indent)\(parts.last!): \(Self.quoted(value))\n"
        }
        return out
    }

    /// A YAML double-quoted scalar, unless the value is a plain number or boolean.
    private static func quoted(_ value: String) -> String {
        let isNumber = Double(value) != nil && !(value.hasPrefix("0") && value.count > 1 && !value.hasPrefix("0."))
        if isNumber || value == "true" || value == "false" { return value }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = try! encoder.encode(value)
        return String(decoding: data, as: UTF8.self)
    }
}

/// What differs between two configurations, split by whether a running daemon can apply it.
public struct ConfigurationChange: Sendable, Equatable {
    /// Key paths that take effect at once (log level, intervals, timeouts, limits, agents).
    public var appliedLive: [String] = []
    /// Key paths that take effect at the next start.
    public var needRestart: [String] = []

    public var isEmpty: Bool { appliedLive.isEmpty && needRestart.isEmpty }

    static let liveSections: Set<String> = ["logging", "polling", "timeouts", "limits", "agents"]

    public init(from old: TetherConfiguration, to new: TetherConfiguration) {
        let before = Dictionary(old.leaves(revealingSecrets: true).map { ($0.path, $0.value) }) { first, _ in first }
        let after = Dictionary(new.leaves(revealingSecrets: true).map { ($0.path, $0.value) }) { first, _ in first }
        var changed = Set<String>()
        for path in Set(before.keys).union(after.keys) where before[path] != after[path] {
            // computer.trusted_dirs[2].path is reported as computer.trusted_dirs.
            changed.insert(path.split(separator: "[").first.map(String.init) ?? path)
        }
        for path in changed.sorted() {
            let section = String(path.prefix { $0 != "." })
            if Self.liveSections.contains(section) { appliedLive.append(path) } else { needRestart.append(path) }
        }
    }
}
