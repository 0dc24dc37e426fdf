import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import Synchronization
import TetherCore

/// The local API: REST and WebSocket over HTTP/1.1 on a unix socket, run as a component.
///
/// Start: a stale socket left by a crash is replaced, another daemon's live socket or a path that
/// is not a socket is an error; the server binds, the socket gets `api.socket_mode`, and only then
/// does the component report started. It beats only while its server task runs and the socket
/// accepts a connection; a server that stops on its own is a component failure. Stop (asked first
/// in the drain): the server stops accepting, finishes the requests in flight, closes the
/// WebSockets and removes the socket, within the component's share of `timeouts.shutdown`.
public struct APIServer: Component {
    public let name = "api"
    /// A socket probe this often costs one connect, and a dead server shows within 15 s.
    public let heartbeatInterval: Duration = .seconds(5)
    /// The largest WebSocket message a client may send.
    public static let maximumClientMessage = 1 << 20
    /// WebSocket pings keep idle connections (and their peers) honest.
    public static let pingInterval: Duration = .seconds(20)
    /// How long a WebSocket client has to answer the server's close (at a stop, or after a ping
    /// timeout) before its connection is cut: a client that is alive answers within milliseconds,
    /// and one that is not must not hold the API's stop past its share of `timeouts.shutdown`.
    public static let webSocketCloseTimeout: Duration = .milliseconds(500)

    let socketPath: String
    let socketMode: UInt16
    let environment: APIEnvironment
    let version: String
    let time: TimeSource
    let logger: Logger
    public let hub: WebSocketHub
    public let metrics: APIMetrics

