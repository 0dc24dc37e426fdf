import Testing
import TetherCore
import TetherDaemon

/// `limits.max_sessions` holds when creations race: real tmux on a private socket, a real SQLite file.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SessionLimitTests {
    static let limit = 10
    static let attempts = 50

    @Test func fiftyConcurrentCreatesWithALimitOfTenGiveTenSessionsAndFortyClearRefusals() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        let configuration = world.configuration { $0.limits.maxSessions = Self.limit }
        try await withSessions(world, configuration: configuration) { sessions in
            let commands = sessions.commands
            let home = world.home
            let outcomes = await withTaskGroup(of: Result<Session, TetherError>.self) { group in
                for index in 0..<Self.attempts {
                    group.addTask {  // registry-exempt: the racing requests, structured and awaited here
                        do {
                            return .success(try await commands.newSession(.init(workingDirectory: home, title: "race \(index)")))
                        } catch {
                            return .failure((error as? TetherError) ?? TetherError(.terminal, "not a TetherError: \(error)"))
                        }
                    }
                }
                var all: [Result<Session, TetherError>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let created = outcomes.compactMap { try? $0.get() }
            let refusals = outcomes.compactMap { outcome -> TetherError? in
                if case .failure(let error) = outcome { return error }
                return nil
            }
            #expect(created.count == Self.limit)
            #expect(refusals.count == Self.attempts - Self.limit)
            for refusal in refusals {
                #expect(refusal.code == .invalidRequest, "\(refusal)")
                #expect(refusal.message.contains("the limit (limits.max_sessions) is \(Self.limit)"), "\(refusal)")
                #expect(refusal.message.contains("close a session or raise limits.max_sessions"), "\(refusal)")
            }
            #expect(await commands.listSessions().count == Self.limit)
            #expect(try await sessions.runtime.bridge.listSessions().count == Self.limit, "one tmux session per created session")
            #expect(try await sessions.runtime.store.sessions().count == Self.limit, "a refused request writes no row")

            // A closed session frees its slot, for one creation only.
            try await commands.endSession(sessionID: try #require(created.first).id)
            let another = try await commands.newSession(.init(workingDirectory: home, title: "after a close"))
            #expect(another.status == .active)
            await #expect(throws: TetherError(.invalidRequest, "")) {
                try await commands.newSession(.init(workingDirectory: home, title: "one too many"))
            }
            #expect(await commands.listSessions().count == Self.limit)
        }
    }

    @Test func aCreationThatFailsLateGivesItsSlotBack() async throws {
        let world = SessionWorld()
        defer { world.remove() }
        // The TMPDIR base is a plain file: every creation passes the checks, takes the slot, then fails.
        let base = world.dir.file("not-a-directory")
        try world.dir.write("not-a-directory", "")
        var environment = world.environment
        environment.variables["TELECLAUDE_SESSION_TMPDIR_BASE"] = base
        let configuration = world.configuration { $0.limits.maxSessions = 1 }
        try await withSessions(world, configuration: configuration, environment: environment) { sessions in
            for attempt in 1...3 {
                do {
                    _ = try await sessions.commands.newSession(.init(workingDirectory: world.home))
                    Issue.record("attempt \(attempt) created a session with an unusable TMPDIR base")
                } catch let error as TetherError {
                    // Were the slot kept, the second attempt would be refused by the limit instead.
                    #expect(error.code == .terminal && error.message.contains("temp directory"), "attempt \(attempt): \(error)")
                }
            }
            #expect(await sessions.commands.listSessions().isEmpty)
        }
    }
}
