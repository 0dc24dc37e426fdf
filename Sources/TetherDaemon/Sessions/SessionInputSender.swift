import Foundation
import TetherCore
import TetherTerminal

/// Types into live sessions: text with Enter, and keys. After input the session's poller looks
/// again at once, so the answer shows without waiting out an idle backoff.
///
/// Into an agent CLI, text with punctuation (or a newline) goes as a bracketed paste (PROTOCOL.md §8),
/// so the Enter that follows at once is not taken as part of it; a slash command is typed, as the
/// agent reads it key by key. Gemini's CLI takes `!` as a shell escape, so it is escaped there.
struct SessionInputSender: Sendable {
    /// The most of a message kept on the record as `last_message_sent`.
    static let rememberedMessageCharacters = 4096

    let lookup: SessionLookup
    let recorder: SessionRecorder
    let bridge: TerminalBridge
    let poller: OutputPoller
    let time: TimeSource
    let agents: AgentWatch
    let submitter: AgentSubmitter
    let exits: AgentExitWaiter
    /// Where text for a followed agent waits; nil in the sender the queue itself delivers through.
    let queue: AgentInputQueue?

    /// Types `text` and presses Enter; `asShellCommand` when it goes to the shell, not the agent.
    /// Text for an agent Tether follows is queued for it (``AgentInputQueue``): the receipt says
    /// `queued`, and its later states arrive as `input_updated` events.
    @discardableResult
    func sendMessage(_ id: String, _ text: String, adapter: String, asShellCommand: Bool = false) async throws -> InputReceipt {
        let session = try await lookup.accepting(id)
        let agent = asShellCommand ? nil : session.record.activeAgent
        if agent != nil, let queued = try await enqueueForAgent(session, text, adapter: adapter) { return queued }
        try await bridge.sendText(Self.typed(text, agent: agent), to: session.record.tmuxSessionName, enter: true,
                                  bracketedPaste: Self.needsPaste(text, agent: agent))
        try await recordSent(id, text, adapter: adapter)
        let receipt = InputReceipt(inputID: UUID().uuidString.lowercased(), sessionID: id, state: .delivered)
        queue?.remember(receipt)
        return receipt
    }

    /// Queues `text` (a notice) for session `id`'s agent, never typing it anywhere else: nil when
    /// no agent Tether follows is in front. A notice carries another agent's words, which a shell
    /// would run as a command line.
    func sendNotice(_ id: String, _ text: String, adapter: String) async throws -> InputReceipt? {
        let session = try await lookup.accepting(id)
        guard session.record.activeAgent != nil else { return nil }
        return try await enqueueForAgent(session, text, adapter: adapter)
    }

    /// Queues `text` for the session's agent when Tether follows it and it is in front (or only
    /// starting); nil when a shell is in front (the agent exited) or no agent is followed.
    private func enqueueForAgent(_ session: Session, _ text: String, adapter: String) async throws -> InputReceipt? {
        let id = session.id
        guard agents.follows(id), let queue, try await agentInFront(id, session.record.tmuxSessionName) else { return nil }
        try TerminalBridge.checkText(text, for: session.record.tmuxSessionName)
        return try queue.enqueue(text, sessionID: id, adapter: adapter)
    }

    /// What the queue runs for each text it delivers: out of copy mode, pasted, submitted and
    /// confirmed (``AgentSubmitter``), then recorded; whether the agent confirmed the submit.
    func deliverQueued(_ id: String, _ text: String, adapter: String) async throws -> Bool {
        let session = try await lookup.accepting(id)
        guard let agent = session.record.activeAgent else { throw TetherError(.invalidRequest, "session \(id) runs no agent any more") }
        // The agent may have exited since the queue saw it idle: its text is never pasted into the shell.
        if try await atShellPrompt(session.record.tmuxSessionName) {
            throw TetherError(.invalidRequest, "the agent of session \(id) exited (a shell is in front); the text was not typed: send it again to type it into the shell")
        }
        try await bridge.leaveCopyMode(session.record.tmuxSessionName)
        poller.kick(sessionID: id)
        // Pasted as sent: Gemini's `!` shell escape applies to typed input, not to a paste.
        let confirmed = try await submitter.submit(text, id: id, tmuxName: session.record.tmuxSessionName, agent: agent)
        try await recordSent(id, text, adapter: adapter)
        return confirmed
    }

    /// Whether a shell is in front in session `id`'s pane (false when it cannot be told).
    func shellInFront(_ id: String) async -> Bool {
        guard let session = lookup.live(id) else { return false }
        return (try? await atShellPrompt(session.record.tmuxSessionName)) ?? false
    }

    /// Whether text for session `id` is for its agent: it is starting, or a program other than a shell runs in front.
    private func agentInFront(_ id: String, _ tmuxName: String) async throws -> Bool {
        if agents.status(id)?.state == .starting { return true }
        return try await !atShellPrompt(tmuxName)
    }

    /// The pane's own shell is in front again (its agent exited, or never started): text goes
    /// straight in. Unknown (no pane, `/proc` hides it) counts as not.
    private func atShellPrompt(_ tmuxName: String) async throws -> Bool {
        try await exits.shellInForeground(tmuxName) ?? false
    }

    private func recordSent(_ id: String, _ text: String, adapter: String) async throws {
        poller.kick(sessionID: id)
        let now = time.wallNow
        try await recorder.update(id) {
            $0.lastMessageSent = String(text.prefix(Self.rememberedMessageCharacters))
            $0.lastMessageSentAt = now
            $0.lastActivity = now
            $0.lastInputAdapter = adapter
        }
    }

    /// Types the number of one of the open dialog's choices: the agent CLIs take a digit as the
    /// answer. Refused unless the agent is waiting on a dialog that has that choice.
    func answer(_ id: String, choice: Int) async throws {
        let session = try await lookup.accepting(id)
        guard let status = session.record.agent, status.state == .needsInput else {
            let state = session.record.agent?.state.rawValue ?? "no agent followed"
            throw TetherError(.invalidRequest, "session \(id) is not waiting for an answer (agent_state: \(state)); send a message instead")
        }
        if let choices = status.prompt?.choices, !choices.isEmpty, !choices.contains(where: { $0.number == choice }) {
            let numbers = choices.map { String($0.number) }.joined(separator: ", ")
            throw TetherError(.invalidRequest, "the dialog of session \(id) has no choice \(choice); its choices are \(numbers)")
        }
        try await bridge.sendText(String(choice), to: session.record.tmuxSessionName, enter: false)
        poller.kick(sessionID: id)
    }

    /// Presses `key` `count` times.
    func sendKey(_ id: String, _ key: TerminalKey, count: Int) async throws {
        let session = try await lookup.accepting(id)
        try await bridge.sendKey(key, count: count, to: session.record.tmuxSessionName)
        poller.kick(sessionID: id)
    }

    /// The text as typed for `agent` (nil: a shell).
    static func typed(_ text: String, agent: String?) -> String {
        agent == "gemini" ? text.replacingOccurrences(of: "!", with: "\\!") : text
    }

    /// Whether `text` goes to `agent` as a bracketed paste.
    static func needsPaste(_ text: String, agent: String?) -> Bool {
        agent != nil && !text.hasPrefix("/") && text.contains { $0.isPunctuation && $0 != "/" || $0 == "\n" }
    }

    /// `'text'` for a POSIX shell.
    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
