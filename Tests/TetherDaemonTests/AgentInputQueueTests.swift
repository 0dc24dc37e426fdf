import Testing
import TetherCore
@testable import TetherDaemon

/// The input queue on a manual clock: a text waits while its agent works and is typed once it is
/// idle, in order, one at a time; it fails at its wait, when the agent exits, when its paste fails
/// or at the stop, and waits while an agent restart holds the queue. Nothing sleeps: the clock
/// moves only when the queue is parked on it.
@Suite(.timeLimit(.minutes(2))) struct AgentInputQueueTests {
    typealias Rig = AgentInputQueueRig
    let limit = AgentInputQueue.perSessionLimit

    @Test func aTextWaitsWhileTheAgentWorksAndIsTypedOnceItIsIdle() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            let input = try rig.send("hello")
            #expect(rig.state(input) == .queued)
            #expect(await rig.parked())
            rig.clock.advance(by: AgentInputQueue.quietRecheck * 5)
            #expect(await rig.parked())
            #expect(rig.typed.isEmpty, "never typed while the agent works")
            try await rig.hook("Stop")
            #expect(await rig.settles { rig.state(input) == .delivered })
            #expect(rig.typed == ["hello"])
        }
    }

    @Test func textsAreTypedOneAtATimeInTheOrderSent() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("Stop")
            let gate = AsyncEvent()
            rig.log.paste.withLock { $0 = gate }
            let inputs = try ["one", "two", "three"].map { try rig.send($0) }
            // The first paste is under way; the others wait their turn.
            #expect(await rig.settles { rig.log.pasting.withLock { $0.now } == 1 })
            #expect(inputs.allSatisfy { rig.state($0) == .queued } && rig.typed.isEmpty)
            rig.log.paste.withLock { $0 = nil }
            gate.fire()
            #expect(await rig.settles { inputs.allSatisfy { rig.state($0) == .delivered } })
            #expect(rig.typed == ["one", "two", "three"])
            #expect(rig.log.pasting.withLock { $0.most } == 1, "never two pastes at once")
        }
    }

    @Test func aTextTheAgentNeverTakesFailsAtItsWaitNamingTheSetting() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            let input = try rig.send("stuck")
            #expect(await rig.advance(until: { rig.state(input) == .failed }, limit: Rig.wait + .seconds(5)))
            #expect(rig.reason(input).contains("timeouts.agent_input_wait"), "\(rig.reason(input))")
            #expect(rig.typed.isEmpty)
        }
    }

    @Test func aTextForAnAgentThatExitedFailsAtTheNextRecheck() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            rig.log.shell.withLock { $0 = true }
            let input = try rig.send("after the exit")
            #expect(await rig.advance(until: { rig.state(input) == .failed }, limit: AgentInputQueue.quietRecheck * 3))
            #expect(rig.reason(input).contains("a shell is in front"), "\(rig.reason(input))")
            #expect(rig.typed.isEmpty, "never typed into the shell")
        }
    }

    @Test func aRestartHoldsTheQueueThroughIdleUntilItLetsGo() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            rig.watch.hold(Rig.id)
            try await rig.hook("Stop")
            let input = try rig.send("after the restart")
            #expect(await rig.parked())
            rig.clock.advance(by: AgentInputQueue.quietRecheck * 3)
            #expect(await rig.parked())
            #expect(rig.state(input) == .queued, "idle, but held")
            rig.watch.release(Rig.id)
            #expect(await rig.settles { rig.state(input) == .delivered })
        }
    }

    @Test func theLimitCountsTheTextUnderWayAndTheNextIsRefusedNamingIt() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            _ = try rig.send("text 0")
            // The drain holds the first text now (parked on the agent), out of the queue proper.
            #expect(await rig.parked())
            for index in 1..<limit { _ = try rig.send("text \(index)") }
            let refusal = #expect(throws: TetherError.self) { try rig.send("one too many") }
            #expect(refusal?.message.contains("\(limit)") == true, "\(String(describing: refusal))")
            #expect(refusal?.message.contains("tether send --wait") == true)
            // Once the agent takes them, there is room again.
            try await rig.hook("Stop")
            #expect(await rig.settles { rig.log.receipts.withLock { $0.values.filter { $0.state == .delivered }.count } == limit })
            let next = try rig.send("room again")
            #expect(await rig.settles { rig.state(next) == .delivered })
        }
    }

    @Test func aPasteThatFailsFailsItsTextAndGivesBackItsPlace() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("Stop")
            rig.log.failures.withLock { $0 = limit }
            let broken = try (0..<limit).map { try rig.send("broken \($0)") }
            #expect(await rig.settles { broken.allSatisfy { rig.state($0) == .failed } })
            #expect(rig.typed.isEmpty)
            // Every place is free again: a full queue's worth waits behind a working agent.
            try await rig.hook("UserPromptSubmit")
            for index in 0..<limit { _ = try rig.send("text \(index)") }
            #expect(throws: TetherError.self) { try rig.send("one too many") }
        }
    }

    @Test func atTheStopWaitingTextsFailSayingSoAndNoneIsTyped() async throws {
        try await Rig.with { rig in
            await rig.watch.launched(Rig.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            let waiting = try rig.send("never typed")
            #expect(await rig.parked())
            _ = await rig.registry.shutdown(timeout: .seconds(5))
            #expect(await rig.settles { rig.state(waiting) == .failed })
            #expect(rig.reason(waiting).contains("stopped"), "\(rig.reason(waiting))")
            let late = try rig.send("too late")
            #expect(rig.state(late) == .failed && rig.reason(late).contains("stopping"), "\(rig.reason(late))")
            #expect(rig.typed.isEmpty)
        }
    }
}
