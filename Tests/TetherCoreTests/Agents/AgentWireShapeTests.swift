import Foundation
import Testing
import TetherCore

/// `agent_state` and `prompt` have the wire shapes the session summary carries.
@Suite(.timeLimit(.minutes(1))) struct AgentWireShapeTests {
    let prompt = AgentPrompt(question: "Apply this change?", choices: [AgentChoice(number: 1, label: "Allow once", selected: true),
                                                                      AgentChoice(number: 2, label: "No, suggest changes (esc)")], source: .screen)

    @Test func statesAreTheWireStrings() {
        #expect(AgentState.allCases.map(\.rawValue) == ["starting", "working", "idle", "needs_input"])
    }

    @Test func aPromptWritesQuestionChoicesAndSource() throws {
        let expected = #"{"question":"Apply this change?","choices":[{"number":1,"label":"Allow once"},{"number":2,"label":"No, suggest changes (esc)"}],"source":"screen"}"#
        #expect(String(decoding: prompt.jsonBytes, as: UTF8.self) == expected)
        let decoded = try JSONDecoder().decode(AgentPrompt.self, from: Data(prompt.jsonBytes))
        #expect(decoded.sameOnWire(as: prompt) && decoded.choices.allSatisfy { !$0.selected }, "the cursor is not on the wire")
        let encoded = try JSONDecoder().decode(AgentPrompt.self, from: JSONEncoder().encode(prompt))
        #expect(encoded == decoded, "Codable and the writer agree")
    }

    @Test func aStatusWritesItsSummaryMembers() {
        func members(_ status: AgentStatus) -> String {
            var json = JSONWriter()
            json.beginObject()
            status.writeMembers(to: &json)
            json.endObject()
            return String(decoding: json.bytes, as: UTF8.self)
        }
        #expect(members(AgentStatus(state: .working, turn: 3)) == #"{"agent_state":"working","prompt":null}"#)
        let unknown = AgentPrompt(question: nil, choices: [], source: .hook)
        #expect(members(AgentStatus(state: .needsInput, prompt: unknown)) == #"{"agent_state":"needs_input","prompt":{"question":null,"choices":[],"source":"hook"}}"#)
    }
}
