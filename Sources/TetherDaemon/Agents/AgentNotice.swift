import TetherCore

/// The one line typed into a session to tell it that a session it started (here or on a peer)
/// ended its agent's turn or waits for input:
/// `[tether] session <title or id prefix> on <computer> finished its turn: <first line of the reply>`
/// or `… needs input: <question>`. Printable and one line whatever the agent or a peer sent, so
/// it can never press Enter early or smuggle a control key into the receiving pane.
struct AgentNotice: Sendable, Equatable {
    /// The most characters a session's name takes in a notice: a title is for recognising, and
    /// longer ones (`{project}: {initiator} > {target} - {description}`) would push the news off a narrow pane.
    static let nameLimit = 60
    /// The most characters of the reply or question kept: a notice points at the session, whose
    /// transcript holds the rest; a line under a few hundred characters stays one paste, one submit.
    static let detailLimit = 240
    /// Characters of a session id shown when it has no title, as tmux names show it (`tc_3f2c1a9b`).
    static let idPrefix = 8

    let kind: AgentNoticeKind
    /// The session the notice is about.
    let sessionID: String
    let title: String?
    /// The computer that session runs on.
    let computer: String
    /// The first line of the agent's last reply (turn ended) or the question (needs input).
    let detail: String?

    /// The line to type.
    var line: String {
        let named = title.map { Self.clean($0, limit: Self.nameLimit) }.flatMap { $0.isEmpty ? nil : "'\($0)'" }
        let name = named ?? String(Self.clean(sessionID, limit: Self.idPrefix + 1).prefix(Self.idPrefix))
        let what = switch kind {
        case .turnEnded: "finished its turn"
        case .needsInput: "needs input"
        }
        let head = "[tether] session \(name) on \(Self.clean(computer, limit: Self.nameLimit)) \(what)"
        guard let detail = detail.map({ Self.clean(Self.firstLine($0), limit: Self.detailLimit) }), !detail.isEmpty else { return head }
        return head + ": " + detail
    }

    /// The first line holding more than blanks.
    static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) }.map(String.init) ?? ""
    }

    /// `text` with every control or format character a space, runs of blanks one space, trimmed,
    /// and cut at `limit` characters (an ellipsis marking the cut).
    static func clean(_ text: String, limit: Int) -> String {
        var out = ""
        var blank = true
        for scalar in text.unicodeScalars {
            let category = scalar.properties.generalCategory
            let isSpace = scalar.properties.isWhitespace || category == .control || category == .format
                || category == .lineSeparator || category == .paragraphSeparator
            if isSpace {
                if !blank { out.unicodeScalars.append(" ") }
                blank = true
            } else {
                out.unicodeScalars.append(scalar)
                blank = false
            }
        }
        if out.hasSuffix(" ") { out.removeLast() }
        guard out.count > limit else { return out }
        return String(out.prefix(max(0, limit - 1))) + "…"
    }
}
