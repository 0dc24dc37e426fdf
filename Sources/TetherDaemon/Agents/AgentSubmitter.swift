import Logging
import TetherCore
import TetherTerminal

/// How a message reaches an agent CLI Tether follows, whole and submitted once: the text as one
/// bracketed paste (a slash command typed, as the agent reads it key by key), then, after the
/// agent's `submit_settle`, Enter on its own; then a confirmation: the agent's prompt-submit hook
/// (UserPromptSubmit, BeforeAgent), its screen turning busy or to a dialog, or the draft gone from
/// its input box (Codex has no submit hook, and a short turn or a slash command shows no busy
/// line). An Enter that is not confirmed is pressed again, never the text.
struct AgentSubmitter: Sendable {
    /// How long one Enter has to be confirmed before it is pressed again: an agent's hook arrives,
    /// or its busy line shows, within a few hundred milliseconds of a submit it took.
    static let confirmWindow: Duration = .milliseconds(1500)
    /// Enters pressed at most for one message.
    static let attempts = 3
    /// How often the screen is read while waiting for a confirmation (one capture each).
    static let checkInterval: Duration = .milliseconds(100)

    let bridge: TerminalBridge
    let agents: AgentWatch
    let settings: LiveConfiguration
    let time: TimeSource
    let logger: Logger

    /// A submit that failed after its text went in (the Enter could not be pressed, a stop
    /// cancelled the settle): the text may sit in the agent's input box.
    struct Interrupted: Error {
        let cause: any Error
    }

    /// Pastes `text` into `tmuxName` (session `id`, agent `agent`) and submits it; whether the
    /// submit was confirmed. An error after the paste is ``Interrupted``.
    func submit(_ text: String, id: String, tmuxName: String, agent: String) async throws -> Bool {
        if text.hasPrefix("/") {
            try await bridge.sendText(text, to: tmuxName, enter: false)
        } else {
            try await bridge.pasteText(text, to: tmuxName)
        }
        do {
            return try await submitPasted(id: id, tmuxName: tmuxName, agent: agent)
        } catch {
            throw Interrupted(cause: error)
        }
    }

    private func submitPasted(id: String, tmuxName: String, agent: String) async throws -> Bool {
        let settle = settings.current.agents[agent]?.submitSettle ?? TetherConfiguration.Agent(command: agent).submitSettle
        try await time.sleep(for: .milliseconds(Int64(settle * 1000)))
        let submitsBefore = agents.submits(id)
        let turn = agents.status(id)?.turn
        let reader = AgentScreenReader(kind: agents.kind(id, agent: agent))
        // The draft as the box shows it before any Enter: what must leave it. An empty or unseen
        // box leaves only the hook and the busy screen to confirm.
        let shown = (try? await bridge.capture(tmuxName)).flatMap { reader.draft(screen: $0) }
        let draft = shown?.isEmpty == false ? shown : nil
        for attempt in 1...Self.attempts {
            try await bridge.sendKey(.enter, to: tmuxName)
            if await confirmed(id, tmuxName: tmuxName, reader: reader, draft: draft, submitsBefore: submitsBefore) {
                await agents.submitted(id, inTurn: turn)
                return true
            }
            logger.info("an agent did not confirm a submit; pressing Enter again (never the text)",
                        metadata: ["session.id": "\(id)", "agent.name": "\(agent)", "attempt": "\(attempt)"])
        }
        return false
    }

    /// Waits, at most ``confirmWindow``, for a hook or the screen to show the agent took the message.
    private func confirmed(_ id: String, tmuxName: String, reader: AgentScreenReader, draft: String?, submitsBefore: Int) async -> Bool {
        let end = time.now + Self.confirmWindow
        while time.now < end, !Task.isCancelled {
            if agents.submits(id) > submitsBefore { return true }
            if let screen = try? await bridge.capture(tmuxName) {
                switch reader.read(screen: screen) {
                case .busy, .prompt: return true
                case .idle, .unknown:
                    if let draft, let now = reader.draft(screen: screen), AgentScreenReader.draftLeft(draft, now: now) { return true }
                }
            }
            try? await time.sleep(for: Self.checkInterval)
        }
        return false
    }
}
