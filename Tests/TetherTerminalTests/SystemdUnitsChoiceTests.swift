import Foundation
import Logging
import Testing
import TetherCore
@testable import TetherTerminal

/// Which systemd manager holds the sessions, from the daemon's environment and user: the user unit's
/// own manager, a lingering user's manager for the system unit, or the system manager for root.
@Suite(.timeLimit(.minutes(1))) struct SystemdUnitsChoiceTests {
    /// A stand-in for `/run/user`, with a manager socket for `uids`.
    func runtimeRoot(managersFor uids: [UInt32]) throws -> String {
        let root = NSTemporaryDirectory() + "tether-units-\(UUID().uuidString)"
        for uid in uids {
            try FileManager.default.createDirectory(atPath: "\(root)/\(uid)/systemd", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: "\(root)/\(uid)/systemd/private", contents: nil))
        }
        return root
    }

    func units(_ environment: [String: String], uid: UInt32, root: String, mode: String = "auto") -> SystemdUnits {
        SystemdUnits(mode: mode, environment: environment, logger: Logger(label: "test"), userID: uid, userRuntimeRoot: root)
    }

    @Test func outsideSystemdOrTurnedOffNoManagerIsUsed() throws {
        let root = try runtimeRoot(managersFor: [1000])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(units(["XDG_RUNTIME_DIR": "\(root)/1000"], uid: 1000, root: root).manager == nil, "no INVOCATION_ID: not a service")
        #expect(units(["INVOCATION_ID": "x"], uid: 1000, root: root, mode: "off").manager == nil)
    }

    @Test func theUserUnitUsesTheManagerOfItsRuntimeDirectory() throws {
        let root = try runtimeRoot(managersFor: [1000])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let user = units(["INVOCATION_ID": "x", "XDG_RUNTIME_DIR": "\(root)/1000"], uid: 1000, root: root)
        #expect(user.manager == .user)
        #expect(user.managerEnvironment.isEmpty, "the environment already finds it")
        let none = units(["INVOCATION_ID": "x", "XDG_RUNTIME_DIR": "\(root)/2000"], uid: 2000, root: root)
        #expect(none.manager == .system, "a runtime directory without a manager")
    }

    @Test func theSystemUnitAsALingeringUserUsesThatUsersManager() throws {
        let root = try runtimeRoot(managersFor: [1000])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lingering = units(["INVOCATION_ID": "x", "USER": "alice"], uid: 1000, root: root)
        #expect(lingering.manager == .user)
        #expect(lingering.managerEnvironment == ["XDG_RUNTIME_DIR": "\(root)/1000"])
        #expect(lingering.scopedShell(sessionID: "s1", shell: "/bin/sh", limits: SessionLimits()).contains("--user"))
    }

    @Test func theSystemUnitWithoutLingeringOrAsRootUsesTheSystemManager() throws {
        let root = try runtimeRoot(managersFor: [0])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let notLingering = units(["INVOCATION_ID": "x"], uid: 1000, root: root)
        #expect(notLingering.manager == .system)
        #expect(notLingering.managerEnvironment.isEmpty)
        #expect(units(["INVOCATION_ID": "x"], uid: 0, root: root).manager == .system, "root makes its units on the system manager")
    }
}
