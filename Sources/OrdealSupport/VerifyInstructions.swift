/// The "Verify this run" section of every report of a run folder (`ordeal run`'s report.md
/// and report.html, `ordeal bench`'s): the exact command that checks the folder, and what it
/// proves. One text, so the formats never disagree.
public enum VerifyInstructions {
    /// `folder`: the run folder as given; `keyID`: the signing key's id, nil when unsigned.
    public static func command(folder: String, keyID: String?) -> String {
        let folder = folder.isEmpty ? "RUN_FOLDER" : Shell.quoted(folder)
        return keyID == nil ? "ordeal verify \(folder) --integrity-only" : "ordeal verify \(folder) --pubkey SIGNER.pub"
    }

    public static func explanation(keyID: String?) -> String {
        if let key = keyID {
            return "This run is signed (attestation.dsse.json) with the key whose id is \(key) (the SHA-256 of its public key's SPKI DER); SIGNER.pub is that public key, from whoever signed it. The command checks every file's digest, the manifest, the signature and the results' schema; exit 0 means all of it holds."
        }
        return "This run is not signed: the command checks that every file matches manifest.json and the results their schema, which shows no file changed by accident but not who made the run (anyone who can write the folder can rewrite it consistently). Sign runs with --sign-key KEY (`ordeal keygen` makes one) and verify them with --pubkey."
    }
}
