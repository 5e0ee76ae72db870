import Foundation
import OrdealSupport
import Testing

/// A bench folder is a run folder like any other (issue #12, point 8): `--out`, a manifest, an
/// optional signature, a schema, report.html, and `ordeal verify`; its meta holds typed values,
/// the tool's version and the command line; a target's floor is measured whatever `--ops` says.
@Suite struct BenchRunFolderTests {
    @Test func aSignedBenchFolderVerifiesAndATamperedOneDoesNot() throws {
        let dir = try Binaries.temporaryDirectory()
        _ = try Binaries.run(Binaries.ordeal, ["keygen", "--out", dir + "/k"])
        let out = dir + "/bench"
        let run = try Binaries.run(Binaries.ordeal, [
            "bench", "--iterations", "40", "--warmup", "5", "--ops", "cache.hit,checkpoint.commit", "--out", out, "--sign-key", dir + "/k.key",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        // The floor the commit target needs is measured although --ops leaves it out.
        #expect(run.stdout.contains("raw.insert_txn") && run.stdout.contains("checkpoint.commit P50"), "\(run.stdout)")
        for name in ["results.json", "report.md", "report.html", "manifest.json", "attestation.dsse.json", "plots/latency-p50.svg"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
        }
        let verify = try Binaries.run(Binaries.ordeal, ["verify", out, "--pubkey", dir + "/k.pub"])
        #expect(verify.status == 0 && verify.stdout.contains("signature checked"), "\(verify.stdout)")
        let results = try JSONParser.parse(String(contentsOfFile: out + "/results.json", encoding: .utf8))
        let meta = results["meta"]
        #expect(meta?["version"]?.stringValue == OrdealVersion.current)
        #expect(meta?["command"]?.stringValue?.contains("--ops cache.hit,checkpoint.commit") == true)
        #expect(meta?["rounds"]?.intValue != nil && meta?["warmup"]?.intValue == 5 && meta?["iterations"]?.intValue == 40)
        #expect(meta?["backends"]?.arrayValue == ["sqlite:normal"])
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("Verify this run") && html.contains("--pubkey SIGNER.pub") && html.contains("<svg"))
        let svg = try String(contentsOfFile: out + "/plots/latency-p50.svg", encoding: .utf8)
        #expect(svg.contains("log scale"), "a log axis says so")
        // A figure changed after the run: the digest catches it.
        let text = try String(contentsOfFile: out + "/results.json", encoding: .utf8)
        try text.replacingOccurrences(of: "\"count\" : 40", with: "\"count\" : 41").write(toFile: out + "/results.json", atomically: true, encoding: .utf8)
        #expect(try Binaries.run(Binaries.ordeal, ["verify", out, "--pubkey", dir + "/k.pub"]).status == ExitStatus.failed.rawValue)
        // The folder is used now: a second bench into it is refused.
        let again = try Binaries.run(Binaries.ordeal, ["bench", "--iterations", "10", "--ops", "cache.hit", "--out", out])
        #expect(again.status == ExitStatus.badInput.rawValue && again.stderr.contains("already holds"), "\(again.stderr)")
    }
}
