import TetherCore

extension RedisPeerGateway {
    /// `agent_restart [agent]`: a Tether host replies once the agent is back (its own deadline,
    /// ``RequestDeadlines/agentRestart``); a Python host replies `null` at once.
    public func restartAgent(on computer: String, sessionID: String, agent: String?) async throws {
        var wireAgent: PeerAgent?
        if let agent, !agent.isEmpty {
            guard let known = PeerAgent(rawValue: agent) else {
                let names = PeerAgent.allCases.map(\.rawValue).joined(separator: ", ")
                throw TetherError(.invalidRequest, "agent \(agent.prefix(40)) cannot be restarted on \(computer) over Redis; "
                                  + "name one of \(names), or send no agent to restart the session's own")
            }
            wireAgent = known
        }
        let answer = try await ask(.restartAgent(agent: wireAgent), on: computer, sessionID: sessionID)
        _ = try data(of: answer, "agent_restart", on: computer)
    }

    /// `answer <choice>`, Tether's own command: a Python host has no handler for it, which becomes
    /// an error saying what to do instead.
    public func answer(on computer: String, sessionID: String, choice: Int) async throws {
        guard PeerCommand.choiceRange.contains(choice) else {
            throw TetherError(.invalidRequest, "choice \(choice) is not a dialog's choice number; send one from "
                              + "\(PeerCommand.choiceRange.lowerBound) to \(PeerCommand.choiceRange.upperBound)")
        }
        let answer = try await ask(.answer(choice: choice), on: computer, sessionID: sessionID)
        if case .failure(let failure) = answer.reply, failure.isNoHandler {
            // Over the wire a digit is no key; the dialog's marker starts on choice 1, so arrows and Enter pick the others.
            let enter = #"{"keys": ["enter"]}"#
            let keys = choice == 1 ? enter : #"{"keys": ["key_down"], "count": \#(choice - 1)}, then "# + enter
            throw TetherError(.invalidRequest, "\(computer)'s daemon cannot answer dialogs remotely (it is not Tether); "
                              + "answer in session \(sessionID) on \(computer) itself, or press the keys from here: "
                              + "POST /sessions/\(sessionID)/keys with \(keys)")
        }
        _ = try data(of: answer, "answer \(choice)", on: computer)
    }
}
