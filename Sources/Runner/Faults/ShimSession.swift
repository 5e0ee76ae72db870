import OrdealSupport
import OrdealModel
import OrdealSystem
import Foundation

/// The shim for a command of the user's own (`ordeal shim run`): a control file, the environment
/// that loads the shim into the command, and what the shim did, read back afterwards. Faults
/// armed here stay armed for the whole command.
public final class ShimSession {
    let control: ShimControl
    public let controlPath: String
    public let journalPath: String

    /// A control file in `folder` for a command whose disk and power faults reach `dataDirectory`.
    public init(folder: String, dataDirectory: String, journal: Bool) throws {
        controlPath = folder + "/shim.ctl"
        journalPath = folder + "/journal.bin"
        let data = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        control = try ShimControl(path: controlPath, dataDirectory: data, journalPath: journalPath)
        if journal { control.enableJournal(atSync: 0) }
    }

    /// This process's environment plus what loads the shim.
    public func environment() throws -> [String] {
        FaultShim.environment(library: try FaultShim.libraryPath(), controlPath: controlPath, inherited: Posix.environment)
    }

    /// One line on what the shim saw: whether it was loaded, syncs counted, the journal's size.
    public var summary: String {
        let journalBytes = ((try? FileManager.default.attributesOfItem(atPath: journalPath))?[.size] as? Int) ?? 0
        return "shim \(FaultShim.version): loaded in pid \(control.loadedPID), \(control.syncCount) syncs counted, journal \(journalBytes) bytes, \(control.journalErrors) journal errors"
    }
}
