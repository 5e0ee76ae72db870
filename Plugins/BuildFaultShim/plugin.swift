import Foundation
import PackagePlugin

/// Builds `libordeal_shim.so`, the LD_PRELOAD fault shim, with plain clang from
/// `Sources/FaultShim/*.c`, as a resource of the target that uses this plugin (`Chaos`), so the
/// runner finds it next to its own binaries without the user naming a path.
///
/// Not a SwiftPM library product on purpose: that would link the Swift runtime into every
/// process the shim is loaded into. Built this way it needs only libc and libunwind.
@main
struct BuildFaultShim: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let package = context.package.directoryURL
        let sources = package.appending(path: "Sources/FaultShim")
        let include = package.appending(path: "Sources/COrdealShims/include")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted()
        let cFiles = files.filter { $0.hasSuffix(".c") }.map { sources.appending(path: $0) }
        let inputs = files.map { sources.appending(path: $0) } + [include.appending(path: "ordeal_shim_control.h")]
        let output = context.pluginWorkDirectoryURL.appending(path: "libordeal_shim.so")
        let clang = try context.tool(named: "clang").url
        let flags = ["-shared", "-fPIC", "-O2", "-std=gnu11", "-fvisibility=hidden", "-Wall", "-Werror", "-I", include.path]
        return [
            .buildCommand(
                displayName: "Building the fault shim libordeal_shim.so", executable: clang,
                arguments: flags + ["-o", output.path] + cFiles.map(\.path) + ["-ldl", "-lunwind"],
                inputFiles: inputs, outputFiles: [output])
        ]
    }
}