    public init(socketPath: String, socketMode: UInt16, websocketQueue: Int = 1024, environment: APIEnvironment, version: String,
                time: TimeSource, logger: Logger) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.environment = environment
        self.version = version
        self.time = time
        self.logger = logger
        self.hub = WebSocketHub(commands: environment.commands, cache: environment.cache, computer: environment.computer,
                                interest: environment.interest, queueCapacity: websocketQueue, peers: environment.peers,
                                registry: environment.registry, time: time, logger: logger)
        self.metrics = APIMetrics(hub: hub, sample: environment.sample)
    }

    public func run(context: ComponentContext) async throws {
        try Self.prepareSocket(at: socketPath, logger: context.logger)
        let files = BlockingWorker(name: "tether-api-files")
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        // Request counts and durations through swift-metrics, into the same Prometheus registry.
        router.middlewares.add(MetricsMiddleware())
        APIRoutes(environment: environment, metrics: metrics, files: files).register(on: router)
        let hub = self.hub
        router.ws("ws") { inbound, outbound, _ in
            await Self.serve(inbound: inbound, outbound: outbound, hub: hub)
        }
        let listening = AsyncEvent()
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(
                ws: .init(maxFrameSize: Self.maximumClientMessage, autoPing: .enabled(timePeriod: Self.pingInterval),
                          closeTimeout: Self.webSocketCloseTimeout))),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "tetherd/\(version)"),
            onServerRunning: { _ in listening.fire() },
            logger: logger
        )
        let group = ServiceGroup(services: [app], logger: logger)
        let failure = Mutex<String?>(nil)
        let socketPath = self.socketPath
        let server = environment.registry.spawn(name: "api.server", onShutdown: .complete) {
            do {
                try await group.run()
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            unlink(socketPath)
            listening.fire()
        }
        guard await context.waitUntil(listening) else {
            // Asked to stop before the server came up.
            await stopServer(group, server)
            await files.stop()
            return
        }
        if let reason = failure.withLock({ $0 }) ?? (server.isFinished ? "the server stopped at once" : nil) {
            await files.stop()
            throw TetherError(.unavailable, "cannot serve the API on \(socketPath): \(reason)")
        }
        guard chmod(socketPath, mode_t(socketMode)) == 0 else {
            await stopServer(group, server)
            await files.stop()
            throw TetherError(.unavailable, "cannot set mode \(String(socketMode, radix: 8)) on \(socketPath): \(String(cString: strerror(errno)))")
        }
        let subscription = environment.bus.subscribe("api.websocket") { event in hub.publish(event) }
        // Peers' sessions reach the cache from Redis, not the bus: relayed to the clients alike.
        let changes = environment.cache.changes()
        let relay = environment.registry.spawn(name: "api.peer-sessions") { for await change in changes { hub.publish(change) } }
        context.logger.info("API listening", metadata: ["api.socket": "\(socketPath)", "api.socket_mode": "0\(String(socketMode, radix: 8))"])
        context.started()
        // Beat only on proof of work: the server task alive and answering GET /health on its socket.
        // The probe has a thread of its own, so a slow probe never holds up the file reads of requests.
        let probes = BlockingWorker(name: "tether-api-probe")
        var answering = true
        while await context.sleep(for: heartbeatInterval) {
            if server.isFinished {
                environment.bus.unsubscribe(subscription)
                relay.cancel()
                await probes.stop()
                await files.stop()
                throw TetherError(.unavailable, "the API server on \(socketPath) stopped: \(failure.withLock { $0 } ?? "it returned on its own")")
            }
            let answered = (try? await probes.run { HealthProbe.answers(socketPath) }) ?? false
            if answered { context.beat() }
            if answered != answering {
                answering = answered
                context.logger.log(level: answered ? .notice : .error,
                                   answered ? "the API answers again" : "the API did not answer GET /health on its socket; not beating",
                                   metadata: ["api.socket": "\(socketPath)"])
            }
        }
        environment.bus.unsubscribe(subscription)
        relay.cancel()
        hub.disconnectAll()
        await stopServer(group, server)
        await probes.stop()
        await files.stop()
    }

    /// Stops accepting, lets requests in flight finish and WebSockets close; the server task then
    /// removes the socket. If the supervisor cancels this stop (its share ran out), the server task
    /// is cancelled too, and still awaited, so no request runs on into the sessions' stop.
    private func stopServer(_ group: ServiceGroup, _ server: TaskHandle) async {
        await withTaskCancellationHandler {
            await group.triggerGracefulShutdown()
            await server.waitUntilFinished()
        } onCancel: {
            server.cancel()
        }
        await server.waitUntilFinishedIgnoringCancellation()
    }

    /// One WebSocket connection: its queue drained into the socket while its messages are read.
    ///
    /// Whichever side ends first decides: the client leaving (or sending invalid JSON) ends the queue,
    /// which is flushed first; the hub dropping the client (too slow, or the API stopping) stops the
    /// reading at once, so a client that never hangs up cannot hold the connection open.
    private static func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, hub: WebSocketHub) async {
        let (id, messages) = hub.connect()
        defer { hub.disconnect(id) }
        await withTaskGroup(of: ConnectionSide.self) { group in
            // registry-exempt: the connection's writer, a child of the server's connection task, ended with it.
            group.addTask {  // registry-exempt: see above
                for await text in messages {
                    do { try await outbound.write(.text(text)) } catch { break }
                }
                return .writer
            }
            // registry-exempt: the connection's reader, a child of the server's connection task, ended with it.
            group.addTask {  // registry-exempt: see above
                do {
                    for try await message in inbound.messages(maxSize: maximumClientMessage) {
                        guard case .text(let text) = message else { continue }
                        guard await hub.receive(text, from: id) else { break }
                    }
                } catch {
                    // The client went away or sent something unreadable: the connection ends either way.
                }
                // Ends the queue once what is in it (an error message, say) is written.
                hub.disconnect(id)
                return .reader
            }
            if await group.next() == .writer { group.cancelAll() }
            await group.waitForAll()
        }
    }

    /// Makes the socket's directory (mode 0700) if needed, replaces a stale socket, refuses a live
    /// one or a path that is not a socket.
    static func prepareSocket(at path: String, logger: Logger) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw TetherError(.unavailable, "cannot create \(directory) for the API socket: \(error.localizedDescription); create it or set api.socket")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw TetherError(.unavailable, "\(path) exists and is not a socket; remove it or set api.socket to another path")
        }
        if isServing(path) {
            throw TetherError(.unavailable, "another process is serving \(path) (another tetherd?); stop it or set api.socket to another path")
        }
        unlink(path)
        logger.notice("replaced a stale API socket left by an earlier run", metadata: ["api.socket": "\(path)"])
    }

    /// Whether something accepts connections on the unix socket at `path`.
    private static func isServing(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }
}

/// Unknown paths are 404 `{"detail":"Not Found"}`, a known path with another method 405
/// `{"detail":"Method Not Allowed"}`, any other HTTP error its status with a `detail`: FastAPI's shapes.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await answer(request, context: context, next: next)
        if response.status.code >= 400 {
            // Once per refused request, at info: the client got the details in the body.
            context.logger.info("request refused", metadata: [
                "http.method": "\(request.method)", "http.path": "\(Self.printable(request.uri.path))", "http.status": "\(response.status.code)",
            ])
        }
        return response
    }

    /// A client's path as a log can show it: at most 200 characters, control characters as `?`.
    static func printable(_ path: String) -> String {
        String(String.UnicodeScalarView(path.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .notFound {
                let parts = request.uri.path.split(separator: "/").map(String.init)
                let known = APIRoutes.paths.first { route in
                    route.pattern.count == parts.count && zip(route.pattern, parts).allSatisfy { $0 == "*" || $0 == $1 }
                }
                if let known, !known.methods.contains(request.method) {
                    return APIResponse.detail("Method Not Allowed", status: .methodNotAllowed)
                }
                return APIResponse.detail("Not Found", status: .notFound)
            }
            return APIResponse.detail(error.body ?? error.status.reasonPhrase, status: error.status)
        }
    }
}

/// The two halves of a WebSocket connection, named by the one that ended first.
private enum ConnectionSide {
    case reader, writer
}
