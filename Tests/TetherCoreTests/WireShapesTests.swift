import Foundation
import Testing
import TetherCore

/// The wire types write the shapes PROTOCOL.md gives, byte for byte where clients compare, and read
/// back with `JSONDecoder` what they wrote.
@Suite(.timeLimit(.minutes(1))) struct WireShapesTests {
    func text(_ value: some WireEncodable) -> String { String(decoding: value.jsonBytes, as: UTF8.self) }

    @Test func theSessionSummaryKeepsItsKeyOrderAndNullsAndDecodesBack() throws {
        var record = SessionModelTests.record()
        record.cpuSeconds = 1.23456
        let session = Session(record)
        let expected = #"{"session_id":"3f2c1a9b-0000-4000-8000-000000000001","origin_adapter":"rest","#
            + #""title":"TeleClaude: $MozMini - \"quoted\"\nline","working_directory":"/home/u/TeleClaude","thinking_mode":"slow","#
            + #""active_agent":null,"status":"active","created_at":"2026-01-11T21:01:02.500000+00:00","#
            + #""last_activity":"2026-01-11T21:01:02.500000+00:00","last_input":null,"last_output":null,"#
            + #""tmux_session_name":"tc_3f2c1a9b","initiator_session_id":null,"computer":"MozMini","exit_status":null,"#
            + #""exit_reason":null,"cpu_seconds":1.23,"memory_bytes":null}"#
        #expect(String(decoding: session.summaryJSON, as: UTF8.self) == expected)
        var decoded = try JSONDecoder().decode(SessionSummary.self, from: Data(session.summaryJSON))
        #expect(decoded.cpuSeconds == 1.23)
        decoded.cpuSeconds = record.cpuSeconds
        #expect(decoded == SessionSummary(record))
        let spliced = String(decoding: Session.jsonArray([session, session]), as: UTF8.self)
        #expect(spliced == "[" + expected + "," + expected + "]")
    }

    @Test func aPythonPeersSummaryDecodesWithItsGaps() throws {
        let python = #"{"session_id":"s1","origin_adapter":"telegram","title":null,"working_directory":"~","active_agent":"claude","status":"active","tmux_session_name":"tc_s1"}"#
        let summary = try JSONDecoder().decode(SessionSummary.self, from: Data(python.utf8))
        #expect(summary.thinkingMode == "slow" && summary.computer == nil && summary.exitStatus == nil && summary.activeAgent == "claude")
    }

    @Test func projectsHaveOneLayoutPerWire() throws {
        let project = Project(name: "tc", description: "TeleClaude folder", path: "/srv/tc")
        #expect(text(project.listed(as: .peer)) == #"{"name":"tc","desc":"TeleClaude folder","path":"/srv/tc"}"#)
        #expect(text(project.listed(on: "mini", as: .rest)) == #"{"computer":"mini","name":"tc","path":"/srv/tc","description":"TeleClaude folder"}"#)
        #expect(text(ProjectsSnapshot(computer: "mini", projects: [project]))
            == #"{"computer":"mini","projects":[{"computer":"mini","name":"tc","path":"/srv/tc","description":"TeleClaude folder","desc":"TeleClaude folder"}]}"#)
        let todo = TodoItem(slug: "a", status: "pending", hasRequirements: true, hasImplementationPlan: false)
        #expect(text(project.listed(on: "mini", as: .rest, todos: [todo])).hasSuffix(
            #""todos":[{"slug":"a","status":"pending","description":null,"has_requirements":true,"has_impl_plan":false}]}"#))
        for shape in [Project.Shape.peer, .rest, .snapshot] {
            #expect(try JSONDecoder().decode(Project.self, from: Data(project.listed(on: "mini", as: shape).jsonBytes)) == project, "\(shape)")
        }
    }

    @Test func computersAndTheirReport() throws {
        let info = ComputerInfo(name: "mini", user: "maurice", role: "development", host: nil, isLocal: true, tmuxBinary: "tmux")
        #expect(text(info) == #"{"name":"mini","status":"online","user":"maurice","host":null,"role":"development","is_local":true,"tmux_binary":"tmux"}"#)
        #expect(try JSONDecoder().decode(ComputerInfo.self, from: Data(info.jsonBytes)) == info)
        let stats = SystemStats(memoryTotalGB: 64, memoryAvailableGB: 31.24, memoryPercentUsed: 51.3, diskTotalGB: 926.4,
                                diskFreeGB: 410, diskPercentUsed: 55.7, cpuPercentUsed: nil)
        let report = ComputerReport(info, stats: stats)
        #expect(text(report) == #"{"user":"maurice","role":"development","host":null,"system_stats":{"memory":{"total_gb":64.0,"available_gb":31.2,"percent_used":51.3},"disk":{"total_gb":926.4,"free_gb":410.0,"percent_used":55.7},"cpu":{"percent_used":null}}}"#)
        #expect(try JSONDecoder().decode(ComputerReport.self, from: Data(report.jsonBytes)).systemStats.memoryAvailableGB == 31.2)
    }

    @Test func statusAndErrorsReadBackAsWritten() throws {
        let status = StatusReport(version: "0.1.0", uptimeSeconds: 12.34, computer: "mini", configuration: "defaults", sessions: 2,
                                  tmuxControlClient: true, components: [.init(name: "api", state: "running", sinceLastBeatSeconds: 0.26)])
        #expect(text(status).hasPrefix(#"{"status":"ok","version":"0.1.0","uptime_seconds":12.3,"computer":"mini""#))
        let decoded = try JSONDecoder().decode(StatusReport.self, from: Data(status.jsonBytes))
        #expect(decoded.components.first?.sinceLastBeatSeconds == 0.3 && decoded.sessions == 2)
        #expect(decoded.redis == .off)
        #expect(text(status).hasSuffix(#""redis":{"enabled":false,"state":"disabled","last_error":null,"url":null,"peers":[],"cursor":null,"handled":0,"rejected":0}}"#))
        var joined = status
        joined.redis = RedisStatusReport(enabled: true, state: RedisStatusReport.connected, url: "rediss://:***@cache:6380", peers: ["MozMini"],
                                         cursor: "1700000000000-0", handled: 3, rejected: 1)
        #expect(try JSONDecoder().decode(StatusReport.self, from: Data(joined.jsonBytes)).redis == joined.redis)

        #expect(text(ErrorReply.detail("Not Found")) == #"{"detail":"Not Found"}"#)
        #expect(text(ErrorReply.failure("gone")) == #"{"status":"error","message":"gone","error":"gone","detail":"gone"}"#)
        let problems = ErrorReply.problems([ValidationProblem(type: "string_too_short", location: ["body", "computer"], message: "short",
                                                              input: "a", context: ["min_length": 2])])
        #expect(text(problems) == #"{"detail":[{"type":"string_too_short","loc":["body","computer"],"msg":"short","input":"a","ctx":{"min_length":2}}]}"#)
        #expect(try JSONDecoder().decode(ErrorReply.self, from: Data(problems.jsonBytes)).summary == "body.computer: short")
        let pydantic = #"{"detail":[{"type":"missing","loc":["body",0],"msg":"Field required","input":null}]}"#
        #expect(try JSONDecoder().decode(ErrorReply.self, from: Data(pydantic.utf8)).summary == "body.0: Field required")
    }

    @Test func eventsWrapTheirDataAndClientMessagesAreOneObject() throws {
        let event = WireEvent(WireEventName.sessionOutput, ScreenUpdate(sessionID: "s1", screen: "$ ", publishedMicroseconds: 7))
        #expect(event.text == #"{"event":"session_output","data":{"session_id":"s1","screen":"$ ","ts":7}}"#)
        #expect(try JSONDecoder().decode(WireEvent<ScreenUpdate>.self, from: Data(event.text.utf8)).data.screen == "$ ")
        let session = Session(SessionModelTests.record())
        #expect(WireEvent(WireEventName.sessionUpdated, session).text == #"{"event":"session_updated","data":"# + String(decoding: session.summaryJSON, as: UTF8.self) + "}")
        #expect(ClientMessage.subscribeSession("s1").text == #"{"subscribe":{"session":"s1"}}"#)
        #expect(ClientMessage.subscribeComputer("local", types: ["sessions"]).text == #"{"subscribe":{"computer":"local","types":["sessions"]}}"#)
    }
}
