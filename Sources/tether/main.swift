// tether: the command-line client of tetherd, over its API socket. It links only TetherClient.
import ArgumentParser
import Foundation
import TetherClient

struct Tether: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive the terminal sessions that tetherd keeps.",
        subcommands: [Status.self, Computers.self, List.self, New.self, Send.self, Keys.self, Tail.self, Close.self]
    )
}

/// Options every subcommand takes.
struct Connection: ParsableArguments {
    @Option(help: "The daemon's API socket (default: $TETHER_SOCKET, else $XDG_RUNTIME_DIR/tether/api.sock, /run/tether/api.sock or /tmp/tether-$UID/api.sock).")
    var socket: String?

    @Flag(help: "Print the daemon's JSON instead of a table.")
    var json = false

    var client: TetherHTTPClient { TetherHTTPClient(socketPath: socket ?? TetherHTTPClient.defaultSocketPath()) }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's version, uptime and components.")
    @OptionGroup var connection: Connection

    func run() throws {
        let response = try CLI.call { try connection.client.get("/status") }
        if connection.json { return CLI.printRaw(response) }
        let status = try CLI.object(response)
        print("tetherd \(status["version"] ?? "?") on \(status["computer"] ?? "?"), up \(CLI.duration(status["uptime_seconds"] as? Double ?? 0))")
        print("configuration: \(status["configuration"] ?? "?")")
        print("sessions: \(status["sessions"] ?? 0), tmux control client: \((status["tmux_control_client"] as? Bool) == true ? "attached" : "not attached")")
        let rows = (status["components"] as? [[String: Any]] ?? []).map { ["\($0["name"] ?? "")", "\($0["state"] ?? "")"] }
        CLI.table(["COMPONENT", "STATE"], rows)
    }
}

