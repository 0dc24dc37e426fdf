import Logging
import TetherCore
import TetherTerminal

/// Runs the sessions of this computer: keeps the tmux control client attached (a registry task of
/// its own), reconciles with the tmux sessions that outlived the last daemon, then reports started
/// and beats while serving. On stop it ends the pollers before closing the store, and leaves every
/// tmux session running: sessions outlive the daemon.
public struct SessionsComponent: Component {
    public let name = "sessions"
    public let heartbeatInterval: Duration = .seconds(5)
    /// How long the poller gets to finish its batch once stopped, before the store closes regardless.
    public static let pollerStopTimeout: Duration = .seconds(1)

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
        let bridge = runtime.bridge
        let control = registry.spawn(name: "tmux.control") {
            await bridge.run { attached.fire() }
        }
        let scheduler = registry.spawn(name: "poller") { [runtime] in await runtime.runPolling() }
        do {
            await attached.wait()
            try Task.checkCancellation()
            let found = try await runtime.reconcile()
            context.logger.info("sessions ready", metadata: [
                "sessions.adopted": "\(found.adopted)", "sessions.exited": "\(found.exited)",
                "tmux.control_client": "\(bridge.usesControlClient)",
            ])
            context.started()
            // The heartbeat doubles as the accounting tick: scope CPU and memory every few seconds.
            while true {
                context.beat()
                await runtime.refreshAccounting()
                try await time.sleep(for: heartbeatInterval)
            }
        } catch {
            await stop(control: control, scheduler: scheduler)
            if error is CancellationError { return }
            throw error
        }
    }

    private func stop(control: TaskHandle, scheduler: TaskHandle) async {
        runtime.poller.stopAll()
        scheduler.cancel()
        _ = try? await withDeadline(Self.pollerStopTimeout, on: time, "stopping the poller") {
            await scheduler.waitUntilFinished()
            return true
        }
        control.cancel()
        await control.waitUntilFinished()
        await runtime.shutdown()
        await runtime.stats.stop()
        await runtime.store.close()
    }
}
