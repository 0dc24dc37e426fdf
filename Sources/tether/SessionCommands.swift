import ArgumentParser
import Foundation
import TetherWire

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List sessions of every computer the daemon sees (live ones unless --status says otherwise).")
    @OptionGroup var connection: Connection
    @Option(help: "Only sessions on this computer.") var computer: String?
    @Option(help: "Only sessions with these statuses, comma-separated: creating, active, idle, exited, closed.") var status: String?

    func run() throws {
        var query: [String] = []
        if let computer { query.append("computer=\(CLI.escape(computer))") }
        if let status { query.append("status=\(CLI.escape(status))") }
        let response = try CLI.call { try connection.client.get("/sessions" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))) }
        if connection.json { return CLI.printRaw(response) }
        let rows = try CLI.decode([SessionSummary].self, response).map { session in
            [String(session.sessionID.prefix(8)), session.computer ?? "", session.status, session.agentState ?? "-", CLI.ago(session.lastActivity),
             CLI.cpu(session.cpuSeconds), CLI.bytes(session.memoryBytes), session.workingDirectory ?? "", session.title ?? ""]
        }
        if rows.isEmpty { return print("no sessions") }
        CLI.table(["ID", "COMPUTER", "STATUS", "STATE", "ACTIVE", "CPU", "MEM", "DIRECTORY", "TITLE"], rows)
    }
}

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a session: a shell, an agent, or a command in a shell.",
                                                    discussion: "Example: tether new --project ~/src/app -- make test")
    @OptionGroup var connection: Connection
    @Option(help: "The computer to start it on: this one (the default) or an online peer (`tether computers`).") var computer: String?
    @Option(help: "Its working directory (default: the current directory).") var project: String?
    @Option(help: "An agent from the daemon's agents section (claude, codex, gemini, ...).") var agent: String?
    @Option(help: "A title for it.") var title: String?
    @Option(help: "The agent's first prompt.") var message: String?
    @Argument(parsing: .postTerminator, help: "A command to run in the session's shell.") var command: [String] = []

    func run() throws {
        let client = connection.client
        let target = try computer ?? CLI.decode(StatusReport.self, CLI.call { try client.get("/status") }).computer
        let request = CreateSessionRequest(
            computer: target, projectDirectory: project ?? FileManager.default.currentDirectoryPath, agent: agent, title: title,
            message: message, shell: agent == nil ? true : nil,
            command: command.isEmpty ? nil : command.map(CLI.shellQuoted).joined(separator: " "))
        let response = try CLI.call { try client.send("POST", "/sessions", body: request) }
        if connection.json { return CLI.printRaw(response) }
        print(try CLI.decode(SessionCreatedReply<SessionSummary>.self, response).sessionID)
    }
}

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Type text into a session and press Enter (to an agent: queued until it is idle, then pasted whole and submitted once).",
        discussion: "With --wait: exits 0 once the agent confirmed the submit, 3 when it was submitted but not confirmed, 1 when it failed, 124 when --timeout (the whole wait) passes first.")
    @OptionGroup var connection: Connection
    @Flag(help: "Wait for the text's receipt: delivered, unconfirmed or failed.") var wait = false
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String
    @Argument(help: "The text, typed literally.") var text: String

    func run() throws {
        let client = connection.client
        let target = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.send("POST", target.path("/sessions/\(target.id)/message"), body: MessageRequest(message: text)) }
        if connection.json, !wait { CLI.printRaw(response) }
        guard wait else { return }
        let result = (try? response.json() as? [String: Any])?["result"] as? [String: Any]
        guard let inputID = result?["input_id"] as? String else {
            throw CLI.failure("the daemon gave no receipt for the text (a peer's session, or an older daemon); it was sent")
        }
        try ReceiptWait(connection: connection, inputID: inputID).run()
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
        let target = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.send("POST", target.path("/sessions/\(target.id)/keys"), body: KeysRequest(keys: keys, count: count)) }
        if connection.json { CLI.printRaw(response) }
    }
}

struct Close: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End a session: its tmux session is killed, its final screen kept.")
    @OptionGroup var connection: Connection
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String

    func run() throws {
        let client = connection.client
        let target = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.request("DELETE", target.path("/sessions/\(target.id)")) }
        if connection.json { CLI.printRaw(response) }
    }
}