struct Computers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the computers this daemon knows.")
    @OptionGroup var connection: Connection

    func run() throws {
        let response = try CLI.call { try connection.client.get("/computers") }
        if connection.json { return CLI.printRaw(response) }
        let rows = try CLI.array(response).map { computer in
            ["\(computer["name"] ?? "")", "\(computer["user"] ?? "")", "\(computer["host"] as? String ?? "-")", "\(computer["role"] ?? "")",
             (computer["is_local"] as? Bool) == true ? "yes" : "no"]
        }
        CLI.table(["NAME", "USER", "HOST", "ROLE", "LOCAL"], rows)
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List sessions (live ones unless --status says otherwise).")
    @OptionGroup var connection: Connection
    @Option(help: "Only sessions on this computer.") var computer: String?
    @Option(help: "Only sessions with these statuses, comma-separated: creating, active, idle, exited, closed.") var status: String?

    func run() throws {
        var query: [String] = []
        if let computer { query.append("computer=\(CLI.escape(computer))") }
        if let status { query.append("status=\(CLI.escape(status))") }
        let response = try CLI.call { try connection.client.get("/sessions" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))) }
        if connection.json { return CLI.printRaw(response) }
        let rows = try CLI.array(response).map { session in
            ["\(session["session_id"] as? String ?? "")".prefix(8).description, "\(session["status"] ?? "")", "\(session["computer"] ?? "")",
             CLI.ago(session["last_activity"] as? String), CLI.cpu(session["cpu_seconds"]), CLI.bytes(session["memory_bytes"]),
             "\(session["working_directory"] ?? "")", "\(session["title"] as? String ?? "")"]
        }
        if rows.isEmpty { return print("no sessions") }
        CLI.table(["ID", "STATUS", "COMPUTER", "ACTIVE", "CPU", "MEM", "DIRECTORY", "TITLE"], rows)
    }
}

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a session: a shell, an agent, or a command in a shell.",
                                                    discussion: "Example: tether new --project ~/src/app -- make test")
    @OptionGroup var connection: Connection
    @Option(help: "The computer to start it on (default: this one).") var computer: String?
    @Option(help: "Its working directory (default: the current directory).") var project: String?
    @Option(help: "An agent from the daemon's agents section (claude, codex, gemini, ...).") var agent: String?
    @Option(help: "A title for it.") var title: String?
    @Option(help: "The agent's first prompt.") var message: String?
    @Argument(parsing: .postTerminator, help: "A command to run in the session's shell.") var command: [String] = []

    func run() throws {
        let client = connection.client
        let target = try computer ?? (CLI.object(CLI.call { try client.get("/status") })["computer"] as? String ?? "local")
        var body: [String: Any] = ["computer": target, "project_dir": project ?? FileManager.default.currentDirectoryPath]
        if let agent { body["agent"] = agent } else { body["shell"] = true }
        if let title { body["title"] = title }
        if let message { body["message"] = message }
        if !command.isEmpty { body["command"] = command.map(CLI.shellQuoted).joined(separator: " ") }
        let response = try CLI.call { try client.send("POST", "/sessions", json: body) }
        if connection.json { return CLI.printRaw(response) }
        let created = try CLI.object(response)
        print(created["session_id"] as? String ?? "")
    }
}

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Type text into a session and press Enter.")
    @OptionGroup var connection: Connection
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String
    @Argument(help: "The text, typed literally.") var text: String

    func run() throws {
        let client = connection.client
        let id = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.send("POST", "/sessions/\(id)/message", json: ["message": text]) }
        if connection.json { CLI.printRaw(response) }
    }
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Press keys in a session: enter, escape, tab, shift_tab, backspace, key_up, key_down, key_left, key_right, cancel (C-c), kill (C-\\), ctrl_<letter>.")
    @OptionGroup var connection: Connection
    @Option(help: "Press each key this many times.") var count = 1
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String
    @Argument(help: "The keys, in order.") var keys: [String]

    func run() throws {
        let client = connection.client
        let id = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.send("POST", "/sessions/\(id)/keys", json: ["keys": keys, "count": count]) }
        if connection.json { CLI.printRaw(response) }
    }
}

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a session's screen; with -f, follow it live until the session ends.")
    @OptionGroup var connection: Connection
    @Flag(name: .shortAndLong, help: "Follow the screen as it changes.") var follow = false
    @Option(help: "Characters of transcript to show first (0: all).") var chars = 5000
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String

    func run() throws {
        let client = connection.client
        let id = try CLI.resolve(session, client: client)
        if !follow {
            let response = try CLI.call { try client.get("/sessions/\(id)/transcript?tail_chars=\(chars)") }
            if connection.json { return CLI.printRaw(response) }
            print(try CLI.object(response)["transcript"] as? String ?? "")
            return
        }
        let socket = try CLI.call { try TetherWebSocket(socketPath: client.socketPath) }
        defer { socket.close() }
        try socket.send(json: ["subscribe": ["session": id]])
        try socket.send(json: ["subscribe": "sessions"])
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            guard let event = try socket.receiveJSON(timeout: .seconds(3600)) else {
                if socket.isClosed { throw CLI.failure("tetherd closed the connection") }
                continue
            }
            let data = event["data"] as? [String: Any] ?? [:]
            switch event["event"] as? String {
            case "session_output" where data["session_id"] as? String == id:
                let screen = data["screen"] as? String ?? ""
                let text: String
                if connection.json {
                    text = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self) + "\n"
                } else if terminal {
                    text = "\u{1B}[H\u{1B}[2J" + screen
                } else {
                    text = "--- \(id.prefix(8)) ---\n" + screen + "\n"
                }
                FileHandle.standardOutput.write(Data(text.utf8))
            case "session_removed" where data["session_id"] as? String == id:
                if !connection.json { print("\nsession \(id.prefix(8)) \(data["status"] as? String ?? "ended")") }
                return
            case "error":
                throw CLI.failure(data["message"] as? String ?? "the daemon reported an error")
            default:
                continue
            }
        }
    }
}

struct Close: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End a session: its tmux session is killed, its final screen kept.")
    @OptionGroup var connection: Connection
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String

    func run() throws {
        let client = connection.client
        let id = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.request("DELETE", "/sessions/\(id)") }
        if connection.json { CLI.printRaw(response) }
    }
}

Tether.main()
