import Foundation
import TetherRedis
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real daemon over TLS, and with a Redis it cannot use (a certificate for another host, a
/// wrong password, a wrong host, Redis down, a bad URL): it serves its own computer, `STATUS=` and
/// the log say what is wrong, and it joins once it can.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RedisDegradedTests {
    /// A daemon whose `STATUS=` goes to a listener of the test's.
    private struct Watched {
        let daemon: APIDaemon
        let listener: NotifyListener
        let dir: TemporaryDirectory

        init(_ redis: String) async throws {
            dir = TemporaryDirectory("tether-notify")
            listener = try NotifyListener(directory: dir)
            daemon = try await APIDaemon(environment: ["NOTIFY_SOCKET": listener.path], configuration: "redis: \(redis)")
        }

        var statuses: [String] { listener.assignments.filter { $0.hasPrefix("STATUS=") } }

        /// Waits until a `STATUS=` contains every one of `parts`.
        func status(containing parts: [String], timeout: Duration = .seconds(30)) async -> Bool {
            let matched = await eventually(timeout: timeout) { statuses.contains { status in parts.allSatisfy { status.contains($0) } } }
            // The text an operator reads in `systemctl status`, for the test output.
            if let status = statuses.last(where: { status in parts.allSatisfy { status.contains($0) } }) { print(status) }
            return matched
        }

        func remove() {
            daemon.remove()
            dir.remove()
        }
    }

    private func tlsOptions(_ url: String, ca: String) throws -> RedisConnectionOptions {
        let tls = TLSOptions(caFile: ca)
        return try RedisConnectionOptions(url: url, password: "", passwordFile: "", connectTimeout: .seconds(5), commandTimeout: .seconds(5),
                                          blockTimeout: .seconds(5)) { host, port, timeout, wake in
            try TLSTunnel.open(host: host, port: port, options: tls, timeout: timeout, wake: wake)
        }
    }

    @Test func overTLSWithAPrivateCAAPeerListsTheSessions() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await TLSRedisServer(certificate: certificates.server.certificate, key: certificates.server.key, caFile: certificates.caFile)
        let url = "rediss://localhost:\(server.tlsPort)"
        let daemon = try await APIDaemon(configuration: "redis: {enabled: true, url: \"\(url)\", tls_ca_file: \(certificates.caFile)}")
        defer { daemon.remove() }
        let peer = PythonPeer(options: try tlsOptions(url, ca: certificates.caFile))
        #expect(await eventually(timeout: .seconds(20)) { daemon.redisStatus["state"] as? String == "connected" }, "\(daemon.process.log)")
        #expect(daemon.redisStatus["url"] as? String == url)
        #expect(await eventually { daemon.redisStatus["cursor"] is String })

        let id = try daemon.newSession(command: "echo over-tls")
        let listing = try await peer.send("/list_sessions", to: daemon.computer)
        let reply = try #require(try await peer.reply(listing))
        let sessions = reply["data"] as? [[String: Any]] ?? []
        #expect(sessions.contains { $0["session_id"] as? String == id }, "\(reply)")
        try await expectNoKeysCommand(peer.link)
        await peer.link.close()
        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        await server.stop()
    }

    @Test func aCertificateForAnotherHostIsRefusedAndTheDaemonServesLocally() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await TLSRedisServer(certificate: certificates.otherHost.certificate, key: certificates.otherHost.key,
                                              caFile: certificates.caFile)
        let watched = try await Watched("{enabled: true, url: \"rediss://localhost:\(server.tlsPort)\", tls_ca_file: \(certificates.caFile)}")
        defer { watched.remove() }
        #expect(await watched.status(containing: ["ready:", "Redis unreachable, retrying", "did not verify"]), "\(watched.statuses)")
        #expect(watched.daemon.process.log.contains("did not verify"), "\(watched.daemon.process.log)")
        #expect(watched.daemon.redisStatus["state"] as? String == "degraded")
        #expect((watched.daemon.redisStatus["last_error"] as? String)?.contains("did not verify") == true)
        #expect(try watched.daemon.client.get("/health").status == 200)
        _ = try watched.daemon.newSession(command: "echo still-local")
        await server.stop()
    }

    @Test func aWrongPasswordIsNamedWithoutTheSecretAndARestartWithTheRightOneJoins() async throws {
        let server = try await RedisServer(password: "right-pass-4")
        defer { server.remove() }
        let dir = TemporaryDirectory("tether-password")
        defer { dir.remove() }
        try dir.write("redis.pw", "wrong-pass-7\n")
        let watched = try await Watched("{enabled: true, url: \"\(server.url())\", password_file: \(dir.file("redis.pw"))}")
        defer { watched.remove() }
        #expect(await watched.status(containing: ["Redis unreachable, retrying", "refused the password", "127.0.0.1:\(server.port)"]),
                "\(watched.statuses)")
        #expect(watched.daemon.process.log.contains("refused the password"))
        #expect(try watched.daemon.client.get("/health").status == 200)
        let status = try watched.daemon.client.get("/status").text
        for text in [watched.daemon.process.log, watched.statuses.joined(separator: "\n"), status] {
            #expect(!text.contains("wrong-pass-7") && !text.contains("right-pass-4"))
        }

        // The password file is read at start: fixed, and the daemon restarted, it joins.
        try dir.write("redis.pw", "right-pass-4\n")
        #expect(await watched.daemon.stop() == 0)
        try await watched.daemon.restart()
        #expect(await eventually(timeout: .seconds(20)) { watched.daemon.redisStatus["state"] as? String == "connected" },
                "\(watched.daemon.process.log)")
    }

    @Test func aWrongHostIsNamedAndRetried() async throws {
        let watched = try await Watched("{enabled: true, url: \"redis://no-such-host.invalid:6379\"}")
        defer { watched.remove() }
        #expect(await watched.status(containing: ["Redis unreachable, retrying", "no-such-host.invalid:6379"]), "\(watched.statuses)")
        #expect(try watched.daemon.client.get("/health").status == 200)
        #expect(watched.daemon.redisStatus["state"] as? String == "degraded")
        let tether = Binaries.directory.appendingPathComponent("tether").path
        let printed = try await shell("\(tether) status --socket \(watched.daemon.socket)")
        #expect(printed.status == 0)
        for line in ["redis: degraded (redis://no-such-host.invalid:6379)", "redis error: cannot connect to Redis at no-such-host.invalid:6379",
                     "peers online: none", "request stream: cursor not yet read, 0 handled, 0 rejected"] {
            #expect(printed.output.contains(line), "\(printed.output)")
        }
    }

    @Test func redisDownAtStartIsNamedThenTheStatusClearsWhenItJoins() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        await server.kill(SIGKILL)
        let watched = try await Watched("{enabled: true, url: \"\(server.url())\"}")
        defer { watched.remove() }
        #expect(await watched.status(containing: ["ready:", "Redis unreachable, retrying", "127.0.0.1:\(server.port)"]), "\(watched.statuses)")
        try await server.start()
        let cleared = await eventually(timeout: .seconds(30)) { watched.statuses.last == "STATUS=ready: 0 sessions, redis enabled" }
        #expect(cleared, "\(watched.statuses)")
        #expect(watched.daemon.redisStatus["state"] as? String == "connected")
    }

    @Test func aBadURLStartsWithoutRedisAndCheckConfigRefusesIt() async throws {
        let url = "redis://user:hunter2-secret@cache:notaport"
        let watched = try await Watched("{enabled: true, url: \"\(url)\"}")
        defer { watched.remove() }
        #expect(await watched.status(containing: ["ready:", "redis.url", "port"]), "\(watched.statuses)")
        #expect(watched.daemon.process.log.contains("redis.url"))
        #expect(try watched.daemon.client.get("/health").status == 200)
        #expect(watched.daemon.redisStatus["state"] as? String == "degraded")
        #expect(!watched.daemon.process.log.contains("hunter2-secret") && !watched.statuses.joined().contains("hunter2-secret"))

        let checked = try await shell("\(Binaries.tetherd) check-config --config \(watched.daemon.dir.file("tether.yml"))")
        #expect(checked.status == 1, "\(checked.output)")
        #expect(checked.output.contains("redis.url") && !checked.output.contains("hunter2-secret"), "\(checked.output)")
    }
}
