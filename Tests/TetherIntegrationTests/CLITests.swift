import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `tether` binary end to end against a real daemon.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CLITests {
    var tether: String { Binaries.directory.appendingPathComponent("tether").path }

    @Test func newSendTailAndClose() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        let socket = "--socket \(daemon.socket)"
        let created = try await shell("\(tether) new \(socket) --project \(daemon.project) --title 'from the cli' -- echo 'cli says hi'")
        #expect(created.status == 0, "\(created.output)")
        let id = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 36)
        let prefix = String(id.prefix(6))
        #expect(await eventually { (try? await shell("\(tether) tail \(socket) \(prefix)").output.contains("cli says hi")) == true })
        let listed = try await shell("\(tether) ls \(socket)")
        #expect(listed.output.contains(String(id.prefix(8))) && listed.output.contains("from the cli") && listed.output.contains("active"))

        // tail -f follows the screen through the WebSocket until the session ends.
        let follow = try ChildProcess(tether, ["tail", "-f", "--socket", daemon.socket, prefix], environment: daemonEnvironment(), logPath: daemon.dir.file("follow.log"))
        // Subscribed once the current screen is there (sent at once on subscribe).
        #expect(await eventually { follow.log.contains("--- \(id.prefix(8)) ---") })
        #expect(try await shell("\(tether) send \(socket) \(prefix) 'echo followed-$((5*5))'").status == 0)
        #expect(await eventually { follow.log.contains("followed-25") })
        #expect(try await shell("\(tether) keys \(socket) \(prefix) escape tab").status == 0)
        #expect(try await shell("\(tether) close \(socket) \(prefix)").status == 0)
        #expect(await follow.waitForExit() == 0, "tail -f ends with the session")
        #expect(follow.log.contains("closed"))
        let status = try await shell("\(tether) status \(socket)")
        #expect(status.output.contains("tetherd 0.1.0 on \(daemon.computer)"))
        let json = try await shell("\(tether) ls \(socket) --status closed --json")
        #expect(json.output.contains(id))
        let raw = try daemon.client.get("/sessions?status=closed").text
        #expect(json.output.trimmingCharacters(in: .newlines) == raw, "--json prints the daemon's bytes as they came")
        #expect(try await shell("\(tether) status \(socket) --timeout 0").status != 0, "a zero --timeout is refused")
        #expect(try await shell("\(tether) status \(socket) --timeout 2.5").status == 0)
    }

    @Test func noDaemonIsOneClearSentenceAndAFailure() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let missing = try await shell("\(tether) ls --socket \(dir.file("api.sock"))")
        #expect(missing.status != 0)
        #expect(missing.output.contains("tetherd is not running: there is no socket at \(dir.file("api.sock"))"))
        let unknown = try await shell("\(tether) send --socket \(dir.file("api.sock")) abc text")
        #expect(unknown.status != 0)
    }
}
