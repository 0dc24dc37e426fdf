import Foundation
import TetherCore

/// Each session's private TMPDIR (PROTOCOL.md §8): `~/.teleclaude/tmp/sessions/<id>`, the base
/// overridable by `$TELECLAUDE_SESSION_TMPDIR_BASE`; recreated empty with mode 0700 and holding
/// `teleclaude_session_id`, which agent hooks written for the Python daemon read.
struct SessionTempDirectory: Sendable {
    static let idFile = "teleclaude_session_id"
    let base: String

    init(environment: ProcessEnvironment) {
        if let base = environment.variables["TELECLAUDE_SESSION_TMPDIR_BASE"], !base.isEmpty {
            self.base = environment.expandingTilde(base)
        } else if let home = environment.homeDirectory {
            self.base = home + "/.teleclaude/tmp/sessions"
        } else {
            self.base = environment.stateDirectory + "/tmp/sessions"
        }
    }

    /// The directory for `sessionID`: the id itself when it is a safe file name (every id Tether
    /// makes is), else a 32-hex digest of it.
    func path(for sessionID: String) -> String {
        let safe = (1...128).contains(sessionID.utf8.count)
            && sessionID.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
            && sessionID != "." && sessionID != ".."
        return base + "/" + (safe ? sessionID : Self.digest(sessionID))
    }

    /// Makes the directory afresh (removing what a previous life left), mode 0700, with the id file.
    func create(for sessionID: String) throws -> String {
        let path = path(for: sessionID)
        let files = FileManager.default
        do {
            if files.fileExists(atPath: path) { try files.removeItem(atPath: path) }
            try files.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try files.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try sessionID.write(toFile: path + "/" + Self.idFile, atomically: true, encoding: .utf8)
        } catch {
            throw TetherError(.terminal, "cannot make the session temp directory \(path): \(error.localizedDescription); check that \(base) is writable or set TELECLAUDE_SESSION_TMPDIR_BASE", underlying: error)
        }
        return path
    }

    func remove(for sessionID: String) {
        try? FileManager.default.removeItem(atPath: path(for: sessionID))
    }

    /// Two FNV-1a 64-bit hashes (of the id and of the id reversed) as 32 hex digits.
    static func digest(_ text: String) -> String {
        func fnv(_ bytes: some Sequence<UInt8>) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }
        let hex = { (value: UInt64) in String(repeating: "0", count: 16 - String(value, radix: 16).count) + String(value, radix: 16) }
        return hex(fnv(text.utf8)) + hex(fnv(text.utf8.reversed()))
    }
}

extension SessionTempDirectory {
    /// ``create(for:)`` on `worker`, so the file calls never hold a cooperative-pool thread.
    func create(for sessionID: String, on worker: BlockingWorker) async throws -> String {
        try await worker.run { [self] in try create(for: sessionID) }
    }

    /// ``remove(for:)`` on `worker`; a directory that cannot be removed is left behind.
    func remove(for sessionID: String, on worker: BlockingWorker) async {
        _ = try? await worker.run { [self] in remove(for: sessionID) }
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
