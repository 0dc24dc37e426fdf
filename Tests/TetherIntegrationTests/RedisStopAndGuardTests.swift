import Foundation
import Logging
import Synchronization
import TetherCore
import TetherRedis
import Testing

/// A stop cuts a TLS connect in progress; the request stream holds on a store error rather than
/// skip entries; `new_session` stays inside the project directory.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisStopAndGuardTests {
    let computer = "tether1"

    /// Options for a `rediss://` server that accepts TCP and then never answers: the TLS handshake
    /// hangs until its (long) connect deadline, unless a stop cuts it.
    private func silentTLS(_ listener: SilentListener) throws -> RedisConnectionOptions {
        let tls = TLSOptions(verify: false)
        return try RedisConnectionOptions(url: "rediss://127.0.0.1:\(listener.port)", password: "", passwordFile: "", connectTimeout: .seconds(30),
                                          commandTimeout: .seconds(5), blockTimeout: .seconds(5)) { host, port, timeout, wake in
            try TLSTunnel.open(host: host, port: port, options: tls, timeout: timeout, wake: wake)
        }
    }

    /// Starts a command on `link` that hangs in the TLS handshake, runs `cut`, and returns how long
    /// the command took to fail after the cut. Callers print the figure and bound it generously: a
    /// loaded machine delays the waiting task, not the cut.
    private func cutConnect(_ link: RedisLink, _ cut: @Sendable () async -> Void) async -> Duration {
        let clock = ContinuousClock()
        let ended = AsyncEvent()
        var elapsed = Duration.zero
        await withDiscardingTaskGroup { group in
            group.addTask {
                _ = try? await link.send(["PING"])
                ended.fire()
            }
            // Under way: the attempt is registered (the TCP connect or the handshake then waits on
            // the silent server; both poll the wake pipe the cut writes to).
            _ = await eventually { if case .connecting = link.status { true } else { false } }
            let cutAt = clock.now
            await cut()
            _ = await ended.wait(timeout: .seconds(40), on: .continuous)
            elapsed = clock.now - cutAt
        }
        return elapsed
    }

    @Test func closingTheLinkCutsATLSHandshakeInProgress() async throws {
        let listener = SilentListener()
        defer { listener.stop() }
        let link = RedisLink(options: try silentTLS(listener), time: .continuous, logger: Logger(label: "cut-test"))
        let elapsed = await cutConnect(link) { await link.close() }
        print("close() during a TLS handshake: the command failed \(elapsed.milliseconds) ms after the cut (connect deadline 30 s)")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func stopConnectingCutsTheHandshakeAndNoNewConnectStarts() async throws {
        let listener = SilentListener()
        defer { listener.stop() }
        let link = RedisLink(options: try silentTLS(listener), time: .continuous, logger: Logger(label: "cut-test"))
        let elapsed = await cutConnect(link) { link.stopConnecting() }
        print("stopConnecting() during a TLS handshake: the command failed \(elapsed.milliseconds) ms after the cut")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
        #expect(link.status != .closed)
        // No new attempt: the next command fails at once instead of hanging in another handshake.
        let next = await timed { try await link.send(["PING"]) }
        #expect((next.error as? RedisError)?.code == .closed && next.elapsed < .seconds(5), "\(String(describing: next.error))")
        await link.close()
    }

    @Test func stopConnectingKeepsTheLiveConnectionServing() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let link = RedisLink(options: try redisOptions(server.url()), time: .continuous, logger: Logger(label: "cut-test"))
        #expect(try await link.send(["SET", "k", "v"]) == .status("OK"))
        link.stopConnecting()
        #expect(try await link.send(["DEL", "k"]) == .integer(1))
        await link.close()
    }

    @Test func aCommandOnAConnectionTheRestartedServerClosedGoesOnceOnANewOne() async throws {
        let server = try await RedisServer(appendonly: true)
        defer { server.remove() }
        let link = RedisLink(options: try redisOptions(server.url()), time: .continuous, logger: Logger(label: "stale-test"))
        #expect(try await link.send(["PING"]) == .status("PONG"))
        await server.kill()
        try await server.start()
        // Three at once, as concurrent replies are: none fails, each lands once.
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<3 { group.addTask { (try? await link.send(["XADD", "replies", "*", "n", "\(index)"])) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [true, true, true])
        #expect(try await link.send(["XLEN", "replies"]) == .integer(3))
        #expect(link.metrics.reconnects == 1)
        await link.close()
    }

    @Test func aCursorTheStoreCannotReadHoldsTheStreamInsteadOfSkippingEntries() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let old = try await peer.send("/message 'old'", to: computer, [("session_id", "s1")])
        try await peer.send("/message 'pending'", to: computer, [("session_id", "s1")])
        let store = FailingSettingsStore(failures: 2)
        try await store.inner.setValue(old, forKey: RedisKeys.cursorSetting(computer))
        let commands = RecordingCommands(computer: computer)
        try await withRequestReader(server, computer: computer, settings: store, commands: commands) { reader in
            #expect(await eventually { commands.messages.count == 1 })
            #expect(reader.counts.cursor != old)
        }
        #expect(store.failed.withLock { $0 } == 2)
        // Resolving `$` after the error would have skipped "pending".
        #expect(commands.messages.map(\.text) == ["pending"])
        await peer.link.close()
    }

    @Test func aSubfolderThatLeavesTheProjectIsRefused() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try PythonPeer(server)
        let commands = RecordingCommands(computer: computer)
        try await withRequestReader(server, computer: computer, settings: InMemorySettingsStore(), commands: commands) { reader in
            // A first start reads after the stream's end as it resolves it: send only once it has.
            #expect(await eventually { reader.counts.cursor != nil })
            for subfolder in ["../etc", "/etc", "a/../../b"] {
                let id = try await peer.send("/new_session 'escape'", to: computer,
                                             [("project_dir", "/tmp/project"), ("channel_metadata", "{\"subfolder\": \"\(subfolder)\"}")])
                let reply = try #require(try await peer.reply(id))
                #expect(reply["status"] as? String == "error", "\(subfolder): \(reply)")
                #expect(reply["code"] as? String == "INVALID_REQUEST")
                #expect((reply["error"] as? String)?.contains("channel_metadata.subfolder") == true, "\(reply)")
            }
            let fine = try await peer.send("/new_session 'inside'", to: computer,
                                           [("project_dir", "/tmp/project"), ("channel_metadata", "{\"subfolder\": \"sub/dir\"}")])
            #expect(try await peer.reply(fine)?["status"] as? String == "success")
        }
        #expect(commands.created.map(\.workingDirectory) == ["/tmp/project/sub/dir"])
        await peer.link.close()
    }
}

/// An in-memory settings store whose first `failures` reads throw, as a locked database would.
final class FailingSettingsStore: SettingsStore {
    let inner = InMemorySettingsStore()
    let failed = Mutex(0)
    private let failures: Int

    init(failures: Int) { self.failures = failures }

    func value(forKey key: String) async throws(SettingsError) -> String? {
        let fail = failed.withLock { failed -> Bool in
            guard failed < failures else { return false }
            failed += 1
            return true
        }
        if fail { throw SettingsError(.failed, key: key, "the store is locked (test)") }
        return try await inner.value(forKey: key)
    }

    func setValue(_ value: String, forKey key: String) async throws(SettingsError) { try await inner.setValue(value, forKey: key) }

    func removeValue(forKey key: String) async throws(SettingsError) { try await inner.removeValue(forKey: key) }
}
