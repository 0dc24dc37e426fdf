import Foundation
import Synchronization

/// What the tunnel and its pump thread share: the stop request, the wake-up descriptor, the end,
/// and the pump's end of the socketpair.
///
/// When the pump ends by itself (the server went away), it only shuts down the writing side of
/// its end: hiredis reads end of file, and its writes still land instead of raising SIGPIPE. That
/// end is closed once both the pump has finished and the owner has asked to stop, whichever is last.
final class TunnelControl: Sendable {
    private struct State {
        var stopRequested = false
        var finished = false
        var endReason: String?
    }

    /// The read end of a pipe the pump polls; a byte written to the other end wakes it for a stop.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32
    private let plain: Int32
    private let state = Mutex(State())
    private let ended = DispatchSemaphore(value: 0)

    init(plain: Int32) throws(TunnelControlError) {
        self.plain = plain
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw TunnelControlError(errno: errno) }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
    }

    var stopRequested: Bool { state.withLock { $0.stopRequested } }
    var endReason: String? { state.withLock { $0.endReason } }

    /// Asks the pump to stop and wakes it; the lock keeps the wake descriptor open while it is written.
    func requestStop() {
        state.withLock { state in
            guard !state.stopRequested else { return }
            state.stopRequested = true
            guard !state.finished else { Glibc.close(plain); return }
            var byte: UInt8 = 1
            _ = write(wakeWriter, &byte, 1)
        }
    }

    /// Called by the pump as its last act: records why it ended, closes the wake pipe, and the
    /// plain end too if the owner has already asked to stop.
    func finish(reason: String) {
        state.withLock { state in
            state.finished = true
            if state.stopRequested { Glibc.close(plain) } else { shutdown(plain, Int32(SHUT_WR)) }
            state.endReason = reason
            Glibc.close(wakeDescriptor)
            Glibc.close(wakeWriter)
        }
        ended.signal()
    }

    /// Waits up to `limit` for the pump to finish; true if it has.
    func waitForEnd(limit: Duration) -> Bool {
        let (seconds, attoseconds) = limit.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        guard ended.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return false }
        ended.signal()  // later waiters (close() is idempotent) see the end at once
        return true
    }
}

/// pipe or socketpair failed (out of descriptors, most likely).
struct TunnelControlError: Error {
    let errno: Int32
}
