// tether: the command-line client of tetherd, over its API socket. It links TetherClient and the
// wire types, never NIO or the daemon, so it starts fast.
import ArgumentParser
import Foundation
import TetherClient

struct Tether: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive the terminal sessions that tetherd keeps.",
        subcommands: [Status.self, Computers.self, List.self, New.self, Send.self, Keys.self, Tail.self, Close.self, Answer.self, Wait.self, RestartAgent.self, Hook.self]
    )
}

/// Options every subcommand takes.
struct Connection: ParsableArguments {
    @Option(help: "The daemon's API socket (default: $TETHER_SOCKET, else $XDG_RUNTIME_DIR/tether/api.sock, /run/tether/api.sock or /tmp/tether-$UID/api.sock).")
    var socket: String?

    @Option(help: "Seconds one request may take in all, send to last byte, before tether gives up (default: \(Int(TetherHTTPClient.defaultTimeout.components.seconds))).")
    var timeout: Double?

    @Flag(help: "Print the daemon's JSON instead of a table.")
    var json = false

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= Self.longestTimeout) {
            throw ValidationError("--timeout must be more than 0 and at most \(Int(Self.longestTimeout)) seconds")
        }
    }

    /// The longest `--timeout`: a day, beyond which a typo (milliseconds for seconds) is likelier than intent.
    static let longestTimeout: Double = 86_400

    var client: TetherHTTPClient {
        TetherHTTPClient(socketPath: socket ?? TetherHTTPClient.defaultSocketPath(),
                         timeout: timeout.map { .milliseconds(Int64($0 * 1000)) } ?? TetherHTTPClient.defaultTimeout)
    }
}

// A hook must exit 0 whatever its arguments (HookReporter), so `tether hook` skips ArgumentParser
// unless help is asked for.
let words = Array(CommandLine.arguments.dropFirst())
if words.first == "hook", !words.contains("--help"), !words.contains("-h") {
    HookReporter.run(Array(words.dropFirst()))
    exit(0)
}
Tether.main()
