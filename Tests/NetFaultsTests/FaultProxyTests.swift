import Glibc
import NIOConcurrencyHelpers
import NIOCore
import OrdealModel
import NIOPosix
import Testing

@testable import NetFaults

/// Each toxic lands (bytes really delayed, dropped, connections reset or refused), a proxy with
/// no toxic passes every byte, and a toxic that met no traffic says it touched nothing.
@Suite(.serialized) struct FaultProxyTests {
    /// An echo server that counts the bytes it received.
    final class Upstream: Sendable {
        let channel: any Channel
        let received = NIOLockedValueBox(0)
        /// How many reads the bytes arrived in.
        let reads = NIOLockedValueBox(0)

        init(group: any EventLoopGroup) throws {
            let received = self.received
            let reads = self.reads
            channel = try ServerBootstrap(group: group)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(Echo(received: received, reads: reads)) }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        }

        var port: Int { channel.localAddress?.port ?? 0 }
    }

    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<Int>
        let reads: NIOLockedValueBox<Int>
        init(received: NIOLockedValueBox<Int>, reads: NIOLockedValueBox<Int>) {
            self.received = received
            self.reads = reads
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue { $0 += buffer.readableBytes }
            reads.withLockedValue { $0 += 1 }
            context.writeAndFlush(data, promise: nil)
        }
    }

    /// A blocking client socket with a receive timeout.
    struct Client {
        let fd: Int32

        init(port: Int, timeoutMillis: Int = 400) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var tv = timeval(tv_sec: timeoutMillis / 1000, tv_usec: Int((timeoutMillis % 1000) * 1000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { throw ProxyError(message: "connect: errno \(errno)") }
        }

        func send(_ text: String) { _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }

        /// What arrives within the timeout: the text, "" at end of stream, nil on a timeout, or
        /// "reset" when the connection was reset.
        func receive(_ count: Int) -> String? {
            var buffer = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
                if n == 0 { return String(decoding: buffer.prefix(got), as: UTF8.self) }
                if n < 0 { return errno == ECONNRESET ? "reset" : (got == 0 ? nil : String(decoding: buffer.prefix(got), as: UTF8.self)) }
                got += n
            }
            return String(decoding: buffer, as: UTF8.self)
        }

        func close() { Glibc.close(fd) }
    }

    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    func withProxy(_ body: (FaultProxy, Upstream) throws -> Void) throws {
        let upstream = try Upstream(group: Self.group)
        let proxy = try FaultProxy.start(upstreamHost: "127.0.0.1", upstreamPort: upstream.port, group: Self.group)
        defer {
            proxy.close()
            try? upstream.channel.close().wait()
        }
        try body(proxy, upstream)
    }

    @Test func withNoToxicEveryBytePassesBothWays() throws {
        try withProxy { proxy, upstream in
            let client = try Client(port: proxy.port)
            defer { client.close() }
            client.send("hello")
            #expect(client.receive(5) == "hello")
            #expect(upstream.received.withLockedValue { $0 } == 5)
            #expect(!proxy.heal().touchedAnything)
        }
    }

    @Test func latencyDelaysEveryChunkEachWayInOrder() throws {
        try withProxy { proxy, _ in
            let client = try Client(port: proxy.port, timeoutMillis: 2_000)
            defer { client.close() }
            proxy.apply(.latency(millis: 120, jitterMillis: 0, direction: .both))
            let start = DispatchTimeLike.now()
            client.send("abc")
            client.send("def")
            #expect(client.receive(6) == "abcdef")
            let elapsed = DispatchTimeLike.now() - start
            #expect(elapsed >= 230, "a round trip through 120 ms each way took \(elapsed) ms")
            let effects = proxy.heal()
            #expect(effects.bytesDelayed >= 12 && effects.touchedAnything)
        }
    }

    @Test func bandwidthHoldsTheLinkToItsRate() throws {
        try withProxy { proxy, _ in
            let client = try Client(port: proxy.port, timeoutMillis: 3_000)
            defer { client.close() }
            // 4000 bytes each way at 10000 bytes/s: at least 0.4 s to get there (the way back
            // overlaps it, chunk by chunk, as on a real link).
            proxy.apply(.bandwidth(bytesPerSecond: 10_000, direction: .both))
            let payload = String(repeating: "x", count: 4_000)
            let start = DispatchTimeLike.now()
            client.send(payload)
            #expect(client.receive(4_000) == payload)
            let elapsed = DispatchTimeLike.now() - start
            #expect(elapsed >= 390, "4000 bytes there and back at 10000 B/s took \(elapsed) ms")
            #expect(proxy.heal().bytesDelayed == 8_000)
        }
    }

    @Test func aSlicerCutsEachChunkIntoDelayedSlicesInOrder() throws {
        try withProxy { proxy, upstream in
            let client = try Client(port: proxy.port, timeoutMillis: 2_000)
            defer { client.close() }
            // 16 bytes in one send reach the server as 4 slices of 4 bytes, 40 ms apart.
            proxy.apply(.slicer(bytes: 4, delayMillis: 40, direction: .upstream))
            let start = DispatchTimeLike.now()
            client.send("abcdefghijklmnop")
            #expect(client.receive(16) == "abcdefghijklmnop")
            let elapsed = DispatchTimeLike.now() - start
            #expect(elapsed >= 115, "4 slices 40 ms apart arrived within \(elapsed) ms")
            #expect(upstream.reads.withLockedValue { $0 } >= 4)
            let effects = proxy.heal()
            #expect(effects.chunksSliced == 1 && effects.bytesDelayed == 12 && effects.touchedAnything)
            // Chunks no longer than a slice pass whole: such a slicer touched nothing.
            proxy.apply(.slicer(bytes: 4, delayMillis: 40, direction: .upstream))
            client.send("ab")
            #expect(client.receive(2) == "ab")
            #expect(!proxy.heal().touchedAnything)
        }
    }

    @Test func aOneWayPartitionLetsRequestsThroughAndDropsEveryReply() throws {
        try withProxy { proxy, upstream in
            let client = try Client(port: proxy.port, timeoutMillis: 300)
            defer { client.close() }
            proxy.apply(.partition(direction: .downstream))
            client.send("commit")
            #expect(client.receive(6) == nil, "no reply passes")
            #expect(upstream.received.withLockedValue { $0 } == 6, "the request reached the server")
            let effects = proxy.heal()
            #expect(effects.bytesDropped == 6 && effects.bytesPassed == 6)
            client.send("again")
            #expect(client.receive(5) == "again", "after the heal the connection carries bytes again")
        }
    }

    @Test func aFullPartitionPassesNothingEitherWayAndKeepsTheConnectionOpen() throws {
        try withProxy { proxy, upstream in
            let client = try Client(port: proxy.port, timeoutMillis: 300)
            defer { client.close() }
            proxy.apply(.partition(direction: .both))
            client.send("lost")
            #expect(client.receive(4) == nil)
            #expect(upstream.received.withLockedValue { $0 } == 0)
            #expect(proxy.openConnections == 1)
            #expect(proxy.heal().bytesDropped == 4)
        }
    }

    @Test func aResetCutsEveryOpenConnectionAndRefuseResetsNewOnes() throws {
        try withProxy { proxy, _ in
            let client = try Client(port: proxy.port)
            defer { client.close() }
            client.send("x")
            #expect(client.receive(1) == "x")
            proxy.apply(.reset)
            #expect(["reset", ""].contains(client.receive(1)), "the open connection was cut")
            #expect(proxy.heal().connectionsReset == 1)
            proxy.apply(.refuse)
            let refused = try Client(port: proxy.port)
            defer { refused.close() }
            refused.send("y")
            #expect(["reset", ""].contains(refused.receive(1)))
            #expect(proxy.heal().connectionsRefused == 1)
        }
    }

    @Test func aToxicThatMetNoTrafficTouchedNothing() throws {
        try withProxy { proxy, _ in
            proxy.apply(.partition(direction: .downstream))
            #expect(!proxy.heal().touchedAnything)
            proxy.apply(.latency(millis: 50, jitterMillis: 10, direction: .upstream))
            #expect(!proxy.heal().touchedAnything)
        }
    }
}

/// Milliseconds on the monotonic clock.
enum DispatchTimeLike {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }
}
