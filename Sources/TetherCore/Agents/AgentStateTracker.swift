/// One session's agent state, from its hook events and its screen readings: a state machine
/// without I/O, time passed in (`TimeSource.now`), so the caller emits `session_updated` exactly
/// when a method returns true.
///
/// - Precedence: needs input over working over idle. A working hook (PreToolUse) leaves an open
///   dialog open; only ``AgentHookEffect/proceeding`` and ``AgentHookEffect/turnEnded`` hooks or a
///   screen showing something else (busy or idle) close it.
/// - Hooks are exact but may never come (no hook support, a crash, an interrupt without Stop), so
///   the screen decides too: a busy screen means working, a dialog means needs input, and an idle
///   screen counts once it held for ``idleHoldPolls`` readings in a row.
/// - The screen lags: a poll may have captured the screen just before a hook fired. A screen
///   reading that contradicts a hook younger than ``hookTrust`` is ignored (a busy or dialog screen
///   after a Stop, an idle screen after a working hook, a dialog-less screen after a dialog hook).
/// - Structured choices from a hook win over the screen's (source `hook`).
/// - ``AgentStatus/turn`` counts moves into idle from working or needs input.
public struct AgentStateTracker: Sendable {
    /// Idle readings in a row before the screen's idle counts: agents blank their busy line for a
    /// moment between steps, and the poller reads every 0.1–1 s while the screen changes, so three
    /// readings outlast a redraw without delaying a real idle by more than a few seconds.
    public static let idleHoldPolls = 3
    /// How long a hook outranks a screen that says otherwise: a poll captured up to one poll
    /// interval (1 s by default) before the hook shows the old state, and agents redraw within a
    /// fraction of a second; beyond this the screen is the fresher witness (a Stop that never came).
    public static let hookTrust: Duration = .seconds(3)

    /// The state, prompt and turn count so far.
    public private(set) var status = AgentStatus()
    private var idleStreak = 0
    private var lastHook: (effect: AgentHookEffect, at: Duration)?

    public init() {}

    /// Applies a parsed hook call received at `now`; true when the status changed.
    @discardableResult
    public mutating func hookArrived(_ payload: AgentHookPayload, at now: Duration) -> Bool {
        hookArrived(payload.effect, prompt: payload.prompt, at: now)
    }

    /// Applies a hook's `effect` (with the dialog it describes, if any) at `now`; true when the
    /// status changed.
    @discardableResult
    public mutating func hookArrived(_ effect: AgentHookEffect, prompt: AgentPrompt? = nil, at now: Duration) -> Bool {
        let before = status
        if effect != .neutral { lastHook = (effect, now) }
        switch effect {
        case .neutral: break
        case .started:
            if status.state == .starting { status.state = .idle }
        case .working:
            idleStreak = 0
            if status.state != .needsInput { status.state = .working }
        case .proceeding:
            idleStreak = 0
            leaveDialog(to: .working)
        case .needsInput:
            status.state = .needsInput
            status.prompt = Self.merged(current: status.prompt, hook: prompt ?? AgentPrompt(question: nil, choices: [], source: .hook))
        case .turnEnded:
            endTurn()
        }
        return status != before
    }

    /// Applies what the screen showed at `now`; true when the status changed. Call it on every
    /// poll, changed screen or not: the idle hold counts readings.
    @discardableResult
    public mutating func screenRead(_ reading: ScreenReading, at now: Duration) -> Bool {
        let before = status
        let hook = lastHook.flatMap { now - $0.at < Self.hookTrust ? $0.effect : nil }
        switch reading {
        case .unknown:
            idleStreak = 0
        case .prompt(let screen):
            idleStreak = 0
            if hook == .proceeding || hook == .turnEnded { break }
            status.state = .needsInput
            status.prompt = Self.merged(current: status.prompt, screen: screen)
        case .busy:
            idleStreak = 0
            if hook == .turnEnded || hook == .needsInput { break }
            leaveDialog(to: .working)
        case .idle:
            idleStreak += 1
            if hook == .needsInput { break }
            if status.state == .needsInput { leaveDialog(to: .working) }
            if idleStreak >= Self.idleHoldPolls, hook != .working, hook != .proceeding { endTurn() }
        }
        return status != before
    }

    private mutating func leaveDialog(to state: AgentState) {
        status.state = state
        status.prompt = nil
    }

    private mutating func endTurn() {
        if status.state == .working || status.state == .needsInput { status.turn += 1 }
        leaveDialog(to: .idle)
    }

    /// A hook's prompt replaces the current one unless it brings no choices and the screen already
    /// read some (the hook said a dialog is open, the screen says what it offers).
    private static func merged(current: AgentPrompt?, hook: AgentPrompt) -> AgentPrompt {
        guard hook.choices.isEmpty, var current, !current.choices.isEmpty else { return hook }
        current.question = current.question ?? hook.question
        return current
    }

    /// The screen's prompt replaces the current one unless a hook's choices stand, or it is the
    /// same dialog with the cursor moved (no change for clients).
    private static func merged(current: AgentPrompt?, screen: AgentPrompt) -> AgentPrompt {
        guard let current else { return screen }
        if current.source == .hook, !current.choices.isEmpty { return current }
        var screen = screen
        screen.question = screen.question ?? current.question
        return current.sameOnWire(as: screen) ? current : screen
    }
}
