import Logging
import Synchronization
import Testing
import TetherCore
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct RequestStreamDispatchTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func withDispatcher(limit: Int, _ body: (RequestDispatcher) async -> Void) async {
        let registry = TaskRegistry(logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            await body(RequestDispatcher(registry: registry, limit: limit))
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }

    @Test func oneSessionsJobsRunInOrderWhileOthersRunBesideThem() async {
        await withDispatcher(limit: RequestDispatcher.maximumInFlight) { dispatcher in
            let order = Mutex<[Int]>([])
            let gate = AsyncEvent()
            let otherDone = AsyncEvent()
            await dispatcher.submit(session: "slow") { await gate.wait() }
            for index in 0..<50 { await dispatcher.submit(session: "slow") { order.withLock { $0.append(index) } } }
            await dispatcher.submit(session: "other") { otherDone.fire() }
            // The other session finishes while the slow one is held at its first job.
            #expect(await otherDone.wait(timeout: .seconds(5), on: .continuous))
            #expect(order.withLock { $0.isEmpty })
            gate.fire()
            _ = await eventually { dispatcher.inFlight == 0 }
            #expect(order.withLock { $0 } == Array(0..<50))
        }
    }

    @Test func theBoundHoldsUntilAJobFinishes() async {
        await withDispatcher(limit: 2) { dispatcher in
            let gate = AsyncEvent()
            await dispatcher.submit(session: "a") { await gate.wait() }
            await dispatcher.submit(session: nil) { await gate.wait() }
            #expect(dispatcher.inFlight == 2)
            let third = AsyncEvent()
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await dispatcher.submit(session: "b") {}
                    third.fire()
                }
                for _ in 0..<1000 { await Task.yield() }
                let early = third.isFired
                #expect(!early)
                #expect(dispatcher.inFlight == 2)
                gate.fire()
            }
            let ran = third.isFired
            #expect(ran)
            _ = await eventually { dispatcher.inFlight == 0 }
            #expect(dispatcher.inFlight == 0)
        }
    }
}
