import Testing
@testable import TetherRedis

/// `answer <choice>`, Tether's own command for a peer's dialog, and `agent_restart` as a requester sends them.
@Suite(.timeLimit(.minutes(1))) struct AnswerCommandTests {
    func refusal(_ text: String) -> RedisProtocolError? {
        do { _ = try PeerCommand(parsing: text); return nil } catch { return error }
    }

    @Test func answerParsesItsChoiceAndReadsBackAsSent() throws {
        #expect(try PeerCommand(parsing: "/answer 2") == .answer(choice: 2))
        #expect(try PeerCommand(parsing: "/answer '99'") == .answer(choice: 99))
        #expect(PeerCommand.answer(choice: 3).commandLine == "/answer '3'")
        for choice in [1, 42, 99] {
            #expect(try PeerCommand(parsing: PeerCommand.answer(choice: choice).commandLine) == .answer(choice: choice))
        }
        let command = PeerCommand.answer(choice: 1)
        #expect(command.requiresSession && command.expectsReply, "the requester needs to know the dialog had that choice")
        #expect(RequestDeadlines.deadline(for: command) == RequestDeadlines.input)
    }

    @Test func aChoiceThatIsNotAWholeNumberFromOneToNinetyNineIsRefusedNamingIt() {
        for bad in ["/answer", "/answer ''", "/answer 0", "/answer 100", "/answer -1", "/answer two", "/answer 1.5"] {
            let error = refusal(bad)
            #expect(error?.code == .invalidArguments, "\(bad)")
            #expect(error?.field == "answer", "\(bad)")
        }
        #expect(refusal("/answer two")?.message.contains("'two' is not one") == true)
        #expect(refusal("/answer")?.message.contains("answer needs the choice's number") == true)
    }

    @Test func agentRestartWaitsLongerThanTheHostsWorstCaseOfCtrlCRounds() {
        // The host presses up to three Ctrl-C pairs, waiting up to 3 s after each, before it resumes.
        #expect(RequestDeadlines.deadline(for: .restartAgent(agent: nil)) > .seconds(9))
        #expect(RequestDeadlines.deadline(for: .message(text: "x")) == RequestDeadlines.input)
    }
}
