import OrdealSupport

/// The list of every file in a run folder, with its size and SHA-256: `manifest.json`.
///
/// ## File format (`manifest_version` 1)
///
/// `manifest.json` holds exactly the canonical JSON (`CanonicalJSON`: keys sorted, no white
/// space, `/` unescaped, no trailing newline) of
///
/// ```json
/// {"artifacts":[{"bytes":1234,"path":"scenarios/a/history.jsonl","sha256":"<64 hex>"}, ...],
///  "digest_algorithm":"sha256","manifest_version":1,"self_digest":"<64 hex>"}
/// ```
///
/// - `artifacts`: one entry per regular file below the run folder, sorted by `path` (byte order
///   of UTF-8), paths relative to the folder and joined with `/`. Excluded: `manifest.json` and
///   `attestation.dsse.json` at the top (they describe the others) and any `*.tmp` file (a write
///   in progress). `bytes` is the size, `sha256` the lower-case hex SHA-256 of the content.
/// - `self_digest`: the lower-case hex SHA-256 of the canonical JSON of the same object *without*
///   the `self_digest` key, i.e. of `{"artifacts":[...],"digest_algorithm":"sha256","manifest_version":1}`.
///   It catches an edited manifest; only a signature (`Attestation`) stops a forged one.
///
/// Symbolic links, pipes, sockets and devices cannot be attested: scanning a folder holding one
/// throws `unsupportedFile`, since a verifier could not tell what it pointed at when signed.
public struct Manifest: Sendable, Hashable {
    /// One file of the run folder.
    public struct Artifact: Sendable, Hashable {
        /// Relative to the run folder, `/`-separated, with no `.` or `..` component.
        public var path: String
        /// The size in bytes.
        public var bytes: Int64
        /// The lower-case hex SHA-256 of the content.
        public var sha256: String

