import Testing
import TetherCore

@Suite(.timeLimit(.minutes(1))) struct HealthBoardTests {
    @Test func componentIsStaleAfterThreeMissedBeats() {
        let clock = ManualClock()
        let board = HealthBoard(time: TimeSource(clock: clock))
        board.register("poller", heartbeatInterval: .seconds(1))
        let context = ComponentContext(name: "poller", logger: .init(label: "t"), board: board)
        context.started()
        clock.advance(by: .seconds(2))
        context.beat()
        clock.advance(by: .seconds(3))
        #expect(board.unhealthy().isEmpty)
        clock.advance(by: .milliseconds(1))
        #expect(board.unhealthy() == ["poller"])
        context.beat()
        #expect(board.unhealthy().isEmpty)
    }

    @Test func startingAndStoppedComponentsAreNotStaleButFailedOnesAre() {
        let clock = ManualClock()
        let board = HealthBoard(time: TimeSource(clock: clock))
        board.register("store", heartbeatInterval: .seconds(1))
        board.register("api", heartbeatInterval: .seconds(1))
        clock.advance(by: .seconds(10))
        #expect(board.unhealthy().isEmpty)
        board.markFinished("store", failed: false)
        board.markFinished("api", failed: true)
        #expect(board.unhealthy() == ["api"])
    }

    @Test func allStartedWaitsForEveryComponent() async {
        let board = HealthBoard(time: TimeSource(clock: ManualClock()))
        board.register("a", heartbeatInterval: .seconds(1))
        board.register("b", heartbeatInterval: .seconds(1))
        let a = ComponentContext(name: "a", logger: .init(label: "t"), board: board)
        let b = ComponentContext(name: "b", logger: .init(label: "t"), board: board)
        a.started()
        #expect(board.reports().map(\.phase) == [.running, .starting])
        b.started()
        await board.waitUntilAllStarted()
        #expect(board.reports().map(\.phase) == [.running, .running])
    }
}

@Suite(.timeLimit(.minutes(1))) struct AsyncEventTests {
    @Test func waitersResumeWhenFiredAndLateWaitersDoNotSuspend() async {
        let event = AsyncEvent()
        await withDiscardingTaskGroup { group in
            for _ in 0..<50 {
                group.addTask {
                    let fired = await event.wait()
                    #expect(fired)
                }
            }
            event.fire()
        }
        let late = await event.wait()
        #expect(late)
    }

    @Test func cancelledWaiterReturnsWithoutTheEvent() async {
        let event = AsyncEvent()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await event.wait() }
            group.cancelAll()
            let result = await group.next()
            #expect(result == false)
        }
        #expect(!event.isFired)
    }
}

@Suite(.timeLimit(.minutes(1))) struct ManualClockTests {
    @Test func advanceWakesOnlyDueSleepersInOrder() async throws {
        let clock = ManualClock()
        let time = TimeSource(clock: clock)
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await time.sleep(for: .seconds(2)); return 2 }
            group.addTask { try await time.sleep(for: .seconds(1)); return 1 }
            while clock.sleeperCount < 2 { await Task.yield() }
            clock.advance(by: .seconds(1))
            let first = try await group.next()
            #expect(first == 1)
            #expect(clock.sleeperCount == 1)
            clock.advance(by: .seconds(1))
            let second = try await group.next()
            #expect(second == 2)
        }
        #expect(time.now == .seconds(2))
    }

    @Test func aConditionChangeWakesTheWaiterAndTheSameTextDoesNot() {
        let conditions = ComponentConditions()
        let first = conditions.nextChange
        conditions.set("redis", "unreachable")
        #expect(first.isFired)
        let second = conditions.nextChange
        conditions.set("redis", "unreachable")
        #expect(!second.isFired)
        #expect(conditions.current.map(\.text) == ["unreachable"])
        conditions.set("redis", nil)
        #expect(second.isFired)
        #expect(conditions.current.isEmpty && conditions.condition(of: "redis") == nil)
    }
}
