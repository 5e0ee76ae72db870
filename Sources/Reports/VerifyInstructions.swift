/// The reports' "Verify this run" section, one text for report.md and report.html: the exact
/// command that checks the folder, and what it proves.
enum VerifyInstructions {
    static func command(_ report: RunReport) -> String {
        let folder = report.folder.isEmpty ? "RUN_FOLDER" : shellQuoted(report.folder)
        return report.signingKeyID == nil
            ? "ordeal verify \(folder) --integrity-only"
            : "ordeal verify \(folder) --pubkey SIGNER.pub"
    }

    static func explanation(_ report: RunReport) -> String {
        if let key = report.signingKeyID {
            return "This run is signed (attestation.dsse.json) with the key whose id is \(key) (the SHA-256 of its public key's SPKI DER); SIGNER.pub is that public key, from whoever signed it. The command checks every file's digest, the manifest, the signature and report.json's schema; exit 0 means all of it holds."
        }
        return "This run is not signed: the command checks that every file matches manifest.json and report.json its schema, which shows no file changed by accident but not who made the run (anyone who can write the folder can rewrite it consistently). Sign runs with `ordeal run --sign-key KEY` (`ordeal keygen` makes one) and verify them with `--pubkey`."
    }

    static func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
