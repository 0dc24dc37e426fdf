// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "tether",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tetherd", targets: ["tetherd"]),
        .executable(name: "tether", targets: ["tether"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C shims: a module map and a header each.
        .systemLibrary(name: "CSystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CProcess"),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),

        // The wire shapes (sessions, computers, projects, status, events) with their coding rules:
        // Foundation only, so the CLI can link them without NIO or swift-log.
        .target(
            name: "TetherWire",
            swiftSettings: strict
        ),
        .target(
            name: "TetherCore",
            dependencies: ["TetherWire", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "TetherSystemd",
            dependencies: ["TetherCore", "CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "TetherStore",
            dependencies: ["TetherCore", "CSQLite", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Peers over Redis (PROTOCOL.md §1–4): the wire codec, hiredis connections on threads of
        // their own, the TLS tunnel under them (OpenSSL), and next the stream reader and discovery.
        .target(
            name: "TetherRedis",
            dependencies: ["TetherCore", "CHiredis", "COpenSSL", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "TetherTerminal",
            dependencies: ["TetherCore", "CProcess", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "TetherAPI",
            dependencies: [
                "TetherCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // What the CLI (and the tests) speak to the daemon with: HTTP and WebSocket over the unix socket.
        // It links neither the daemon nor NIO.
        .target(
            name: "TetherClient",
            swiftSettings: strict
        ),
        .target(
            name: "TetherDaemon",
            dependencies: [
                "TetherCore",
                "TetherSystemd",
                "TetherStore",
                "TetherTerminal",
                "TetherAPI",
                "TetherRedis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tetherd",
            dependencies: [
                "TetherDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tether",
            dependencies: [
                "TetherClient",
                "TetherWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The daemon plus fault-injection components, for tests and benchmarks only: never installed,
        // so no production configuration can reach the switches it reads.
        .executableTarget(
            name: "tetherd-fixture",
            dependencies: ["TetherDaemon", "TetherCore", "TetherTerminal"],
            swiftSettings: strict
        ),

        // A stand-in for the agent CLIs (Claude Code, Gemini CLI, Codex CLI) at the edges Tether meets:
        // bracketed paste, Enter handling, busy markers, permission prompts, hooks, transcript. Tests only:
        // never installed. Foundation only, so it builds in seconds.
        .executableTarget(
            name: "tether-fake-agent",
            swiftSettings: strict
        ),

        // `make bench`: speed and memory figures for docs/BENCHMARKS.md, never run by the tests.
        .executableTarget(
            name: "tether-bench",
            dependencies: [
                "TetherCore", "TetherDaemon", "TetherTerminal", "TetherClient", "TetherRedis",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/TetherBench",
            swiftSettings: strict
        ),

        .testTarget(
            name: "TetherCoreTests",
            dependencies: ["TetherCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The client's HTTP and WebSocket parsers, fed bytes: no daemon, no socket.
        .testTarget(
            name: "TetherClientTests",
            dependencies: ["TetherClient"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TetherDaemonTests",
            dependencies: ["TetherDaemon", "TetherCore", "TetherSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The terminal layer's parsers and state machines, without tmux.
        .testTarget(
            name: "TetherTerminalTests",
            dependencies: ["TetherTerminal", "TetherCore"],
            swiftSettings: strict
        ),
        // The Redis layer without a server: the wire codec (words, entries, envelopes, heartbeats,
        // events), URL parsing and reply conversion.
        .testTarget(
            name: "TetherRedisTests",
            dependencies: ["TetherRedis", "TetherCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TetherIntegrationTests",
            dependencies: [
                "TetherCore", "TetherStore", "TetherRedis", "TetherTerminal", "TetherDaemon", "TetherAPI", "TetherClient", "CHiredis",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
