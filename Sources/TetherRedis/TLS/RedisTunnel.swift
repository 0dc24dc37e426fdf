/// A socket that carries Redis's protocol for hiredis while something else (TLS) carries the bytes.
///
/// `fileDescriptor` is handed to `redisConnectFd`, after which `redisFree` closes it; `close()`
/// ends the tunnel's own side and never closes `fileDescriptor` (doing both would close a number
/// that another thread may already have reused).
public protocol RedisTunnel: Sendable {
    var fileDescriptor: Int32 { get }
    func close()
}
