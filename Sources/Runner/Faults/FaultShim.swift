import OrdealSupport
import OrdealModel
import OrdealSystem
import COrdealShims
import Foundation

/// Where the LD_PRELOAD fault shim is, and how a worker is started with it.
///
/// The shim (`Sources/FaultShim`, built by the `BuildFaultShim` plugin) is a resource of this
/// module: it lies in `Ordeal_OrdealRunner.resources/` next to the binaries of the build. `ORDEAL_SHIM`
/// names another copy.
public enum FaultShim {
    /// The version the shim reports, from the header both sides are built with.
    public static let version = ORDEAL_SHIM_VERSION

    /// The shim's path; throws, naming the places looked in, when it is not there.
    public static func libraryPath() throws -> String {
        var places: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["ORDEAL_SHIM"], !explicit.isEmpty {
            places.append(explicit)
        } else {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            let selfExe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map(URL.init(fileURLWithPath:))
            for base in [selfExe, executable].compactMap({ $0?.deletingLastPathComponent() }) {
                places.append(base.appendingPathComponent("Ordeal_OrdealRunner.resources/libordeal_shim.so").path)
            }
        }
        for place in places where FileManager.default.isReadableFile(atPath: place) { return place }
        throw ShimError.notFound(places)
    }

    /// The environment entries that load the shim into a child and point it at `controlPath`.
    static func environment(library: String, controlPath: String, inherited: [String]) -> [String] {
        var out = inherited.filter { !$0.hasPrefix("LD_PRELOAD=") && !$0.hasPrefix("ORDEAL_SHIM_CONTROL=") }
        let existing = inherited.first { $0.hasPrefix("LD_PRELOAD=") }.map { String($0.dropFirst("LD_PRELOAD=".count)) }
        out.append("LD_PRELOAD=" + ([library] + (existing.map { [$0] } ?? [])).joined(separator: ":"))
        out.append("ORDEAL_SHIM_CONTROL=" + controlPath)
        return out
    }
}
