import Foundation
import Synchronization

/// A thread of its own for calls that block (SQLite, statvfs, hiredis), so none of them ever holds
/// one of the cooperative pool's threads.
///
/// Jobs run one at a time, in submission order. ``stop()`` lets queued jobs finish, then ends the
/// thread; a job submitted after that fails with a clear error.
public final class BlockingWorker: Sendable {
    private struct State {
        var jobs = FIFOQueue<@Sendable () -> Void>()
        var stopping = false
    }

    public let name: String
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    public init(name: String) {
        self.name = name
        // The thread holds the worker until stop() ends its loop.
        let thread = Thread { self.loop() }  // registry-exempt: blocking calls need a thread of their own, off the pool
        thread.name = name
        thread.start()
    }

    private func loop() {
        while true {
            wakeup.wait()
            guard let job = state.withLock({ $0.jobs.popFirst() }) else { break }
            job()
            if state.withLock({ $0.stopping && $0.jobs.isEmpty }) { break }
        }
    }

    /// Runs `body` on the worker thread and returns its result; the caller suspends, it does not block.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard !state.stopping else { return false }
                state.jobs.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted {
                wakeup.signal()
            } else {
                continuation.resume(throwing: TetherError(.unavailable, "the \(name) worker thread has stopped; the daemon is shutting down"))
            }
        }
    }

    /// Lets the queued jobs finish, then ends the thread; later jobs fail with a clear error.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first = state.withLock { state -> Bool in
                guard !state.stopping else { return false }
                state.stopping = true
                state.jobs.append { continuation.resume() }
                return true
            }
            if first { wakeup.signal() } else { continuation.resume() }
        }
    }
}
