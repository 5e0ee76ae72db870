import OrdealReports
import OrdealModel
import OrdealSystem
import OrdealSupport
import ArgumentParser
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
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw BadInput("\(option) \(path): cannot create the directory (\(error.localizedDescription)); choose a writable path")
            }
        } else if !isDirectory.boolValue {
            throw BadInput("\(option) \(path) is a file, not a directory; name a directory")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw BadInput("\(option) \(path) is not writable; choose a writable directory")
        }
    }

    static func requireWritableFile(_ path: String, option: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw BadInput("\(option) \(path): the directory \(dir) does not exist or is not writable; create it or choose another path")
        }
    }
}