        /// An artifact entry.
        public init(path: String, bytes: Int64, sha256: String) {
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// `manifest.json`.
    public static let fileName = "manifest.json"
    /// The `manifest_version` this library writes and reads.
    public static let version: Int64 = 1
    /// The files a manifest never lists, because they describe the others.
    public static let reservedNames: Set<String> = [fileName, Attestation.fileName]

    /// The artifacts, sorted by path.
    public let artifacts: [Artifact]

    /// A manifest of `artifacts`, which are sorted by path here.
    public init(artifacts: [Artifact]) {
        self.artifacts = artifacts.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// True when the manifest leaves `path` (relative to the run folder) out: the reserved names
    /// at the top and temporary `*.tmp` files anywhere.
    public static func isExcluded(_ path: String) -> Bool {
        reservedNames.contains(path) || path.hasSuffix(".tmp")
    }

    /// True when `path` is a usable artifact path: relative, `/`-separated, no empty, `.` or `..`
    /// component, no NUL, and not a reserved name. A manifest naming anything else is malformed,
    /// so a verifier never reads outside the run folder.
    public static func isValidArtifactPath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.utf8.contains(0), !reservedNames.contains(path) else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    // MARK: Scanning and writing

    /// Lists and hashes every regular file below `directory` (see the type's documentation for
    /// what is excluded). Throws `unsupportedFile` for a symbolic link, pipe, socket or device.
    public static func scan(directory: String) throws(EvidenceError) -> Manifest {
        var artifacts: [Artifact] = []
        for entry in try Files.walk(directory) where !isExcluded(entry.path) {
            guard entry.kind == .file else {
                let what = if case .other(let name) = entry.kind { name } else { "directory" }
                throw EvidenceError(
                    .unsupportedFile,
                    "\(directory)/\(entry.path) is a \(what); a run folder can only hold regular files and directories to be attested")
            }
            let (bytes, sha256) = try hash(file: directory + "/" + entry.path)
            artifacts.append(Artifact(path: entry.path, bytes: bytes, sha256: sha256))
        }
        return Manifest(artifacts: artifacts)
    }

    /// Scans `directory` and replaces `directory/manifest.json` atomically (a `*.tmp` file, then
    /// `rename(2)`) with the result, which it returns. `encoded()` gives the bytes written.
    @discardableResult
    public static func write(directory: String) throws(EvidenceError) -> Manifest {
        let manifest = try scan(directory: directory)
        try Files.writeAtomically(directory + "/" + fileName, manifest.encoded())
        return manifest
    }

    /// The size and lower-case hex SHA-256 of the file at `path`, read in 64 KiB pieces.
    public static func hash(file path: String) throws(EvidenceError) -> (bytes: Int64, sha256: String) {
        var hasher = Digest.Hasher()
        var count: Int64 = 0
        try Files.readFile(path) { chunk in
            hasher.update(chunk)
            count += Int64(chunk.count)
        }
        return (count, hasher.finalizeHex())
    }

    // MARK: Encoding

    /// The manifest as a JSON value, with `self_digest` or without it (the form that is hashed).
    public func jsonValue(includingSelfDigest: Bool = true) -> JSONValue {
        var fields: [String: JSONValue] = [
            "artifacts": .array(
                artifacts.map { .object(["bytes": .int($0.bytes), "path": .string($0.path), "sha256": .string($0.sha256)]) }),
            "digest_algorithm": "sha256",
            "manifest_version": .int(Self.version),
        ]
        if includingSelfDigest { fields["self_digest"] = .string(selfDigest) }
        return .object(fields)
    }

    /// SHA-256 hex of the canonical JSON of the manifest without `self_digest`.
    public var selfDigest: String { Digest.sha256Hex(canonical(jsonValue(includingSelfDigest: false))) }

    /// The exact bytes of `manifest.json`: canonical JSON with `self_digest`, no trailing newline.
    public func encoded() -> [UInt8] { canonical(jsonValue()) }

    /// Reads `manifest.json` bytes, checking the documented shape: exactly the four keys,
    /// `manifest_version` 1, `digest_algorithm` "sha256", artifacts with valid relative paths in
    /// strictly increasing order, non-negative sizes, 64-hex digests. Returns the manifest and the
    /// `self_digest` it records (the caller compares it with `selfDigest`). Throws
    /// `malformedManifest` with the first problem found.
    public static func decode(_ bytes: [UInt8]) throws(EvidenceError) -> (manifest: Manifest, recordedSelfDigest: String) {
        func bad(_ reason: String) -> EvidenceError { EvidenceError(.malformedManifest, "\(fileName) \(reason)") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw bad("is not valid JSON (\(error))") }
        guard let object = value.objectValue else { throw bad("is not a JSON object") }
        let expected: Set<String> = ["artifacts", "digest_algorithm", "manifest_version", "self_digest"]
        guard Set(object.keys) == expected else {
            throw bad("must have exactly the keys \(expected.sorted()), found \(object.keys.sorted())")
        }
        guard object["manifest_version"] == .int(version) else { throw bad("has manifest_version other than \(version)") }
        guard object["digest_algorithm"] == "sha256" else { throw bad("has digest_algorithm other than \"sha256\"") }
        guard let recorded = object["self_digest"]?.stringValue, Digest.isSHA256Hex(recorded) else {
            throw bad("has a self_digest that is not 64 lower-case hex digits")
        }
        guard let entries = object["artifacts"]?.arrayValue else { throw bad("has artifacts that is not an array") }
        var artifacts: [Artifact] = []
        for (index, entry) in entries.enumerated() {
            guard let fields = entry.objectValue, Set(fields.keys) == ["bytes", "path", "sha256"],
                let path = fields["path"]?.stringValue, let size = fields["bytes"]?.intValue, size >= 0,
                let sha256 = fields["sha256"]?.stringValue, Digest.isSHA256Hex(sha256)
            else { throw bad("artifact #\(index) must be {\"bytes\": N >= 0, \"path\": \"...\", \"sha256\": \"<64 hex>\"}") }
            guard isValidArtifactPath(path) else {
                throw bad("artifact #\(index) has path '\(path)', which is not a relative path inside the run folder")
            }
            if let previous = artifacts.last, !previous.path.utf8.lexicographicallyPrecedes(path.utf8) {
                throw bad("lists '\(path)' after '\(previous.path)'; paths must be unique and sorted")
            }
            artifacts.append(Artifact(path: path, bytes: size, sha256: sha256))
        }
        return (Manifest(artifacts: artifacts), recorded)
    }
}

/// Canonical JSON of a value built only from strings, integers, arrays and objects, which
/// `CanonicalJSON` always encodes (it throws only for NaN and infinities).
func canonical(_ value: JSONValue) -> [UInt8] {
    guard let bytes = try? CanonicalJSON.encode(value) else {
        preconditionFailure("canonical JSON of a value without doubles cannot fail")
    }
    return bytes
}
