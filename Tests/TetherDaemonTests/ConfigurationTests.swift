import Foundation
import Logging
import Testing
import TetherCore
@testable import TetherDaemon

@Suite(.timeLimit(.minutes(1))) struct ConfigurationTests {
    let environment = ProcessEnvironment(
        variables: ["TETHER_HOST": "mini", "XDG_RUNTIME_DIR": "/run/user/1000"],
        hostName: "testhost", userName: "alice", userID: 1000, homeDirectory: "/home/alice"
    )

    func parse(_ yaml: String) throws -> TetherConfiguration {
        try ConfigurationLoader(environment: environment, explicitPath: nil).parse(yaml, source: "test.yml")
    }

    func message(_ yaml: String) -> String {
        do {
            _ = try parse(yaml)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func emptyFileGivesTheDefaults() throws {
        let config = try parse("")
        #expect(config == TetherConfiguration.defaults(environment: environment))
        #expect(config.computer.name == "testhost")
        #expect(config.computer.user == "alice")
        #expect(config.database.path == "/home/alice/.local/state/tether/tether.db")
        #expect(config.api.socket == "/run/user/1000/tether/api.sock")
        #expect(config.redis.enabled == false)
        #expect(config.timeouts.shutdown == 5)
        #expect(config.agents["claude"]?.command == "claude")
    }

    @Test func defaultsFollowSystemdDirectoriesAndSurviveNoHome() {
        var env = environment
        env.variables["STATE_DIRECTORY"] = "/var/lib/tether"
        env.variables["RUNTIME_DIRECTORY"] = "/run/tether"
        var config = TetherConfiguration.defaults(environment: env)
        #expect(config.database.path == "/var/lib/tether/tether.db")
        #expect(config.api.socket == "/run/tether/api.sock")
        env = ProcessEnvironment(variables: [:], hostName: "h", userName: "u", userID: 42, homeDirectory: nil)
        config = TetherConfiguration.defaults(environment: env)
        #expect(config.database.path == "/tmp/tether-42/state/tether.db")
        #expect(config.api.socket == "/tmp/tether-42/api.sock")
    }

    @Test func everyKeyIsRead() throws {
        let config = try parse("""
            computer:
              name: mini
              user: bob
              role: server
              default_working_dir: /srv
              tmux_binary: /usr/local/bin/tmux
              tmux_socket: work
              trusted_dirs:
                - {name: tether, desc: the daemon, path: /src/tether}
            database: {path: ~/tether.db}
            redis: {enabled: true, url: "redis://10.0.0.1:6379", password: s3cret, password_file: /etc/tether/redis.pw}
            api: {socket: /tmp/t.sock, socket_mode: "0660"}
            polling: {interval: 0.5, min_interval: 0.2, max_interval: 10}
            timeouts: {subprocess: 20, subprocess_quick: 2, subprocess_long: 90, redis_connect: 3,
                       redis_command: 4, redis_block: 6, event_handler: 7, shutdown: 8, agent_input_wait: 600}
            limits: {bounded_state: 500, max_sessions: 10}
            logging: {level: debug}
            agents: {claude: {command: "claude --dangerously-skip-permissions"}, aider: {command: aider}}
            """)
        #expect(config.computer.trustedDirs == [.init(name: "tether", desc: "the daemon", path: "/src/tether")])
        #expect(config.computer.tmuxSocket == "work")
        #expect(config.database.path == "/home/alice/tether.db")
        #expect(config.redis.password == "s3cret")
        #expect(config.api.socketMode == 0o660)
        #expect(config.polling.minInterval == 0.2)
        #expect(config.timeouts.shutdown == 8)
        #expect(config.timeouts.agentInputWait == 600)
        #expect(config.limits.maxSessions == 10)
        #expect(config.logging.level == .debug)
        #expect(config.agents["claude"]?.command == "claude --dangerously-skip-permissions")
        #expect(config.agents["aider"]?.command == "aider")
        #expect(config.agents["codex"]?.command == "codex")
    }

    @Test func unknownKeyNamesItsPathAndLine() {
        let text = message("""
            computer:
              name: mini
            polling:
              interval: 1.0
              intervall: 2.0
            """)
        #expect(text.contains("test.yml:5"))
        #expect(text.contains("polling.intervall is not a known key"))
        #expect(text.contains("min_interval"))
        #expect(message("colour: blue").contains("test.yml:1: colour is not a known key"))
        #expect(message("computer:\n  trusted_dirs:\n    - {name: a, path: /a, owner: me}").contains("computer.trusted_dirs[0].owner is not a known key"))
    }

    @Test func wrongTypeNamesTheKeyAndWhatIsExpected() {
        #expect(message("polling:\n  interval: fast").contains("test.yml:2: polling.interval must be a number of seconds, not \"fast\""))
        #expect(message("redis:\n  enabled: maybe").contains("redis.enabled must be true or false"))
        #expect(message("limits:\n  max_sessions: 2.5").contains("limits.max_sessions must be a whole number"))
        #expect(message("computer:\n  name: [a, b]").contains("computer.name must be a string, not a list"))
        #expect(message("polling: 3").contains("polling must be a mapping"))
        #expect(message("logging:\n  level: loud").contains("logging.level must be one of trace, debug, info"))
        #expect(message("api:\n  socket_mode: \"0999\"").contains("api.socket_mode must be an octal mode"))
        #expect(message("computer:\n  name: a\n  name: b").contains("duplicated key(s): 'name'"))
        #expect(message("computer: {name: [").contains("not valid YAML"))
    }

    @Test func outOfRangeNamesTheAllowedRange() {
        #expect(message("polling:\n  interval: 0.001").contains("polling.interval is 0.001, out of range: allowed 0.1 to 30.0 seconds"))
        #expect(message("timeouts:\n  shutdown: 60").contains("timeouts.shutdown is 60, out of range: allowed 0.1 to 12.0 seconds"))
        #expect(message("timeouts:\n  agent_input_wait: 1").contains("timeouts.agent_input_wait is 1, out of range: allowed 10.0 to 86400.0 seconds"))
        #expect(message("limits:\n  bounded_state: 1").contains("limits.bounded_state is 1, out of range: allowed 10 to 10000000"))
        #expect(message("polling:\n  interval: 20\n  max_interval: 10").contains("needs min_interval <= interval <= max_interval"))
    }

    @Test func environmentVariablesAreExpanded() throws {
        let config = try parse("computer:\n  name: ${TETHER_HOST}-box\n  role: ${TETHER_ROLE:-worker}")
        #expect(config.computer.name == "mini-box")
        #expect(config.computer.role == "worker")
        #expect(message("computer:\n  user: ${NOPE}").contains("computer.user uses ${NOPE}, which is not set in the environment"))
        #expect(message("computer:\n  user: ${NOPE").contains("unclosed ${"))
    }

    @Test func missingFileNamedByFlagIsAnError() {
        let loader = ConfigurationLoader(environment: environment, explicitPath: "/nonexistent/tether.yml")
        #expect(throws: TetherError(.invalidConfiguration, "")) { try loader.load() }
        #expect(throws: TetherError.self) { try ConfigurationLoader(environment: .init(variables: ["TETHER_CONFIG": "/nope.yml"], hostName: "h", userName: "u", userID: 1, homeDirectory: nil), explicitPath: nil).load() }
    }

    @Test func lookupOrderPrefersFlagThenVariableThenConfigurationDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tether-cfg-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inDir = dir.appendingPathComponent("tether.yml").path
        let other = dir.appendingPathComponent("other.yml").path
        try "logging: {level: debug}".write(toFile: inDir, atomically: true, encoding: .utf8)
        try "logging: {level: error}".write(toFile: other, atomically: true, encoding: .utf8)
        var env = environment
        env.variables["CONFIGURATION_DIRECTORY"] = dir.path
        #expect(try ConfigurationLoader(environment: env, explicitPath: nil).locate() == .file(inDir))
        env.variables["TETHER_CONFIG"] = other
        #expect(try ConfigurationLoader(environment: env, explicitPath: nil).locate() == .file(other))
        #expect(try ConfigurationLoader(environment: env, explicitPath: inDir).locate() == .file(inDir))
        let (config, _) = try ConfigurationLoader(environment: env, explicitPath: nil).load()
        #expect(config.logging.level == .error)
    }

    @Test func renderedConfigurationRedactsSecretsAndLoadsBack() throws {
        let config = try parse("""
            redis: {enabled: true, url: "redis://admin:hunter2@cache:6379", password: s3cret}
            computer:
              trusted_dirs: [{name: a, desc: "x: y", path: /a}, {name: b, desc: "", path: /b}]
            """)
        let yaml = config.renderedYAML()
        #expect(!yaml.contains("s3cret"))
        #expect(!yaml.contains("hunter2"))
        #expect(yaml.contains("password: \"<redacted>\""))
        #expect(yaml.contains("redis://admin:<redacted>@cache:6379"))
        var reloaded = try parse(yaml)
        reloaded.redis.password = config.redis.password
        reloaded.redis.url = config.redis.url
        #expect(reloaded == config)
    }

    @Test func changeSeparatesLiveKeysFromRestartKeys() throws {
        let old = try parse("")
        let new = try parse("logging: {level: debug}\npolling: {interval: 2}\napi: {socket: /tmp/x.sock}\nredis: {password: p}")
        let change = ConfigurationChange(from: old, to: new)
        #expect(change.appliedLive == ["logging.level", "polling.interval"])
        #expect(change.needRestart == ["api.socket", "redis.password"])
        let merged = old.applyingLiveSections(of: new)
        #expect(merged.logging.level == .debug)
        #expect(merged.api.socket == old.api.socket)
        #expect(ConfigurationChange(from: old, to: old).isEmpty)
    }
}

@Suite(.timeLimit(.minutes(1))) struct DocumentedConfigurationTests {
    @Test func shippedExampleLoadsAndEqualsTheDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/tether.yml").path
        let environment = ProcessEnvironment(variables: [:], hostName: "h", userName: "u", userID: 7, homeDirectory: "/home/u")
        let (config, origin) = try ConfigurationLoader(environment: environment, explicitPath: path).load()
        #expect(origin == .file(path))
        #expect(config == TetherConfiguration.defaults(environment: environment))
    }
}
