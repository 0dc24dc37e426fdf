import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A TLS client session over a connected socket: the OpenSSL context and connection it set up.
/// Owned by one thread at a time (the opener, then the pump); ``free()`` releases both handles.
struct TLSSession {
    let context: OpaquePointer
    let ssl: OpaquePointer

    func free() {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }
}

/// Sets up OpenSSL for one Redis connection and runs the handshake before a deadline.
enum TLSHandshake {
    /// Runs the client handshake on `fd` (non-blocking) with a context from ``makeContext``, which
    /// the session then owns; on failure frees both, leaves `fd` open, and throws.
    static func run(context: OpaquePointer, fd: Int32, host: String, port: Int, options: TLSOptions, deadline: TunnelDeadline) throws -> TLSSession {
        let session = try makeSession(context: context, fd: fd, host: host, port: port, options: options)
        do {
            try handshake(session, host: host, port: port, options: options, deadline: deadline)
            return session
        } catch {
            session.free()
            throw error
        }
    }

    /// The client context: TLS 1.2 at least, and the trust the options ask for. Made before any
    /// connection, so a bad CA file is reported as such, whatever the network does.
    static func makeContext(host: String, port: Int, options: TLSOptions) throws -> OpaquePointer {
        _ = OpenSSLErrorQueue.drain()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw setupError(host, port, "SSL_CTX_new") }
        guard tether_SSL_CTX_set_min_proto_version(context, tether_TLS1_2_VERSION()) == 1 else {
            SSL_CTX_free(context)
            throw setupError(host, port, "setting TLS 1.2 as the minimum")
        }
        _ = tether_SSL_CTX_set_mode(context, tether_SSL_MODE_PARTIAL_WRITES())
        if options.verify {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let caFile = options.caFile {
                guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                    SSL_CTX_free(context)
                    throw TLSError(.setup, host: host, port: port,
                                   "could not load the CA file \(caFile) (redis.tls_ca_file): \(OpenSSLErrorQueue.drain()); it must be a readable PEM file of CA certificates")
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                SSL_CTX_free(context)
                throw setupError(host, port, "loading the system's CA store")
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        return context
    }

    private static func makeSession(context: OpaquePointer, fd: Int32, host: String, port: Int, options: TLSOptions) throws -> TLSSession {
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw setupError(host, port, "SSL_new")
        }
        let session = TLSSession(context: context, ssl: ssl)
        guard SSL_set_fd(ssl, fd) == 1, name(session.ssl, host: host, verify: options.verify) else {
            session.free()
            throw setupError(host, port, "binding the socket and the server name")
        }
        SSL_set_connect_state(ssl)
        return session
    }

    /// SNI for host names (RFC 6066 allows no IP literal there) and the name or address the certificate must match.
    private static func name(_ ssl: OpaquePointer, host: String, verify: Bool) -> Bool {
        var scratch = in6_addr()
        let isAddress = inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1
        if !isAddress, tether_SSL_set_tlsext_host_name(ssl, host) != 1 { return false }
        guard verify else { return true }
        if isAddress { return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 }
        return SSL_set1_host(ssl, host) == 1
    }

    private static func handshake(_ session: TLSSession, host: String, port: Int, options: TLSOptions, deadline: TunnelDeadline) throws {
        let fd = SSL_get_fd(session.ssl)
        let endpoint = TLSError.endpoint(host, port)
        while true {
            let result = SSL_connect(session.ssl)
            if result == 1 { return }
            let reason = SSL_get_error(session.ssl, result)
            let events: Int16
            switch reason {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            default: throw failure(session, reason: reason, host: host, port: port, options: options)
            }
            guard let wait = deadline.remainingMilliseconds else {
                throw TLSError(.timeout, host: host, port: port,
                               "the TLS handshake with Redis at \(endpoint) did not finish within \(deadline.limit): the server accepted TCP but did not answer as TLS; check that redis.url names its TLS port, or raise timeouts.redis_connect")
            }
            switch deadline.poll(fd, events: events, milliseconds: wait) {
            case .ready, .idle: continue
            case .stopped:
                throw TLSError(.stopped, host: host, port: port, "the TLS handshake with Redis at \(endpoint) was abandoned: the daemon is stopping")
            case .failed(let code):
                throw TLSError(.handshake, host: host, port: port,
                               "the TLS handshake with Redis at \(endpoint) failed: poll: \(String(cString: strerror(code)))")
            }
        }
    }

    private static func failure(_ session: TLSSession, reason: Int32, host: String, port: Int, options: TLSOptions) -> TLSError {
        let endpoint = TLSError.endpoint(host, port)
        let systemError = errno
        let verifyResult = SSL_get_verify_result(session.ssl)
        let queued = OpenSSLErrorQueue.drain()
        if options.verify, verifyResult != X509_V_OK {
            let why = String(cString: X509_verify_cert_error_string(verifyResult))
            let hint = options.caFile == nil
                ? "set redis.tls_ca_file to your CA, or fix the URL's host"
                : "check that redis.tls_ca_file (\(options.caFile!)) holds the CA that signed the server's certificate, or fix the URL's host"
            return TLSError(.verification, host: host, port: port,
                            "the certificate of \(endpoint) did not verify: \(why); \(hint)")
        }
        let detail: String
        if !queued.isEmpty {
            detail = queued
        } else if reason == SSL_ERROR_SYSCALL, systemError != 0 {
            detail = String(cString: strerror(systemError))
        } else {
            detail = "the server closed the connection"
        }
        return TLSError(.handshake, host: host, port: port,
                        "the TLS handshake with Redis at \(endpoint) failed: \(detail); check that redis.url names the server's TLS port (a plain Redis port speaks no TLS)")
    }

    private static func setupError(_ host: String, _ port: Int, _ step: String) -> TLSError {
        TLSError(.setup, host: host, port: port,
                 "could not set up TLS for Redis at \(TLSError.endpoint(host, port)): \(step) failed: \(OpenSSLErrorQueue.drain())")
    }
}
