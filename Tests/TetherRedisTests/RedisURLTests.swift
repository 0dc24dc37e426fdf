import Testing
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct RedisURLTests {
    @Test func parsesAFullTCPURL() throws {
        let url = try RedisURL(parsing: "redis://alice:s3cret@cache.example:6380/2")
        #expect(url.endpoint == .tcp(host: "cache.example", port: 6380))
        #expect(url.user == "alice")
        #expect(url.password == "s3cret")
        #expect(url.database == 2)
        #expect(!url.usesTLS)
    }

    @Test func aPasswordWithASlashStaysInTheCredentialsAndNeverInAnError() throws {
        let url = try RedisURL(parsing: "redis://default:12/s3cr3t@host:6380/2")
        #expect(url.password == "12/s3cr3t" && url.database == 2 && url.address == "host:6380")
        #expect(!url.description.contains("s3cr3t"))
        do {
            _ = try RedisURL(parsing: "redis://default:12/s3cr3t@host/x")
            Issue.record("a bad database was accepted")
        } catch {
            #expect(!error.message.contains("s3cr3t"), "\(error.message)")
        }
    }

    @Test func defaultsPortAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://localhost")
        #expect(url.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(url.database == 0)
        #expect(url.password == nil && url.user == nil)
        #expect(try RedisURL(parsing: "redis://localhost/").database == 0)
    }

    @Test func tlsSchemeAndBarePassword() throws {
        let url = try RedisURL(parsing: "rediss://:pw@redis.example:6390")
        #expect(url.usesTLS)
        #expect(url.user == nil)
        #expect(url.password == "pw")
        // redis-py reads a lone credential as the password.
        #expect(try RedisURL(parsing: "redis://onlypassword@h").password == "onlypassword")
    }

    @Test func percentDecodesCredentialsAndHost() throws {
        let url = try RedisURL(parsing: "redis://us%40er:p%3Aw%2F%40rd@h:1/3")
        #expect(url.user == "us@er")
        #expect(url.password == "p:w/@rd")
        #expect(url.address == "h:1")
    }

    @Test func parsesIPv6() throws {
        let url = try RedisURL(parsing: "redis://[::1]:7000")
        #expect(url.endpoint == .tcp(host: "::1", port: 7000))
        #expect(url.address == "[::1]:7000")
    }

    @Test func parsesUnixSockets() throws {
        let url = try RedisURL(parsing: "unix:///run/redis/redis.sock?db=4")
        #expect(url.endpoint == .unix(path: "/run/redis/redis.sock"))
        #expect(url.database == 4)
        let withPassword = try RedisURL(parsing: "unix://:pw@/tmp/r.sock")
        #expect(withPassword.endpoint == .unix(path: "/tmp/r.sock"))
        #expect(withPassword.password == "pw")
    }

    @Test func descriptionRedactsThePassword() throws {
        let url = try RedisURL(parsing: "rediss://alice:hunter2@h:6380/1")
        #expect(url.description == "rediss://alice:***@h:6380/1")
        #expect(try RedisURL(parsing: "redis://:hunter2@h").description == "redis://:***@h:6379")
        #expect(try RedisURL(parsing: "unix://:hunter2@/tmp/s?db=2").description == "unix://:***@/tmp/s?db=2")
        #expect(try RedisURL(parsing: "redis://h").description == "redis://h:6379")
    }

    @Test(arguments: [
        ("localhost:6379", "no scheme"),
        ("http://h", "scheme 'http'"),
        ("redis://", "no host"),
        ("redis://:pw@", "no host"),
        ("redis://h:0", "port after the host"),
        ("redis://h:99999", "port after the host"),
        ("redis://h:abc", "port after the host"),
        ("redis://h/x", "database after the host"),
        ("redis://h/-1", "database after the host"),
        ("redis://u:p%zz@h", "password has a broken %-escape"),
        ("redis://[::1", "closing ']'"),
        ("unix://relative.sock", "absolute"),
        ("unix:///tmp/s?db=nine", "database after the host"),
    ])
    func rejectsBadURLsNamingThePart(text: String, problem: String) {
        do {
            _ = try RedisURL(parsing: text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(error.message.contains(problem), "\(error.message)")
            #expect(error.message.contains("redis.url"))
        }
    }

    @Test(arguments: ["redis://u:topsecret@h:notaport", "redis://:topsecret", "redis://u:topsecret@", "redis://u:top%ZZsecret@h"])
    func badURLErrorNeverRepeatsThePassword(text: String) {
        do {
            _ = try RedisURL(parsing: text)
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("topsecret") && !error.message.contains("secret"), "\(error.message)")
        }
    }
}
