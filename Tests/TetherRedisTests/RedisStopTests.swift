import Logging
import Synchronization
import Testing
import TetherCore
@testable import TetherRedis

/// A stop ends the waits that once ignored it: the SCAN sweep between two calls, the dispatcher's
/// wait for a slot.
@Suite(.timeLimit(.minutes(1))) struct RedisStopTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Answers SCAN with a cursor that never comes back to 0, and counts the calls.
    final class EndlessScanSender: RedisCommandSending {
        let calls = Mutex(0)
        func send(_ arguments: [String]) async throws(RedisError) -> RedisValue {
            let call = calls.withLock { calls -> Int in
                calls += 1
                return calls
            }
            return .array([.bulk(Array(String(call).utf8)), .array([.bulk(Array("key\(call)".utf8))])])
        }
    }

    @Test func theSweepStopsBetweenTwoScanCalls() async {
        let sender = EndlessScanSender()
        let stopping = Atomic(false)
        await #expect(throws: RedisError(.closed, "")) {
            try await sender.scanAll(match: "computer:*:heartbeat", limit: 1_000_000) {
                if sender.calls.withLock({ $0 }) >= 3 { stopping.store(true, ordering: .relaxed) }
                return stopping.load(ordering: .relaxed)
            }
        }
        #expect(sender.calls.withLock { $0 } == 3)
    }

    @Test func aStopEndsTheWaitForASlotAndTheJobNeverRuns() async {
        let registry = TaskRegistry(logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            let dispatcher = RequestDispatcher(registry: registry, limit: 1)
            let gate = AsyncEvent()
            let ran = Atomic(false)
            #expect(await dispatcher.submit(session: "a") { await gate.wait() })
            let stop = AsyncEvent()
            let finished = AsyncEvent()
            let accepted = Atomic(true)
            group.addTask {
                accepted.store(await dispatcher.submit(session: "b", until: stop) { ran.store(true, ordering: .relaxed) }, ordering: .relaxed)
                finished.fire()
            }
            // Still waiting: the only slot is held.
            for _ in 0..<200 { await Task.yield() }
            #expect(!finished.isFired)
            stop.fire()
            #expect(await finished.wait(timeout: .seconds(5), on: .continuous))
            let wasAccepted = accepted.load(ordering: .relaxed)
            #expect(!wasAccepted)
            gate.fire()
            #expect(await dispatcher.waitUntilIdle(timeout: .seconds(5), on: .continuous))
            let didRun = ran.load(ordering: .relaxed)
            #expect(!didRun)
            // The slot the stopped waiter never took is free for the next one.
            #expect(await dispatcher.submit(session: "c") {})
            #expect(await dispatcher.waitUntilIdle(timeout: .seconds(5), on: .continuous))
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }

    @Test func aStopAlreadyFiredRefusesAtOnceWhenTheBoundIsReached() async {
        let registry = TaskRegistry(logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            let dispatcher = RequestDispatcher(registry: registry, limit: 1)
            let gate = AsyncEvent()
            #expect(await dispatcher.submit(session: nil) { await gate.wait() })
            let stop = AsyncEvent()
            stop.fire()
            #expect(await !dispatcher.reserveSlot(until: stop))
            gate.fire()
            #expect(await dispatcher.waitUntilIdle(timeout: .seconds(5), on: .continuous))
            #expect(dispatcher.inFlight == 0)
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }
}
