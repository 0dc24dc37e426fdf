import ArgumentParser
import Foundation
import TetherClient
import TetherWire

struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer the dialog a session's agent has open (agent_state needs_input) with a choice's number.",
        discussion: "`tether ls --json` shows the dialog's question and choices under \"prompt\". Example: tether answer 3f2c 1")
    @OptionGroup var connection: Connection
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String
    @Argument(help: "The number of the choice, as the dialog shows it.") var choice: Int

    func run() throws {
        let client = connection.client
        let target = try CLI.resolve(session, client: client)
        let response = try CLI.call { try client.send("POST", target.path("/sessions/\(target.id)/answer"), json: ["choice": choice]) }
        if connection.json { CLI.printRaw(response) }
    }
}

struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait until a session's agent is idle or needs input, or the session has exited (for scripts).",
        discussion: "--timeout is the whole wait here (default: a day). Exits 0 once the state is reached, 124 when the timeout passes first, 1 on an error (no such session, no daemon, the session ended first).")

    enum Until: String, ExpressibleByArgument, CaseIterable {
        case idle, needsInput = "needs-input", exited
    }

    @OptionGroup var connection: Connection
    @Argument(help: "The session: its id, a unique prefix of it, or its tmux name.") var session: String
    @Option(help: "idle, needs-input or exited.") var until: Until

    /// How often the session is asked: quick enough for a script, one small request each.
    static let pollInterval: TimeInterval = 0.25
    /// The default and largest wait: a day, beyond which a script is likelier stuck than patient.
    static let longestWait: Double = 86_400
    /// `timeout(1)`'s status when the time ran out.
    static let timedOut: Int32 = 124

    func run() throws {
        let limit = connection.timeout ?? Self.longestWait
        let client = TetherHTTPClient(socketPath: connection.socket ?? TetherHTTPClient.defaultSocketPath(),
                                      timeout: min(TetherHTTPClient.defaultTimeout, .milliseconds(Int64(limit * 1000))))
        let target = try CLI.resolve(session, client: client)
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            let summary = try CLI.decode(SessionSummary.self, CLI.call { try client.get(target.path("/sessions/\(target.id)")) })
            if reached(summary) {
                if connection.json { print(String(decoding: summary.jsonBytes, as: UTF8.self)) }
                return
            }
            if summary.agentState == nil, until != .exited, !["exited", "closed"].contains(summary.status) {
                throw CLI.failure("session \(target.id) runs no agent Tether follows, so it is never idle or waiting for input; wait --until exited instead")
            }
            if ["exited", "closed"].contains(summary.status), until != .exited {
                throw CLI.failure("session \(target.id) ended (\(summary.status)) before its agent was \(until.rawValue)")
            }
            Thread.sleep(forTimeInterval: min(Self.pollInterval, max(0, end.timeIntervalSinceNow)))
        }
        FileHandle.standardError.write(Data("tether: session \(target.id) was not \(until.rawValue) within \(limit) s\n".utf8))
        throw ExitCode(Self.timedOut)
    }

    private func reached(_ summary: SessionSummary) -> Bool {
        switch until {
        case .idle: summary.agentState == "idle"
        case .needsInput: summary.agentState == "needs_input"
        case .exited: ["exited", "closed"].contains(summary.status)
        }
    }
}

/// Waits for a text's receipt to be final (`tether send --wait`).
struct ReceiptWait {
    let connection: Connection
    let inputID: String
    /// `send --wait`'s status when the agent did not confirm the submit.
    static let unconfirmed: Int32 = 3

    func run() throws {
        let limit = connection.timeout ?? Wait.longestWait
        let client = TetherHTTPClient(socketPath: connection.socket ?? TetherHTTPClient.defaultSocketPath(),
                                      timeout: min(TetherHTTPClient.defaultTimeout, .milliseconds(Int64(limit * 1000))))
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            let receipt = try CLI.decode(InputReceipt.self, CLI.call { try client.get("/inputs/\(inputID)") })
            if receipt.isFinal {
                if connection.json { print(String(decoding: receipt.jsonBytes, as: UTF8.self)) }
                switch receipt.state {
                case .delivered, .queued: return
                case .unconfirmed:
                    FileHandle.standardError.write(Data("tether: submitted, but the agent did not confirm it: \(receipt.reason ?? "")\n".utf8))
                    throw ExitCode(Self.unconfirmed)
                case .failed: throw CLI.failure("not delivered: \(receipt.reason ?? "no reason given")")
                }
            }
            Thread.sleep(forTimeInterval: min(Wait.pollInterval, max(0, end.timeIntervalSinceNow)))
        }
        FileHandle.standardError.write(Data("tether: input \(inputID) was still queued after \(limit) s\n".utf8))
        throw ExitCode(Wait.timedOut)
    }
}
