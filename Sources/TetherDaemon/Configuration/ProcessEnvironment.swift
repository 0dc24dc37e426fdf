#if canImport(Glibc)
import Glibc
#endif

/// What the defaults depend on in this process's surroundings: environment variables, the user and host.
///
/// Read once at start; tests build one by hand. Nothing here needs `$HOME` to exist.
public struct ProcessEnvironment: Sendable {
    public var variables: [String: String]
    public var hostName: String
    public var userName: String
    public var userID: UInt32
    public var homeDirectory: String?

    public init(variables: [String: String], hostName: String, userName: String, userID: UInt32, homeDirectory: String?) {
        self.variables = variables
        self.hostName = hostName
        self.userName = userName
        self.userID = userID
        self.homeDirectory = homeDirectory
    }

    /// The environment of this process.
    public static func current() -> ProcessEnvironment {
        var variables: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count) == 0
            ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let uid = getuid()
        var userName = variables["USER"] ?? "uid\(uid)"
        var home = variables["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        if let entry = getpwuid(uid) {
            userName = String(cString: entry.pointee.pw_name)
            if home == nil, let dir = entry.pointee.pw_dir { home = String(cString: dir) }
        }
        return ProcessEnvironment(variables: variables, hostName: hostName, userName: userName, userID: uid, homeDirectory: home)
    }

    /// systemd's `$STATE_DIRECTORY` (its first entry), else `~/.local/state/tether`, else a private /tmp path.
    public var stateDirectory: String {
        if let dirs = variables["STATE_DIRECTORY"], let first = dirs.split(separator: ":").first { return String(first) }
        if let home = homeDirectory { return home + "/.local/state/tether" }
        return "/tmp/tether-\(userID)/state"
    }

    /// systemd's `$RUNTIME_DIRECTORY`, else `$XDG_RUNTIME_DIR/tether`, else `/tmp/tether-$UID`.
    public var runtimeDirectory: String {
        if let dirs = variables["RUNTIME_DIRECTORY"], let first = dirs.split(separator: ":").first { return String(first) }
        if let xdg = variables["XDG_RUNTIME_DIR"], !xdg.isEmpty { return xdg + "/tether" }
        return "/tmp/tether-\(userID)"
    }

    /// `~` and `~/...` with the home directory; other paths unchanged.
    public func expandingTilde(_ path: String) -> String {
        guard let home = homeDirectory else { return path }
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }
}
