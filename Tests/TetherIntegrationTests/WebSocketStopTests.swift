import Foundation
import TetherClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A stop with WebSocket clients connected (the TUI always is) still drains cleanly.
@Suite(.serialized, .timeLimit(.minutes(2))) struct WebSocketStopTests {
    @Test func aStopWithAConnectedClientThatNeverAnswersTheCloseExitsZero() async throws {
        let daemon = try await APIDaemon()
        defer { daemon.remove() }
        // Subscribed, then silent: it never reads, so it never answers the server's close frame.
        let socket = try TetherWebSocket(socketPath: daemon.socket)
        defer { socket.close() }
        try socket.send(json: ["subscribe": "sessions"])
        #expect(await eventually { (try? daemon.client.get("/status").object["interested_in"] as? [String])?.contains("sessions") == true })
        let started = ContinuousClock.now
        #expect(await daemon.stop() == 0, "\(daemon.process.log)")
        print("stop with a silent WebSocket client took \(ContinuousClock.now - started)")
        #expect(!daemon.process.log.contains("component.stop=cancelled"), "\(daemon.process.log)")
    }
}
