import Foundation
import Testing
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct RedisOptionsTests {
    private func options(password: String = "", file: String = "", url: String = "redis://:fromurl@h") throws -> RedisConnectionOptions {
        try RedisConnectionOptions(url: url, password: password, passwordFile: file, connectTimeout: .seconds(1),
                                   commandTimeout: .seconds(2), blockTimeout: .seconds(5))
    }

    private func passwordFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "tether-redis-pw-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func explicitPasswordWinsOverFileAndURL() throws {
        let file = try passwordFile("fromfile\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try options(password: "explicit", file: file).password == "explicit")
        #expect(try options(file: file).password == "fromfile")
        #expect(try options().password == "fromurl")
        #expect(try options(url: "redis://h").password == nil)
    }

    @Test func unreadableOrEmptyPasswordFileIsAClearError() throws {
        #expect { try options(file: "/nonexistent/tether-pw") } throws: { error in
            (error as? RedisError)?.message.contains("/nonexistent/tether-pw") == true
                && (error as? RedisError)?.message.contains("redis.password_file") == true
        }
        let empty = try passwordFile("\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect { try options(file: empty) } throws: { ($0 as? RedisError)?.message.contains("is empty") == true }
    }

    @Test func descriptionShowsNoSecret() throws {
        let text = try options(password: "hunter2").description
        #expect(!text.contains("hunter2") && !text.contains("fromurl"))
        #expect(text.contains("password set"))
    }

    @Test func blockingReadsGetALongerSocketTimeout() throws {
        let options = try options()
        #expect(options.socketTimeout(forBlock: .seconds(5)) == .seconds(5) + RedisConnectionOptions.blockingMargin)
        #expect(RedisConnectionOptions.blockingMargin > .zero)
    }
}
