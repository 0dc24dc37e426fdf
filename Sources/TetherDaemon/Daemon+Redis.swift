import Logging
import TetherCore
import TetherRedis

extension Daemon {
    /// The Redis part for the configuration: disabled, or the component with its connections'
    /// options; a configuration that cannot be used (a bad URL, an unreadable password file) gives
    /// a stand-in that keeps the daemon serving its own computer and says what to fix.
    static func redisPart(_ configuration: TetherConfiguration, runtime: SessionRuntime, interest: SubscriptionInterest,
                          registry: TaskRegistry, time: TimeSource, logger: Logger) -> RedisPart {
        let redis = configuration.redis
        guard redis.enabled else { return .disabled }
        let tls = tlsOptions(redis)
        let options: RedisConnectionOptions
        do {
            options = try connectionOptions(configuration, tls: tls)
        } catch {
            return .unusable(UnusableRedisComponent(problem: error.message))
        }
        if options.url.usesTLS, tls.verificationIsOff {
            logger.warning("\(TLSOptions.verificationOffWarning): the Redis server's certificate is not checked, so anyone on the path can read and forge the traffic")
        }
        return .running(RedisComponent(
            options: options, computer: configuration.computer.name, discoverySweep: .seconds(redis.discoverySweep),
            commands: runtime.commands, settings: runtime.store, interest: interest,
            cache: runtime.cache, bus: runtime.bus, registry: registry, time: time, logger: logger
        ))
    }

    /// Why the `redis` section cannot be used, or nil: for `check-config`, which reports it as an error.
    static func redisProblem(_ configuration: TetherConfiguration) -> String? {
        guard configuration.redis.enabled else { return nil }
        do {
            _ = try connectionOptions(configuration, tls: tlsOptions(configuration.redis))
            return nil
        } catch {
            return error.message
        }
    }

    private static func tlsOptions(_ redis: TetherConfiguration.Redis) -> TLSOptions {
        TLSOptions(verify: redis.tlsVerify, caFile: redis.tlsCAFile.isEmpty ? nil : redis.tlsCAFile)
    }

    private static func connectionOptions(_ configuration: TetherConfiguration, tls: TLSOptions) throws(RedisError) -> RedisConnectionOptions {
        let redis = configuration.redis
        return try RedisConnectionOptions(
            url: redis.url, password: redis.password, passwordFile: redis.passwordFile,
            connectTimeout: .seconds(configuration.timeouts.redisConnect),
            commandTimeout: .seconds(configuration.timeouts.redisCommand),
            blockTimeout: .seconds(configuration.timeouts.redisBlock),
            tunnel: { host, port, timeout, wake in try TLSTunnel.open(host: host, port: port, options: tls, timeout: timeout, wake: wake) }
        )
    }
}
