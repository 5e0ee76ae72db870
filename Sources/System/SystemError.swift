#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what (a path, a descriptor, a pid), and the errno it
/// left, read at once. Its description is one sentence that names all three, as NIO's
/// `IOError` does: `open(/x/history.jsonl) failed: Permission denied (errno 13)`.
public struct SystemError: Error, CustomStringConvertible, Sendable, Hashable {
    public let call: String
    public let subject: String
    public let errno: Int32

    public init(call: String, subject: String, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    /// The error of `call` on `subject` with the errno the last call left.
    static func last(_ call: String, _ subject: String) -> SystemError {
        SystemError(call: call, subject: subject, errno: Glibc.errno)
    }

    public var reason: String { String(cString: strerror(errno)) }

    public var description: String { "\(call)(\(subject)) failed: \(reason) (errno \(errno))" }
}

extension Posix {
    /// Runs `body` until it returns something other than -1 with `EINTR`; a -1 with another
    /// errno is thrown as that call's `SystemError`. Every interruptible call goes through here.
    @discardableResult
    static func retrying<T: FixedWidthInteger>(_ call: String, _ subject: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            if Glibc.errno != EINTR { throw SystemError.last(call, subject()) }
        }
    }
}
