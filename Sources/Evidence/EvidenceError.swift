import OrdealSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the Evidence library: a stable code, a sentence naming the file or key and the
/// fix, and the `errno` underneath when a system call failed.
///
/// A *failed verification* is never an `EvidenceError`: `Verifier` returns a
/// `VerificationResult` and `VerifyingKey.isValidSignature(_:for:)` returns `false`.
public struct EvidenceError: Error, CustomStringConvertible, Sendable {
    /// A stable code; new codes can be added without breaking callers that switch on the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Storage: String {
            case io = "io"
            case alreadyExists = "already-exists"
            case invalidKey = "invalid-key"
            case unsupportedFile = "unsupported-file"
            case malformedManifest = "malformed-manifest"
            case malformedEnvelope = "malformed-envelope"
            case signingFailed = "signing-failed"
            case invalidArgument = "invalid-argument"
        }
        let value: Storage
        public var description: String { value.rawValue }

        /// A read, write, rename or directory listing failed; `errno` says why.
        public static let io = Code(value: .io)
        /// A key file would have overwritten an existing file.
        public static let alreadyExists = Code(value: .alreadyExists)
        /// A PEM or DER key could not be parsed, or uses an algorithm Ordeal does not support.
        public static let invalidKey = Code(value: .invalidKey)
        /// The run folder holds something that is neither a regular file nor a directory.
        public static let unsupportedFile = Code(value: .unsupportedFile)
        /// `manifest.json` is not valid JSON or does not have the documented shape.
        public static let malformedManifest = Code(value: .malformedManifest)
        /// `attestation.dsse.json` is not a well-formed DSSE envelope.
        public static let malformedEnvelope = Code(value: .malformedEnvelope)
        /// The signing primitive failed.
        public static let signingFailed = Code(value: .signingFailed)
        /// An argument cannot be used (for example a predicate holding NaN).
        public static let invalidArgument = Code(value: .invalidArgument)
    }

    /// What went wrong, as a stable code.
    public let code: Code
    /// A full sentence naming the path or key and, where there is one, the fix.
    public let message: String
    /// The `errno` of the failed system call, when one failed.
    public let errno: Int32?

    /// Makes an error with a code, a sentence and an optional `errno`.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// `[code] message: strerror (errno: N)`, in the form NIO's `IOError` prints.
    public var description: String {
        var text = "[\(code)] \(message)"
        if let errno { text += ": \(String(cString: strerror(errno))) (errno: \(errno))" }
        return text
    }
}

extension EvidenceError: ExitStatusProviding {
    /// A key, an argument or a path of the caller's (one that is missing, not permitted or read
    /// only) is bad input; a signing primitive or another failed call is Ordeal's own (4).
    public var exitStatus: ExitStatus {
        switch code {
        case .alreadyExists, .invalidKey, .invalidArgument, .unsupportedFile, .malformedManifest, .malformedEnvelope:
            return .badInput
        case .io where [ENOENT, ENOTDIR, EACCES, EPERM, EROFS, EISDIR, ELOOP, ENAMETOOLONG].contains(errno ?? 0):
            return .badInput
        default:
            return .internalError
        }
    }
}
