/// One numbered answer of an agent's dialog; `tether answer` sends its ``number``.
public struct AgentChoice: Sendable, Equatable, Codable {
    /// What to type to pick it (`1`, `2`, …), as the dialog numbers it.
    public var number: Int
    /// The text shown, with any shortcut hint the agent prints (`(esc)`, `(shift+tab)`).
    public var label: String
    /// Whether the dialog's cursor (`❯`, `›`, `●`) is on it: screen-only, not on the wire, since it
    /// moves with every arrow key and answering goes by number.
    public var selected: Bool

    public init(number: Int, label: String, selected: Bool = false) {
        self.number = number
        self.label = label
        self.selected = selected
    }

    enum CodingKeys: String, CodingKey { case number, label }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(number: try container.decode(Int.self, forKey: .number), label: try container.decode(String.self, forKey: .label))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(label, forKey: .label)
    }
}

/// What an agent in `needs_input` asks, and where Tether learned it.
///
/// Wire shape: `{"question": "Apply this change?" | null, "choices": [{"number": 1, "label": "Allow once"}, …],
/// "source": "hook" | "screen"}`. `question` is null when it scrolled away above the options or a
/// hook gave none; `choices` is empty when a hook said a dialog is open but not what it offers.
public struct AgentPrompt: Sendable, Equatable, Codable {
    /// `hook`: the agent's own payload said it (structured, exact); `screen`: read off the screen.
    public enum Source: String, Sendable, Codable { case hook, screen }

    /// The question line, or nil when it scrolled away or a hook gave none.
    public var question: String?
    /// The numbered answers, in order; empty when only a hook said a dialog is open.
    public var choices: [AgentChoice]
    /// Where the choices came from.
    public var source: Source

    public init(question: String?, choices: [AgentChoice], source: Source) {
        self.question = question
        self.choices = choices
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case question, choices, source }

    /// Equal as clients see it: a moved cursor (``AgentChoice/selected``) is no change.
    public func sameOnWire(as other: AgentPrompt) -> Bool {
        question == other.question && source == other.source
            && choices.map { [String($0.number), $0.label] } == other.choices.map { [String($0.number), $0.label] }
    }
}

extension AgentPrompt: WireEncodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member(CodingKeys.question, question)
        json.key(CodingKeys.choices)
        json.beginArray()
        for choice in choices {
            json.beginObject()
            json.member(AgentChoice.CodingKeys.number, choice.number)
            json.member(AgentChoice.CodingKeys.label, choice.label)
            json.endObject()
        }
        json.endArray()
        json.member(CodingKeys.source, source.rawValue)
        json.endObject()
    }
}
