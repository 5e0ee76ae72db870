import OrdealModel
import OrdealSystem
import Foundation
import OrdealSupport

/// Names the call sites the shim recorded as module + offset: `llvm-symbolizer` (from the Swift
/// toolchain) finds the functions, one run per module, and `swift-demangle --simplified` makes
/// Swift names readable, one run for all. Either tool missing leaves a frame as the shim saw it
/// (module+0xOFFSET, with the exported symbol when dladdr knew one), so a report never depends
/// on them.
final class Symbolizer {
    private var names: [String: String] = [:]

    /// A tool on PATH, or beside `swift` (the toolchain's bin folder).
    static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            let swift = "\(dir)/swift"
            if FileManager.default.isExecutableFile(atPath: swift) {
                let beside = URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent()
                    .appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: beside) { return beside }
            }
        }
        return nil
    }

    private static func key(_ frame: ShimFrame) -> String { "\(frame.module)@\(frame.offset)" }

    /// Looks up every frame's function name.
    func prepare(_ frames: [ShimFrame]) {
        var byModule: [String: [UInt64]] = [:]
        for frame in frames where names[Self.key(frame)] == nil {
            names[Self.key(frame)] = frame.symbol
            if frame.symbol.isEmpty && frame.module.hasPrefix("/") { byModule[frame.module, default: []].append(frame.offset) }
        }
        if let symbolizer = Self.tool("llvm-symbolizer") {
            for (module, offsets) in byModule {
                let unique = Array(Set(offsets)).sorted()
                let argv = [symbolizer, "--obj=\(module)", "--functions=linkage", "--no-inlines", "--output-style=LLVM"]
                    + unique.map { "0x" + String($0, radix: 16) }
                // One block per address: the function, its location, then an empty line.
                let blocks = Self.output(argv).split(separator: "", omittingEmptySubsequences: true)
                for (offset, block) in zip(unique, blocks) where block.first != "??" {
                    names["\(module)@\(offset)"] = block.first ?? ""
                }
            }
        }
        let mangled = Set(names.values.filter { $0.hasPrefix("$s") || $0.hasPrefix("_$s") })
        if !mangled.isEmpty, let demangler = Self.tool("swift-demangle") {
            let order = mangled.sorted()
            let lines = Self.output([demangler, "--simplified", "--compact"] + order)
            if lines.count == order.count {
                let readable = Dictionary(uniqueKeysWithValues: zip(order, lines))
                names = names.mapValues { readable[$0] ?? $0 }
            }
        }
    }

    /// The trace as the report shows it: the call, then one line per frame.
    func json(_ trace: ShimTrace) -> JSONValue {
        ["call": .string(trace.call), "frames": .array(trace.frames.map { .string(describe($0)) })]
    }

    func describe(_ frame: ShimFrame) -> String {
        let place = "\((frame.module as NSString).lastPathComponent)+0x\(String(frame.offset, radix: 16))"
        let name = names[Self.key(frame)] ?? frame.symbol
        return name.isEmpty ? place : "\(name) (\(place))"
    }

    private static func output(_ argv: [String]) -> [String] {
        guard let child = try? ChildProcess(argv, stderrPath: "/dev/null") else { return [] }
        var lines: [String] = []
        while let line = try? child.readLine() { lines.append(line) }
        _ = try? child.wait()
        return lines
    }
}
