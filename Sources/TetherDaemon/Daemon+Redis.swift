import Logging
import TetherCore
import TetherRedis

extension Daemon {
    /// The Redis component when `redis.enabled`, with its connections' options from the
    /// configuration; throws a clear error for a bad URL or an unreadable password file.
    static func redisComponent(_ configuration: TetherConfiguration, runtime: SessionRuntime, interest: SubscriptionInterest,
                               registry: TaskRegistry, time: TimeSource, logger: Logger) throws -> RedisComponent? {
        let redis = configuration.redis
        guard redis.enabled else { return nil }
        let tls = TLSOptions(verify: redis.tlsVerify, caFile: redis.tlsCAFile.isEmpty ? nil : redis.tlsCAFile)
        let options = try RedisConnectionOptions(
            url: redis.url, password: redis.password, passwordFile: redis.passwordFile,
            connectTimeout: .seconds(configuration.timeouts.redisConnect),
            commandTimeout: .seconds(configuration.timeouts.redisCommand),
            blockTimeout: .seconds(configuration.timeouts.redisBlock),
            tunnel: { host, port, timeout in try TLSTunnel.open(host: host, port: port, options: tls, timeout: timeout) }
        )
        if options.url.usesTLS, tls.verificationIsOff {
            logger.warning("\(TLSOptions.verificationOffWarning): the Redis server's certificate is not checked, so anyone on the path can read and forge the traffic")
        }
        return RedisComponent(
            options: options, computer: configuration.computer.name, discoverySweep: .seconds(redis.discoverySweep),
            commands: runtime.commands, settings: runtime.store, interest: interest, cache: runtime.cache, bus: runtime.bus,
            registry: registry, time: time, logger: logger
        )
    }
}
