/// How the Redis TLS client checks the server (`redis.tls_verify`, `redis.tls_ca_file`).
public struct TLSOptions: Sendable, Equatable {
    /// Verify the certificate chain and the host name. Off only by an explicit `redis.tls_verify: false`.
    public var verify: Bool
    /// A PEM file of the CA(s) to trust instead of the system store, for a private CA.
    public var caFile: String?

    /// The line the caller logs (once, as a warning) when verification is off.
    public static let verificationOffWarning = "TLS certificate verification is OFF (redis.tls_verify: false)"

    /// Verified against the system store unless a CA file is given.
    public init(verify: Bool = true, caFile: String? = nil) {
        self.verify = verify
        self.caFile = caFile
    }

    /// True when the caller must log ``verificationOffWarning``.
    public var verificationIsOff: Bool { !verify }
}
