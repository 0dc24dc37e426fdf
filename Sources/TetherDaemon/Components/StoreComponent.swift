import Logging
import TetherCore
import TetherStore

/// The session store as a component: first to start and last to stop, so everything that records
/// (sessions ending during the drain, a reader saving its position) still has an open store while it
/// stops. It beats only after a real round trip through the store's thread, so a wedged SQLite call
/// stops the beats and, through the watchdog, gets the daemon restarted.
public struct StoreComponent: Component {
    public let name = "store"
    /// How often the store's thread is proved alive: a cheap read, well inside the watchdog period.
    public static let probeInterval: Duration = .seconds(5)
    public var heartbeatInterval: Duration { Self.probeInterval }
    /// The key read by the probe; never written, so the read is a miss on an index.
    static let probeKey = "tether.store_probe"

    let store: SessionStore

    public init(store: SessionStore) {
        self.store = store
    }

    public func run(context: ComponentContext) async throws {
        context.started()
        var failing = false
        repeat {
            do {
                _ = try await store.value(forKey: Self.probeKey)
                context.beat()
                if failing { context.logger.notice("the session store answers again", metadata: ["db.path": "\(store.path)"]) }
                failing = false
            } catch {
                // No beat: a store that keeps failing is stale within three intervals, and systemd restarts us.
                if !failing {
                    context.logger.error("the session store did not answer its probe", metadata: ["db.path": "\(store.path)", "error": "\(error)"])
                }
                failing = true
            }
        } while await context.sleep(for: Self.probeInterval)
        await store.close()
        context.logger.debug("session store closed", metadata: ["db.path": "\(store.path)"])
    }
}
