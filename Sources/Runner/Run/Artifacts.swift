import OrdealModel
import OrdealReports
import OrdealSystem
import Foundation
import OrdealSupport

/// The files of a run folder (and the binaries it used) with their sizes and SHA-256.
enum Artifacts {
    /// The reports (`report.*`, `junit.xml`, `plots/`, `manifest.json`, `attestation.dsse.json`)
    /// are derived from report.json and listed by the manifest, not here.
    static let derived: Set<String> = ["report.json", "report.md", "report.html", "junit.xml", "manifest.json", "attestation.dsse.json"]

    static func list(runDirectory: String, extra: [String]) throws -> [Artifact] {
        var out: [Artifact] = []
        let root = URL(fileURLWithPath: runDirectory).standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw RunnerError.io("cannot list the run folder \(root)")
        }
        var paths: [String] = []
        while let relative = walker.nextObject() as? String {
            let full = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if derived.contains(relative) || relative.hasPrefix("plots/") || relative.hasSuffix(".tmp") { continue }
            paths.append(relative)
        }
        for relative in paths.sorted() { out.append(try artifact(path: root + "/" + relative, name: relative)) }
        for path in extra { out.append(try artifact(path: path, name: URL(fileURLWithPath: path).standardizedFileURL.path)) }
        return out
    }

    static func artifact(path: String, name: String) throws -> Artifact {
        var hasher = Digest.Hasher()
        var bytes = 0
        do {
            try Posix.readFile(path) { chunk in
                bytes += chunk.count
                hasher.update(chunk)
            }
        } catch {
            throw RunnerError.io("cannot read \(path) to hash it: \(error.reason)")
        }
        return Artifact(path: name, bytes: bytes, sha256: hasher.finalizeHex())
    }
}

extension ScenarioRun.Outcome {
    /// What the history alone does not say: the harness problems, the fault records and the
    /// duration. `ordeal report` reads it back to re-analyse the scenario.
    func json(seed: UInt64) -> JSONValue {
        [
            "seed": Seed.json(seed), "duration_ms": .double(durationMillis),
            "problems": .array(problems.map { .string($0) }),
            "faults": .array(faults.map { f in
                [
                    "index": .int(Int64(f.index)), "kind": .string(f.kind.rawValue), "target": .string(f.target),
                    "at_ms": f.atMillis.map { .double($0) } ?? .null, "healed_at_ms": f.healedAtMillis.map { .double($0) } ?? .null,
                    "effects": .object(f.effects),
                ]
            }),
        ]
    }
}
