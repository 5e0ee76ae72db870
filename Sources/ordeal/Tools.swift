import OrdealReports
import OrdealModel
import OrdealSystem
import OrdealSupport
import ArgumentParser
import Evidence
import Foundation

/// Bad input found while running (a path, a file): reported as one `Error:` line, exit 2.
/// The CLI's file-system helpers: every failure becomes a one-line error naming the path and the fix.
enum Tools {
    /// A command line as words: split on spaces, with '...' and "..." quoting.
    static func words(_ text: String, option: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(c)
                inWord = true
            }
        }
        if let quote { throw BadInput("\(option): the quote \(quote) in `\(text)` is not closed; close it or drop it") }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw BadInput("\(option): the command is empty; give the program and its arguments, e.g. \(option) 'python3 my_adapter.py'") }
        return words
    }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `ordeal-worker` beside this executable, or `$ORDEAL_WORKER`.
    static func workerPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["ORDEAL_WORKER"] { return path }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let path = me.deletingLastPathComponent().appendingPathComponent("ordeal-worker").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BadInput("ordeal-worker not found at \(path); build it (swift build) or set ORDEAL_WORKER")
        }
        return path
    }

    static func requireWritableDirectory(_ path: String, option: String) throws {
        switch Posix.kind(path) {
        case nil:
            do { try Posix.makeDirectories(path) } catch {
                throw BadInput("\(option) \(path): cannot create the folder: \(error.reason) (errno \(error.errno), at \(error.subject)); choose a writable path")
            }
        case .directory: break
        default: throw BadInput("\(option) \(path) is a file, not a folder; name a folder")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw BadInput("\(option) \(path) is not writable; choose a writable folder")
        }
    }

    /// A run folder that will hold only the coming run's files: created when missing; an empty
    /// one is used as it is; one holding a previous run is emptied first only with `replace`
    /// (`--replace`), and one holding anything else is refused. A manifest and a signature
    /// must cover this run's files and nothing left over from another.
    static func prepareRunFolder(_ path: String, option: String, replace: Bool) throws {
        try requireWritableDirectory(path, option: option)
        let names: [String]
        do { names = try Posix.names(in: path).sorted() } catch {
            throw BadInput("\(option) \(path): cannot list the folder: \(error.reason); choose a readable folder")
        }
        guard let first = names.first else { return }
        let isRun = names.contains(Manifest.fileName) || names.contains("report.json")
        guard replace else {
            throw BadInput(
                "\(option) \(path) already holds \(names.count) file(s) (\(first)\(names.count > 1 ? ", ..." : "")); a run folder holds only its own run's files, so that its manifest and signature cover nothing else: choose a new folder"
                    + (isRun ? ", or pass --replace to delete the previous run in it" : ""))
        }
        guard isRun else {
            throw BadInput("\(option) \(path) holds files but no Ordeal run (no \(Manifest.fileName) or report.json): --replace deletes only a previous run; choose a new or empty folder")
        }
        for name in names {
            do { try FileManager.default.removeItem(atPath: path + "/" + name) } catch {
                throw BadInput("\(option) \(path): cannot delete the previous run's \(name) (\(error.localizedDescription)); delete the folder yourself or choose a new one")
            }
        }
    }

    static func requireWritableFile(_ path: String, option: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw BadInput("\(option) \(path): the directory \(dir) does not exist or is not writable; create it or choose another path")
        }
    }
}
