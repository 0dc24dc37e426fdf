import Synchronization

/// What is happening to this computer's sessions right now, beyond what the cache holds: how many
/// are being created, and which are being ended.
///
/// Each question and its answer is one synchronous step under a lock, so a caller can take a
/// creation slot before its first `await` (``reserveCreation(limit:live:)``) and a close and an exit
/// seen at the same moment end a session once (``beginEnding(_:)``).
final class SessionLedger: Sendable {
    private struct State {
        var creating = 0
        var ending: Set<String> = []
    }

    private let state = Mutex(State())

    /// Takes a creation slot when fewer than `limit` sessions are live (`live`, read under the same
    /// lock) or being created; otherwise takes nothing and says how many there are. Every slot
    /// taken is given back with ``releaseCreation()``, whether the creation worked or not.
    func reserveCreation(limit: Int, live: () -> Int) -> (reserved: Bool, count: Int) {
        state.withLock { state in
            let count = live() + state.creating
            guard count < limit else { return (false, count) }
            state.creating += 1
            return (true, count + 1)
        }
    }

    /// Gives back a slot once its session is in the cache (where it counts as live) or has failed.
    func releaseCreation() {
        state.withLock { $0.creating -= 1 }
    }

    /// Marks `id` as being ended; false when something else is ending it already.
    func beginEnding(_ id: String) -> Bool {
        state.withLock { $0.ending.insert(id).inserted }
    }

    /// The end of `id` is over (done, or failed and the session lives on).
    func finishEnding(_ id: String) {
        state.withLock { _ = $0.ending.remove(id) }
    }

    /// Whether `id` is being ended now: it takes no more input and no more observations.
    func isEnding(_ id: String) -> Bool {
        state.withLock { $0.ending.contains(id) }
    }
}
