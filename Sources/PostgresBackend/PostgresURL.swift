import OrdealSupport
/// Where a PostgreSQL backend connects: `postgres://user[:password]@host[:port][/database][?sslmode=...&timeout_ms=...]`
/// (`postgresql://` too). User, password and database may be percent-encoded. `timeout_ms` is
/// the client's deadline for each connect and statement (default 10000): past it the
/// connection is dropped and the call fails with its outcome unknown, so nothing blocks forever.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP. The default for loopback hosts.
        case disable
        /// TLS, failing when the server does not offer it. The default for other hosts.
        case require
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    /// The deadline of each connect and statement, in milliseconds.
    public var timeoutMillis = PostgresURL.defaultTimeoutMillis
    public static let defaultTimeoutMillis = 10_000

    public init(user: String, password: String? = nil, host: String, port: Int = 5432, database: String? = nil, tls: TLSMode? = nil) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database ?? user
        self.tls = tls ?? (Self.isLoopback(host) ? .disable : .require)
    }

    /// Parses a URL; the error says what is wrong and shows the expected form.
    public init(parsing text: String) throws(PostgresURLError) {
        let form = "postgres://user[:password]@host[:port][/database][?sslmode=disable|require][&timeout_ms=N]"
        func bad(_ why: String) -> PostgresURLError { PostgresURLError(description: "bad PostgreSQL URL '\(Self.redactingPassword(text))': \(why); expected \(form)") }
        guard let schemeEnd = text.range(of: "://"),
              ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound]) else {
            throw bad("it must start with postgres:// or postgresql://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var databasePart: Substring?
        if let slash = rest.firstIndex(of: "/") {
            databasePart = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw bad("it names no user (user@host)") }
        let userInfo = rest[..<at]
        var hostPort = rest[rest.index(after: at)...]
        let userPart = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = Self.percentDecoded(userPart[0]), !user.isEmpty else { throw bad("the user is empty or badly encoded") }
        var password: String?
        if userPart.count == 2 {
            guard let decoded = Self.percentDecoded(userPart[1]) else { throw bad("the password is badly percent-encoded") }
            password = decoded
        }
        var port = 5432
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            // [::1]:5432
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw bad("the port is not a number from 1 to 65535") }
                port = p
            } else if !after.isEmpty {
                throw bad("unexpected text after the IPv6 address")
            }
            hostPort = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
        } else if let colon = hostPort.lastIndex(of: ":") {
            guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else {
                throw bad("the port is not a number from 1 to 65535")
            }
            port = p
            hostPort = hostPort[..<colon]
        }
        guard !hostPort.isEmpty else { throw bad("the host is empty") }
        var database: String?
        if let databasePart, !databasePart.isEmpty {
            guard let decoded = Self.percentDecoded(databasePart) else { throw bad("the database name is badly percent-encoded") }
            database = decoded
        }
        var tls: TLSMode?
        var timeout: Int?
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "timeout_ms" {
                guard let ms = Int(kv[1]), ms >= 1 else { throw bad("timeout_ms must be a whole number of milliseconds, at least 1, not '\(kv[1])'") }
                timeout = ms
                continue
            }
            guard kv.count == 2, kv[0] == "sslmode", let mode = TLSMode(rawValue: String(kv[1])) else {
                throw bad("the parameters understood are sslmode=disable|require and timeout_ms=N, not '\(pair)'")
            }
            tls = mode
        }
        self.init(user: user, password: password, host: String(hostPort), port: port, database: database, tls: tls)
        if let timeout { timeoutMillis = timeout }
    }

    /// The URL without the password: safe for logs, reports and error messages.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        var text = "postgres://\(Self.percentEncoded(user))@\(host):\(port)/\(Self.percentEncoded(database))"
        var parameters: [String] = []
        if tls != (Self.isLoopback(self.host) ? .disable : .require) { parameters.append("sslmode=\(tls.rawValue)") }
        if timeoutMillis != Self.defaultTimeoutMillis { parameters.append("timeout_ms=\(timeoutMillis)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    /// The URL with its password, for handing to a worker process; never for showing.
    public var connectionString: String {
        guard let password else { return description }
        let shown = description
        let prefix = "postgres://\(Self.percentEncoded(user))"
        return prefix + ":" + Self.percentEncoded(password) + shown.dropFirst(prefix.count)
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// `text` with any password between `://user:` and `@` replaced by `***`: for showing a URL
    /// of any scheme.
    public static func redactingPassword(_ text: String) -> String { URLText.redactingPassword(text) }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

/// A PostgreSQL URL that cannot be parsed; the description says why and shows the form.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
