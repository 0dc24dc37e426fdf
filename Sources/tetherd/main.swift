import ArgumentParser
import TetherDaemon

/// `tetherd`: the Tether daemon.
@main
struct Tetherd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tetherd",
        abstract: "Keeps tmux terminal sessions alive and reachable, and serves them over a local API.",
        discussion: """
            With no subcommand, tetherd runs in the foreground until SIGTERM or SIGINT (a second one \
            cancels the drain); SIGHUP reloads the configuration. Under systemd it reports readiness, \
            status and watchdog pings, and logs to the journal.

            The configuration is the first of: --config PATH, $TETHER_CONFIG, \
            $CONFIGURATION_DIRECTORY/tether.yml, /etc/tether/tether.yml, else the built-in defaults.
            """,
        version: Daemon.version,
        subcommands: [Run.self, CheckConfig.self],
        defaultSubcommand: Run.self
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the daemon in the foreground (the default)."
        )

        @Option(name: .long, help: "The configuration file (YAML).")
        var config: String?

        func run() async throws {
            await Daemon.run(configPath: config)
        }
    }

    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config",
            abstract: "Validate the configuration and print it, secrets redacted; exit 0 if valid, 1 if not."
        )

        @Option(name: .long, help: "The configuration file (YAML).")
        var config: String?

        func run() throws {
            let status = Daemon.checkConfiguration(configPath: config)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
