/// A hook call of any agent, under one name per meaning, and what it says about the agent's state.
///
/// | Claude Code              | Gemini CLI            | Codex CLI             | event               | effect        |
/// |--------------------------|-----------------------|-----------------------|---------------------|---------------|
/// | SessionStart             |                       |                       | `sessionStart`      | `started`     |
/// | UserPromptSubmit         | BeforeAgent           |                       | `userPromptSubmit`  | `proceeding`  |
/// | PreToolUse               | BeforeTool            |                       | `preToolUse`        | `working` (¹) |
/// | PostToolUse              | AfterTool             |                       | `postToolUse`       | `proceeding`  |
/// | PermissionRequest        |                       |                       | `permissionRequest` | `needsInput`  |
/// | Notification `permission_prompt`, `elicitation_dialog` | Notification `ToolPermission` | | `notification` | `needsInput` |
/// | Notification `idle_prompt` |                     |                       | `notification`      | `turnEnded`   |
/// | Notification, other types | Notification, other  |                       | `notification`      | `neutral`     |
/// | Stop                     | AfterAgent            | `agent-turn-complete` | `stop`              | `turnEnded`   |
/// | StopFailure              |                       |                       | `stopFailure`       | `turnEnded`   |
/// | SubagentStop             |                       |                       | `subagentStop`      | `neutral`     |
/// | anything else            |                       |                       | `unrecognized`      | `neutral`     |
///
/// (¹) `needsInput` when the payload carries structured choices (Claude's AskUserQuestion):
/// ``AgentHookPayload/effect``. Names match ignoring case, `-` and `_`, so `tether hook claude stop`
/// and Codex's `agent-turn-complete` both read.
public enum AgentHookEvent: Sendable, Equatable {
    case sessionStart, userPromptSubmit, preToolUse, postToolUse, permissionRequest
    case notification(type: String?)
    case stop, stopFailure, subagentStop
    /// A hook Tether does not act on (PreCompact, SessionEnd, a newer agent's addition): counted, ignored.
    case unrecognized(String)

    /// The event a hook named `name` reports; `notificationType` only matters for `Notification`.
    public init(hookName name: String, notificationType: String? = nil) {
        let key = name.lowercased().filter { $0 != "-" && $0 != "_" }
        switch key {
        case "sessionstart": self = .sessionStart
        case "userpromptsubmit", "beforeagent": self = .userPromptSubmit
        case "pretooluse", "beforetool": self = .preToolUse
        case "posttooluse", "aftertool": self = .postToolUse
        case "permissionrequest": self = .permissionRequest
        case "notification": self = .notification(type: notificationType)
        case "stop", "afteragent", "agentturncomplete": self = .stop
        case "stopfailure": self = .stopFailure
        case "subagentstop": self = .subagentStop
        default: self = .unrecognized(name)
        }
    }

    /// Notification types that mean a dialog is open.
    static let dialogNotifications: Set<String> = ["permission_prompt", "elicitation_dialog", "toolpermission"]
    /// Notification types that mean the agent sits at its input prompt.
    static let idleNotifications: Set<String> = ["idle_prompt"]

    /// What this event says about the agent's state (the table above).
    public var effect: AgentHookEffect {
        switch self {
        case .sessionStart: .started
        case .userPromptSubmit, .postToolUse: .proceeding
        case .preToolUse: .working
        case .permissionRequest: .needsInput
        case .notification(let type?) where Self.dialogNotifications.contains(type.lowercased()): .needsInput
        case .notification(let type?) where Self.idleNotifications.contains(type.lowercased()): .turnEnded
        case .stop, .stopFailure: .turnEnded
        case .notification, .subagentStop, .unrecognized: .neutral
        }
    }
}

/// What a hook event says about the agent's state, for ``AgentStateTracker``.
public enum AgentHookEffect: Sendable, Equatable {
    /// The agent is up: `starting` becomes `idle`; any other state stays.
    case started
    /// Working; an open dialog stays open (a tool's dialog opens right after its PreToolUse).
    case working
    /// Working past a dialog: it was answered, or the user submitted text; `needs_input` clears.
    case proceeding
    /// A dialog is open.
    case needsInput
    /// The turn is over: `idle`, and `needs_input` clears.
    case turnEnded
    /// Nothing about the state.
    case neutral
}
