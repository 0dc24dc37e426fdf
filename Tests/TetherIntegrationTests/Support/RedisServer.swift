import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real redis-server on a random loopback port, with its own directory; it can be killed,
/// paused and restarted on the same port and directory (so its append-only file survives).
final class RedisServer: @unchecked Sendable {
    let port: Int32
    let dir = TemporaryDirectory("tether-redis")
    let password: String?
    let appendonly: Bool
    private var child: ChildProcess?
    private var starts = 0

    init(password: String? = nil, appendonly: Bool = false) async throws {
        port = Self.freePort()
        self.password = password
        self.appendonly = appendonly
        try await start()
    }

    /// `redis://` URL of the server, with the password if asked.
    func url(password: String? = nil, database: Int = 0) -> String {
        "redis://\(password.map { ":\($0)@" } ?? "")127.0.0.1:\(port)\(database == 0 ? "" : "/\(database)")"
    }

    /// Starts (or restarts) the server on the same port and directory, and waits until it serves.
    func start() async throws {
        starts += 1
        var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", dir.path, "--save", ""]
        // `always` so a SIGKILL loses nothing: the restart tests check the data came back.
        arguments += appendonly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]
        if let password { arguments += ["--requirepass", password] }
        let process = try ChildProcess("/usr/bin/redis-server", arguments, environment: daemonEnvironment(),
                                       logPath: dir.file("redis-\(starts).log"))
        child = process
        let up = await eventually { process.log.contains("Ready to accept connections") }
        guard up else { throw POSIXError(.ECONNREFUSED) }
    }

    /// Kills the server with `signal` and reaps it; the directory stays for a restart.
    func kill(_ signal: Int32 = SIGKILL) async {
        child?.signal(signal)
        _ = await child?.waitForExit()
        child = nil
    }

    /// SIGSTOP: the server keeps its sockets but answers nothing until ``resume()``.
    func pause() { child?.signal(SIGSTOP) }
    func resume() { child?.signal(SIGCONT) }

    func stop() async {
        resume()
        await kill(SIGTERM)
        dir.remove()
    }

    /// For `defer`: SIGKILL (which ends even a paused server at once), reap, delete the directory.
    func remove() {
        if let child {
            child.signal(SIGKILL)
            waitpid(child.pid, nil, 0)  // test cleanup: SIGKILL ends it at once
        }
        child = nil
        dir.remove()
    }

    /// Ports tried first: below the kernel's ephemeral range (32768 up, by default), so neither
    /// another process's outgoing connection nor a client's own reconnect takes the port while a
    /// restart test has the server down.
    static let quietPorts: Range<Int32> = 20_000..<32_000

    /// A port nothing listens on (bound for a moment, then released).
    static func freePort() -> Int32 {
        for _ in 0..<50 {
            let port = Int32.random(in: quietPorts)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            if bindLoopback(fd, port: port) == port { return port }
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return bindLoopback(fd)
    }
}

/// Binds `fd` to 127.0.0.1 on `port` (0: one the kernel picks), and returns the port bound, or -1
/// when the bind failed (the port is taken).
func bindLoopback(_ fd: Int32, port: Int32 = 0) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    return bound ? Int32(UInt16(bigEndian: address.sin_port)) : -1
}
