import ArgumentParser
import TetherClient

struct RestartAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart-agent",
        abstract: "Restart the agent CLI in a session: Ctrl-C until its shell is back, then it resumes its last conversation.",
        discussion: "Claude resumes with --continue, Gemini with --resume latest, Codex with resume --last; the hooks are set up again. Example: tether restart-agent 3f2c")
    @OptionGroup var connection: Connection
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String
    @Option(help: "The agent to start (a configured one); by default the session's own.") var agent: String?

    func run() throws {
        let client = connection.client
        let target = try CLI.resolve(session, client: client)
        let body: [String: Any] = agent.map { ["agent": $0] } ?? [:]
        let response = try CLI.call { try client.send("POST", target.path("/sessions/\(target.id)/agent-restart"), json: body) }
        if connection.json { CLI.printRaw(response) }
    }
}
