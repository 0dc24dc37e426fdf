import Logging
import Synchronization
import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct TaskRegistryTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a registry whose `run()` is a child of the test.
    func withRegistry(
        clock: any Clock<Duration> = ContinuousClock(),
        _ body: (TaskRegistry) async -> Void
    ) async {
        let registry = TaskRegistry(clock: clock, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            await body(registry)
            group.cancelAll()
        }
    }

    @Test func tenThousandShortTasksLeaveNothingBehind() async {
        await withRegistry { registry in
            let done = Atomic<Int>(0)
            var handles: [TaskHandle] = []
            for index in 0..<10_000 {
                handles.append(registry.spawn(name: "short-\(index % 7)") { done.add(1, ordering: .relaxed) })
            }
            for handle in handles { await handle.waitUntilFinished() }
            let finished = done.load(ordering: .relaxed)
            #expect(finished == 10_000)
            #expect(registry.liveCount == 0)
            #expect(registry.liveNames.isEmpty)
            #expect(registry.spawnedCount == 10_000)
        }
    }

    @Test func liveNamesAndCountsFollowRunningTasks() async {
        await withRegistry { registry in
            let gate = AsyncEvent()
            registry.spawn(name: "poller") { await gate.wait() }
            registry.spawn(name: "poller") { await gate.wait() }
            registry.spawn(name: "reader") { await gate.wait() }
            #expect(registry.liveNames == ["poller", "poller", "reader"])
            #expect(registry.liveCountsByName == ["poller": 2, "reader": 1])
            gate.fire()
            await registry.waitUntilEmpty()
            #expect(registry.liveCount == 0)
        }
    }

    @Test func handleCancelsOnlyItsOwnTask() async {
        await withRegistry { registry in
            let otherGate = AsyncEvent()
            let cancelled = AsyncEvent()
            let target = registry.spawn(name: "target") {
                do { try await Task.sleep(for: .seconds(3600)) } catch { cancelled.fire() }
            }
            let other = registry.spawn(name: "other") { await otherGate.wait() }
            target.cancel()
            await target.waitUntilFinished()
            #expect(cancelled.isFired)
            #expect(!other.isFinished)
            #expect(registry.liveNames == ["other"])
            otherGate.fire()
            await other.waitUntilFinished()
        }
    }

    @Test func shutdownCancelsEverythingWithinItsDeadline() async {
        // On a clock that never moves, the drain can only end if idle tasks are cancelled at once,
        // without waiting for any deadline.
        let clock = ManualClock()
        await withRegistry(clock: clock) { registry in
            for index in 0..<1000 {
                registry.spawn(name: "idle-\(index)") { try await Task.sleep(for: .seconds(3600)) }
            }
            let abandoned = await registry.shutdown(timeout: .seconds(5))
            #expect(abandoned.isEmpty)
            #expect(registry.liveCount == 0)
            #expect(clock.now.offset == .zero)
        }
    }

    @Test func workInFlightMayFinishDuringTheGracePeriod() async {
        await withRegistry { registry in
            let release = AsyncEvent()
            let finishedNormally = AsyncEvent()
            registry.spawn(name: "request", onShutdown: .complete) {
                await release.wait()
                if !Task.isCancelled { finishedNormally.fire() }
            }
            async let abandoned = registry.shutdown(timeout: .seconds(10))
            await registry.waitForShutdown()
            release.fire()
            #expect(await abandoned.isEmpty)
            #expect(finishedNormally.isFired)
        }
    }

    @Test func taskIgnoringCancellationIsReportedByNameAtTheDeadline() async {
        let clock = ManualClock()
        let stubborn = AsyncEvent()
        await withRegistry(clock: clock) { registry in
            registry.spawn(name: "stubborn") { await withTaskCancellationHandler { await stubborn.waitIgnoringCancellation() } onCancel: {} }
            registry.spawn(name: "polite") { try await clock.sleep(for: .seconds(3600)) }
            async let abandoned = registry.shutdown(timeout: .seconds(5))
            // Walk the manual clock past the deadline once the drain is waiting on it.
            while registry.liveNames != ["stubborn"] || clock.sleeperCount == 0 { await Task.yield() }
            clock.advance(by: .seconds(5))
            #expect(await abandoned == ["stubborn"])
            stubborn.fire()
        }
    }

    @Test func secondRequestEscalatesStraightToCancellation() async {
        let clock = ManualClock()
        await withRegistry(clock: clock) { registry in
            let sawCancel = AsyncEvent()
            registry.spawn(name: "slow-request", onShutdown: .complete) {
                try? await Task.sleep(for: .seconds(3600))
                sawCancel.fire()
            }
            async let abandoned = registry.shutdown(timeout: .seconds(60))
            await registry.waitForShutdown()
            registry.cancelAll()
            await sawCancel.wait()
            #expect(await abandoned.isEmpty)
        }
    }

    @Test func nothingStartsOnceTheDrainHasBegun() async {
        await withRegistry { registry in
            _ = await registry.shutdown(timeout: .seconds(1))
            let ran = Atomic<Bool>(false)
            let handle = registry.spawn(name: "late") { ran.store(true, ordering: .relaxed) }
            #expect(handle.isFinished)
            let didRun = ran.load(ordering: .relaxed)
            #expect(!didRun)
            #expect(registry.liveCount == 0)
        }
    }

    @Test func aFailingTaskIsRemovedLikeAnyOther() async {
        struct Boom: Error {}
        await withRegistry { registry in
            let handle = registry.spawn(name: "fails") { throw Boom() }
            await handle.waitUntilFinished()
            #expect(registry.liveCount == 0)
        }
    }
}
