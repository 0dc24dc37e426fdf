import ArgumentParser
import Foundation
import TetherClient
import TetherWire

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a session's screen; with -f, follow it live until the session ends.")
    @OptionGroup var connection: Connection
    @Flag(name: .shortAndLong, help: "Follow the screen as it changes.") var follow = false
    @Option(help: "Characters of transcript to show first (0: all).") var chars = 5000
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String

    /// How long `tail -f` waits for one message before checking the connection and waiting again:
    /// an idle session sends nothing, and the daemon's pings (every 20 s) keep the socket honest,
    /// so this only bounds each wait; following itself ends with the session, or on Ctrl-C.
    static let followWait: Duration = .seconds(3600)

    func run() throws {
        let client = connection.client
        let target = try CLI.resolve(session, client: client)
        let id = target.id
        if !follow {
            let response = try CLI.call { try client.get(target.path("/sessions/\(id)/transcript?tail_chars=\(chars)")) }
            if connection.json { return CLI.printRaw(response) }
            print(try CLI.decode(TranscriptReply.self, response).transcript)
            return
        }
        let socket = try CLI.call { try TetherWebSocket(socketPath: client.socketPath) }
        defer { socket.close() }
        try CLI.call { try socket.send(text: ClientMessage.subscribeSession(id).text) }
        try CLI.call { try socket.send(text: ClientMessage.subscribe(topic: "sessions").text) }
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            guard let text = try CLI.call({ try socket.receive(timeout: Self.followWait) }) else {
                if socket.isClosed { throw CLI.failure("tetherd closed the connection") }
                continue
            }
            let bytes = Data(text.utf8)
            guard let name = try? JSONDecoder().decode(WireEventName.self, from: bytes) else { continue }
            switch name.event {
            case WireEventName.sessionOutput:
                guard let update = try? JSONDecoder().decode(WireEvent<ScreenUpdate>.self, from: bytes).data, update.sessionID == id else { continue }
                let output: String
                if connection.json {
                    output = text + "\n"
                } else if terminal {
                    output = "\u{1B}[H\u{1B}[2J" + update.screen
                } else {
                    output = "--- \(id.prefix(8)) ---\n" + update.screen + "\n"
                }
                FileHandle.standardOutput.write(Data(output.utf8))
            case WireEventName.sessionRemoved:
                guard let removed = try? JSONDecoder().decode(WireEvent<SessionRemoved>.self, from: bytes).data, removed.sessionID == id else { continue }
                if !connection.json { print("\nsession \(id.prefix(8)) \(removed.status ?? "ended")") }
                return
            case WireEventName.error:
                let error = try? JSONDecoder().decode(WireEvent<EventError>.self, from: bytes).data
                throw CLI.failure(error?.message ?? "the daemon reported an error")
            default:
                continue
            }
        }
    }
}
