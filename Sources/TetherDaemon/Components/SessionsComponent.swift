import Logging
import TetherCore
import TetherTerminal

/// Runs the sessions of this computer: keeps the tmux control client attached (a registry task of
/// its own), reconciles with the tmux sessions that outlived the last daemon, then reports started
/// and beats while serving. On stop it ends the pollers before closing the store, and leaves every
/// tmux session running: sessions outlive the daemon.
public struct SessionsComponent: Component {
    public let name = "sessions"
    /// Also the accounting tick: scope CPU and memory every 5 s are fresh enough for `tether ls`.
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
        let poller = runtime.manager.poller
        let scheduler = registry.spawn(name: "poller") { await poller.run() }
        guard await context.waitUntil(attached) else {
            await stop(control: control, scheduler: scheduler)
            return
        }
        let found: SessionManager.Reconciliation
        do {
            found = try await runtime.manager.reconcile()
        } catch {
            await stop(control: control, scheduler: scheduler)
            throw error
        }
        context.logger.info("sessions ready", metadata: [
            "sessions.adopted": "\(found.adopted)", "sessions.exited": "\(found.exited)",
            "tmux.control_client": "\(bridge.usesControlClient)",
        ])
        context.started()
        // The heartbeat doubles as the accounting tick: scope CPU and memory every few seconds.
        repeat {
            guard !scheduler.isFinished, !control.isFinished else {
                await stop(control: control, scheduler: scheduler)
                throw TetherError(.terminal, "the \(scheduler.isFinished ? "poller" : "tmux control client") task ended while the daemon was running")
            }
            await runtime.manager.refreshAccounting()
            context.beat()
        } while await context.sleep(for: heartbeatInterval)
        await stop(control: control, scheduler: scheduler)
    }

    private func stop(control: TaskHandle, scheduler: TaskHandle) async {
        let poller = runtime.manager.poller
        poller.stopAll()
        scheduler.cancel()
        _ = try? await withDeadline(Self.pollerStopTimeout, on: time, "stopping the poller") {
            await scheduler.waitUntilFinished()
            return true
        }
        control.cancel()
        await control.waitUntilFinished()
        await runtime.manager.shutdown()
        await runtime.stats.stop()
    }
}
