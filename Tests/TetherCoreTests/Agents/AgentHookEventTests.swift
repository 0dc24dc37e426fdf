import Testing
import TetherCore

/// Every agent's hook names map to one event and the effect the table in `AgentHookEvent` gives.
@Suite(.timeLimit(.minutes(1))) struct AgentHookEventTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let type: String?
        let event: AgentHookEvent
        let effect: AgentHookEffect
        init(_ name: String, _ type: String?, _ event: AgentHookEvent, _ effect: AgentHookEffect) {
            (self.name, self.type, self.event, self.effect) = (name, type, event, effect)
        }
        init(_ name: String, _ event: AgentHookEvent, _ effect: AgentHookEffect) { self.init(name, nil, event, effect) }
        var testDescription: String { "\(name) \(type ?? "")" }
    }

    static let cases: [Case] = [
        Case("SessionStart", .sessionStart, .started),
        Case("UserPromptSubmit", .userPromptSubmit, .proceeding),
        Case("BeforeAgent", .userPromptSubmit, .proceeding),
        Case("PreToolUse", .preToolUse, .working),
        Case("BeforeTool", .preToolUse, .working),
        Case("PostToolUse", .postToolUse, .proceeding),
        Case("AfterTool", .postToolUse, .proceeding),
        Case("PermissionRequest", .permissionRequest, .needsInput),
        Case("Notification", "permission_prompt", .notification(type: "permission_prompt"), .needsInput),
        Case("Notification", "elicitation_dialog", .notification(type: "elicitation_dialog"), .needsInput),
        Case("Notification", "ToolPermission", .notification(type: "ToolPermission"), .needsInput),
        Case("Notification", "idle_prompt", .notification(type: "idle_prompt"), .turnEnded),
        Case("Notification", "auth_success", .notification(type: "auth_success"), .neutral),
        Case("Notification", .notification(type: nil), .neutral),
        Case("Stop", .stop, .turnEnded),
        Case("AfterAgent", .stop, .turnEnded),
        Case("agent-turn-complete", .stop, .turnEnded),
        Case("StopFailure", .stopFailure, .turnEnded),
        Case("SubagentStop", .subagentStop, .neutral),
        Case("stop", .stop, .turnEnded),
        Case("user_prompt_submit", .userPromptSubmit, .proceeding),
        Case("PreCompact", .unrecognized("PreCompact"), .neutral),
        Case("", .unrecognized(""), .neutral),
    ]

    @Test(arguments: cases) func mapsTheHookName(_ c: Case) {
        let event = AgentHookEvent(hookName: c.name, notificationType: c.type)
        #expect(event == c.event)
        #expect(event.effect == c.effect)
    }

    @Test(arguments: [("claude", AgentKind.claude), ("Claude-Opus", .claude), ("gemini", .gemini), ("codex2", .codex),
                      ("aider", .other), ("", .other)])
    func agentKindsFromConfiguredNames(_ name: String, _ kind: AgentKind) {
        #expect(AgentKind(agentName: name) == kind)
        #expect(AgentKind(agentName: nil) == .other)
    }
}
