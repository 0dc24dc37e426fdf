import COpenSSL

/// Why a TLS tunnel to Redis could not be opened, naming host:port and OpenSSL's reason.
///
/// Messages carry no secret: nothing of the Redis URL but its host and port ever reaches them.
public struct TLSError: Error, CustomStringConvertible, Equatable {
    /// What failed; equality is by code and endpoint.
    public enum Code: String, Sendable {
        case resolve, connect, timeout, handshake, verification, setup
        /// A stop abandoned the connect or the handshake (the wake descriptor became readable).
        case stopped
    }

    public let code: Code
    public let host: String
    public let port: Int
    /// The full sentence: what failed, where, why, and what to do.
    public let message: String

    /// An error about `host:port`; `message` is the whole sentence.
    public init(_ code: Code, host: String, port: Int, _ message: String) {
        self.code = code
        self.host = host
        self.port = port
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: TLSError, rhs: TLSError) -> Bool {
        lhs.code == rhs.code && lhs.host == rhs.host && lhs.port == rhs.port
    }

    /// `host:port`, with IPv6 literals bracketed.
    static func endpoint(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// OpenSSL's error queue, drained into one line (and emptied, so no stale reason leaks into the next error).
enum OpenSSLErrorQueue {
    /// Room for one reason string; OpenSSL's own buffers for it are 256 bytes.
    private static let reasonLength = 256

    static func drain() -> String {
        var reasons: [String] = []
        var buffer = [CChar](repeating: 0, count: reasonLength)
        while case let code = ERR_get_error(), code != 0 {
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.joined(separator: "; ")
    }
}
