import Logging
import TetherCore
import TetherTerminal

/// Runs the sessions of this computer: keeps the tmux control client attached and the poller
/// polling (registry tasks of their own), reconciles with the tmux sessions that outlived the last
/// daemon, then reports started and beats while its tasks live and the accounting tick completes.
///
/// Stop (after the API, before the store): polling finishes gracefully, so the batch in flight and
/// one last look at every session are recorded, a session that exited during the drain included;
/// then the control client detaches, the event bus delivers what is queued, and the helper threads
/// end. Every tmux session is left running: sessions outlive the daemon.
public struct SessionsComponent: Component {
    public let name = "sessions"
    /// Also the accounting tick: scope CPU and memory every 5 s are fresh enough for `tether ls`.
    public let heartbeatInterval: Duration = .seconds(5)
    /// How long the event bus may take to hand its queued events to their subscribers at the stop:
    /// they are in memory and each handler has its own deadline, so a second is plenty.
    public static let busDrainTimeout: Duration = .seconds(1)

    let runtime: SessionRuntime
    let registry: TaskRegistry
    let time: TimeSource

    public init(runtime: SessionRuntime, registry: TaskRegistry, time: TimeSource) {
        self.runtime = runtime
        self.registry = registry
        self.time = time
    }

    public func run(context: ComponentContext) async throws {
        let attached = AsyncEvent()
        let detach = AsyncEvent()
        let bridge = runtime.bridge
        let control = registry.spawn(name: "tmux.control") {
            await bridge.run(until: detach) { attached.fire() }
        }
        let polling = registry.spawn(name: "poller") { [runtime] in await runtime.runPolling() }
        let tasks = Tasks(control: control, polling: polling, detach: detach)
        guard await context.waitUntil(attached) else {
            await stop(tasks, logger: context.logger)
            return
        }
        let found: SessionReconciliation
        do {
            found = try await runtime.reconcile()
        } catch {
            await stop(tasks, logger: context.logger)
            throw error
        }
        context.logger.info("sessions ready", metadata: [
            "sessions.adopted": "\(found.adopted)", "sessions.exited": "\(found.exited)",
            "tmux.control_client": "\(bridge.usesControlClient)",
        ])
        context.started()
        repeat {
            guard !polling.isFinished, !control.isFinished else {
                await stop(tasks, logger: context.logger)
                throw TetherError(.terminal, "the \(polling.isFinished ? "poller" : "tmux control client") task ended while the daemon was running")
            }
            await runtime.refreshAccounting()
            context.beat()
        } while await context.sleep(for: heartbeatInterval)
        await stop(tasks, logger: context.logger)
    }

    /// The tasks this component started, and how to ask the control client to detach.
    private struct Tasks {
        let control: TaskHandle
        let polling: TaskHandle
        let detach: AsyncEvent
    }

    /// In order, each step awaited: the supervisor's share bounds the whole. When the share runs
    /// out and this task is cancelled, the poller and the control client are cancelled too, and
    /// the stop still waits for them to end, so nothing records into a store that is closing.
    private func stop(_ tasks: Tasks, logger: Logger) async {
        await withTaskCancellationHandler {
            await runtime.finishPolling()
            await tasks.polling.waitUntilFinished()
            tasks.detach.fire()
            await tasks.control.waitUntilFinished()
        } onCancel: {
            tasks.polling.cancel()
            tasks.control.cancel()
        }
        await tasks.polling.waitUntilFinishedIgnoringCancellation()
        await tasks.control.waitUntilFinishedIgnoringCancellation()
        let stuck = await runtime.bus.finish(within: Self.busDrainTimeout)
        if !stuck.isEmpty {
            logger.warning("event subscribers did not take their queued events in time", metadata: ["subscribers": "\(stuck.joined(separator: ","))"])
        }
        await runtime.shutdown()
        await runtime.stats.stop()
    }
}
