/// A task started by the ``TaskRegistry``: its name, a way to cancel it and to await its end.
public struct TaskHandle: Sendable, Hashable {
    /// Unique within one registry, in spawn order.
    public let id: UInt64
    /// The name given at spawn; it appears in logs, metrics and shutdown reports.
    public let name: String
    let cancelRequest: AsyncEvent
    let completion: AsyncEvent

    /// Asks the task to stop by cancelling it; returns at once.
    public func cancel() { cancelRequest.fire() }

    /// Whether the task has finished (returned, thrown or been cancelled).
    public var isFinished: Bool { completion.isFired }

    /// Suspends until the task has finished, or the caller is cancelled.
    public func waitUntilFinished() async { await completion.wait() }

    /// Suspends until the task has finished, even if the caller is cancelled: for a clean-up that
    /// must not go on while the task still runs (cancel the task first, or know it ends).
    public func waitUntilFinishedIgnoringCancellation() async { await completion.waitIgnoringCancellation() }

    public static func == (lhs: TaskHandle, rhs: TaskHandle) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
