import Testing
@testable import TetherRedis

@Suite(.timeLimit(.minutes(1))) struct RedisValueTests {
    private func decode(_ text: String) -> RedisValue? { RedisValue.decoding(Array(text.utf8)) }

    @Test func decodesEveryReplyKind() {
        #expect(decode("+OK\r\n") == .status("OK"))
        #expect(decode("-ERR wrong\r\n") == .error("ERR wrong"))
        #expect(decode(":-42\r\n") == .integer(-42))
        #expect(decode("$-1\r\n") == .null)
        #expect(decode("*-1\r\n") == .null)
        #expect(decode("$0\r\n\r\n") == .bulk([]))
        #expect(decode("*0\r\n") == .array([]))
        #expect(decode("*3\r\n$3\r\nfoo\r\n:1\r\n*1\r\n$-1\r\n") == .array([.bulk(Array("foo".utf8)), .integer(1), .array([.null])]))
    }

    @Test func bulkStringsAreBinarySafe() {
        let bytes: [UInt8] = [0, 13, 10, 255, 0x80]
        #expect(RedisValue.decoding(Array("$5\r\n".utf8) + bytes + Array("\r\n".utf8)) == .bulk(bytes))
    }

    @Test func incompleteOrGarbageGivesNil() {
        #expect(decode("$5\r\nab") == nil)
        #expect(decode("?what\r\n") == nil)
    }

    @Test func accessors() {
        #expect(RedisValue.bulk(Array("12".utf8)).integer == 12)
        #expect(RedisValue.status("PONG").string == "PONG")
        #expect(RedisValue.integer(3).string == nil)
        #expect(RedisValue.array([]).array == [])
        #expect(RedisValue.null.isNull)
    }

    @Test func commandNamesCarryNoArguments() {
        #expect(RedisCommandName([Array("auth".utf8), Array("hunter2".utf8)]).name == "AUTH")
        #expect(RedisCommandName([]).name == "(empty command)")
        #expect(RedisCommandName([[0, 65]]).name == "?A")
    }

    @Test func serverErrorsDropEchoedArguments() {
        let error = RedisError.serverReply("ERR unknown command 'FOO', with args beginning with: 'hunter2' ",
                                           command: RedisCommandName([Array("FOO".utf8)]), address: "h:1")
        #expect(error.code == .server)
        #expect(!error.message.contains("hunter2"))
        #expect(error.serverCode == "ERR")
        let auth = RedisError.serverReply("NOAUTH Authentication required.", command: RedisCommandName([Array("GET".utf8)]), address: "h:1")
        #expect(auth.code == .auth)
        #expect(auth.message.contains("redis.password"))
    }
}
