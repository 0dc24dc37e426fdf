import Foundation
import TetherCore

/// Where a session may start: inside the daemon user's home directory, `computer.default_working_dir`
/// or one of `computer.trusted_dirs`, after `~` and `$VAR` expansion and symlink resolution.
struct WorkingDirectoryPolicy: Sendable {
    let environment: ProcessEnvironment
    let roots: [String]

    init(configuration: TetherConfiguration, environment: ProcessEnvironment) {
        self.environment = environment
        var roots = configuration.computer.trustedDirs.map(\.path)
        roots.append(configuration.computer.defaultWorkingDir)
        if let home = environment.homeDirectory { roots.append(home) }
        var seen: Set<String> = []
        self.roots = roots.map { Self.resolve(environment.expandingTilde($0)) }.filter { seen.insert($0).inserted }
    }

    /// The resolved directory for `requested`, or an error naming it and saying what is allowed.
    func validate(_ requested: String) throws -> String {
        let expanded = expandVariables(environment.expandingTilde(requested.trimmingCharacters(in: .whitespaces)))
        guard expanded.hasPrefix("/") else {
            throw TetherError(.invalidRequest, "working directory \(requested) is not an absolute path; give a path starting with / or ~")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else {
            throw TetherError(.invalidRequest, "working directory \(requested) does not exist; create it first or pick another")
        }
        guard isDirectory.boolValue else {
            throw TetherError(.invalidRequest, "working directory \(requested) is a file, not a directory")
        }
        let resolved = Self.resolve(expanded)
        guard roots.contains(where: { resolved == $0 || resolved.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
            throw TetherError(.invalidRequest, "working directory \(requested) is not allowed: sessions start inside \(roots.joined(separator: ", ")); add it to computer.trusted_dirs to allow it")
        }
        return resolved
    }

    private func expandVariables(_ path: String) -> String {
        guard path.contains("$") else { return path }
        var result = ""
        var rest = Substring(path)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            let braced = rest.first == "{"
            if braced { rest = rest.dropFirst() }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            rest = rest.dropFirst(name.count)
            if braced, rest.first == "}" { rest = rest.dropFirst() }
            result += environment.variables[String(name)] ?? ""
        }
        return result + rest
    }

    static func resolve(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
