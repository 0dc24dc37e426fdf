import Logging
import TetherCore
import TetherStore
import TetherTerminal

/// Everything that runs this computer's sessions, wired once: store, terminal bridge, cache, event
/// bus, output poller, the session parts (through ``SessionManager``), system stats and the command
/// layer. What ``SessionsComponent`` drives is here: ``reconcile()``, ``runPolling()`` and
/// ``finishPolling()``, ``refreshAccounting()``, and ``shutdown()`` of the helper thread.
public struct SessionRuntime: Sendable {
    /// The sessions' rows; closed by ``StoreComponent``, last in the drain.
    public let store: SessionStore
    /// tmux, through its control client.
    public let bridge: TerminalBridge
    /// The live sessions, as the API serves them.
    public let cache: SessionCache
    /// Session events, for the API's WebSocket clients and (next) the Redis layer.
    public let bus: EventBus
    /// The screen watcher: its counters, its batch metrics, and which sessions it polls.
    public let poller: OutputPoller
    /// The front door to the sessions, for the command layer and the tests.
    public let manager: SessionManager
    /// Memory, disk and CPU of this computer.
    public let stats: SystemStatsReader
    /// The daemon's commands, for the API and the Redis adapter.
    public let commands: CommandLayer
    let reconciler: SessionReconciler
    let accountant: SessionAccountant
    let observer: SessionObserver
    /// The thread for the sessions' blocking file work: TMPDIRs, transcript files, cgroup figures.
    let files: BlockingWorker
    /// Notices to the sessions that started others, here and (once Redis runs) on peers.
    let notices: AgentNotifier

    /// Notices to initiators on other computers go through `peers` from now on.
    public func connect(peers: any PeerGateway) {
        notices.attach(peers)
    }

    /// Adopts the sessions whose tmux outlived the daemon and marks the vanished ones exited.
    public func reconcile() async throws -> SessionReconciliation {
        try await reconciler.reconcile()
    }

    /// Polls the sessions, recording what it finds, until ``finishPolling()`` or cancellation.
    public func runPolling() async {
        await poller.run(delivering: { [observer] id, observation in await observer.record(id, observation) })
    }

    /// Stops polling gracefully: the batch in flight and one last look at every session are
    /// recorded (exits and final screens included) before this returns. Call it before the store
    /// closes, from a task that is not cancelled.
    public func finishPolling() async {
        await poller.finish()
    }

    /// Reads every live session's scope CPU and memory and records what moved.
    public func refreshAccounting() async {
        await accountant.refresh()
    }

    /// Ends the helper thread; call once polling has stopped.
    public func shutdown() async {
        await files.stop()
    }
}
