import Backends
import Foundation
import PostgresBackend
import RecoveryCore
import Synchronization
import Testing

@Suite struct BackendSpecTests {
    @Test func theBuiltInFormsParse() throws {
        #expect(try BackendSpec.parse("sqlite:normal") == .sqlite(.normal))
        #expect(try BackendSpec.parse("sqlite:full") == .sqlite(.full))
        #expect(try BackendSpec.parse("sqlite:off") == .sqlite(.off))
        #expect(try BackendSpec.parse("memory") == .memory)
        let spec = try BackendSpec.parse("postgres://ordeal:s3cret@127.0.0.1:55432/core")
        #expect(spec == .postgres(PostgresURL(user: "ordeal", password: "s3cret", host: "127.0.0.1", port: 55432, database: "core")))
        #expect(spec.description == "postgres://ordeal@127.0.0.1:55432/core", "the password is never shown")
        #expect(try BackendSpec.parse("postgresql://u@db.example:5433/x?sslmode=disable").description
            == "postgres://u@db.example:5433/x?sslmode=disable")
        #expect(try BackendSpec.parse("mystore:/var/lib/x") == .custom(scheme: "mystore", text: "mystore:/var/lib/x"))
        #expect(try BackendSpec.parse("mystore://me:pw@h/x").description == "mystore://me:***@h/x")
    }

    @Test func postgresURLsDecodeAndShowTheirPartsPercentEncoded() throws {
        let url = try PostgresURL(parsing: "postgresql://us%40er:p%3Aw@[::1]:6000/d%20b")
        #expect(url.user == "us@er" && url.password == "p:w" && url.host == "::1" && url.port == 6000 && url.database == "d b")
        #expect(url.tls == .disable, "loopback needs no TLS")
        #expect(url.description == "postgres://us%40er@[::1]:6000/d%20b")
        let remote = try PostgresURL(parsing: "postgres://ordeal@db.internal")
        #expect(remote.port == 5432 && remote.database == "ordeal" && remote.tls == .require)
        #expect(try PostgresURL(parsing: remote.description) == remote)
    }

    @Test(arguments: ["sqlite:fast", "sqlite", "", "redis", ":x", "memory:"])
    func badSpecsSayWhichFormsExist(_ text: String) {
        let error = #expect(throws: RecoveryError.self) { try BackendSpec.parse(text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message == "unknown backend '\(text)'; use sqlite:normal, sqlite:full, sqlite:off, memory, postgres://user@host:port/db, or a registered SCHEME:...")
    }

    @Test(arguments: [
        ("postgres://127.0.0.1:5432/db", "it names no user (user@host)"),
        ("postgres://u:pw@127.0.0.1:99999/db", "the port is not a number from 1 to 65535"),
        ("postgres://u@/db", "the host is empty"),
        ("postgres://u@h/db?timeout=3", "the parameters understood are sslmode=disable|require and timeout_ms=N, not 'timeout=3'"),
        ("postgres://u@h/db?timeout_ms=0", "timeout_ms must be a whole number of milliseconds, at least 1"),
    ])
    func badPostgresURLsSayWhatIsWrongWithoutThePassword(_ text: String, _ why: String) {
        let error = #expect(throws: RecoveryError.self) { try BackendSpec.parse(text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(why) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("pw") == false)
    }

    @Test func openMakesSQLiteAndMemoryAndRejectsUnknownSchemes() throws {
        let dir = NSTemporaryDirectory() + "backends-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Backends.open("sqlite:full", sqlitePath: dir + "/a.sqlite").spec == "sqlite:full")
        #expect(try Backends.open(spec: nil, sqlitePath: dir + "/b.sqlite", durability: .off).spec == "sqlite:off")
        #expect(try Backends.open("memory", sqlitePath: nil) is MemoryBackend)
        let noPath = #expect(throws: RecoveryError.self) { try Backends.open("sqlite:normal", sqlitePath: nil) }
        #expect(noPath?.message == "backend sqlite:normal needs a database file; give its path (--db PATH)")
        let unknown = #expect(throws: RecoveryError.self) { try Backends.open("nosuchstore:x", sqlitePath: nil) }
        #expect(unknown?.code == .invalidArgument)
        #expect(unknown?.message.hasPrefix("no backend is registered for scheme 'nosuchstore'") == true)
    }

    @Test func aRegisteredSchemeOpensThroughItsOpener() throws {
        let seen = Mutex<[String]>([])
        Backends.register(scheme: "teststore") { spec in
            seen.withLock { $0.append(spec.description) }
            return MemoryBackend()
        }
        #expect(try Backends.open("teststore:alpha", sqlitePath: nil) is MemoryBackend)
        #expect(seen.withLock { $0 } == ["teststore:alpha"])
    }
}
