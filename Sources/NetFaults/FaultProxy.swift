import NIOConcurrencyHelpers
import NIOCore
import OrdealModel
import NIOPosix

/// A TCP proxy on 127.0.0.1 in front of one server (host:port), whose connections a toxic can
/// slow (latency, bandwidth), cut, reset or refuse; one per worker instance, so a fault can hit one worker, a group
/// or all (latency, bandwidth, partition, reset, refuse, slicer). It runs on its own event-loop threads inside the process that starts it (the
/// runner), so it never outlives that process. One toxic at a time.
///
/// Invariant: every byte read from one side is written to the other exactly once, in order,
/// unless the active toxic drops it, and then it is counted as dropped.
public final class FaultProxy: Sendable {
    public let upstreamHost: String
    public let upstreamPort: Int
    /// The port clients connect to, on 127.0.0.1.
    public let port: Int
    let state: ProxyState
    private let server: any Channel

    /// The event-loop threads every proxy of the process runs on: they end with the process.
    public static let threads = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// Binds a new listener on 127.0.0.1 (a free port) for `host:port`.
    public static func start(
        upstreamHost: String, upstreamPort: Int, group: any EventLoopGroup = FaultProxy.threads
    ) throws -> FaultProxy {
        let state = ProxyState()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // One read per readiness event: a request or a reply is one read here, and a
            // second read would only find EAGAIN (a syscall on every hop of a round trip).
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { client in
                if state.refuseNew() {
                    ProxyState.reset(client)
                    return client.eventLoop.makeSucceededVoidFuture()
                }
                return ClientBootstrap(group: client.eventLoop)
                    .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                    .channelOption(ChannelOptions.maxMessagesPerRead, value: 1)
                    .connect(host: upstreamHost, port: upstreamPort)
                    .flatMapThrowing { upstream in
                        try client.pipeline.syncOperations.addHandler(Forwarder(.upstream, peer: upstream, state: state))
                        try upstream.pipeline.syncOperations.addHandler(Forwarder(.downstream, peer: client, state: state))
                        state.register(client, upstream)
                    }
                    .flatMapErrorThrowing { error in
                        client.close(promise: nil)
                        throw error
                    }
            }
        let server = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        guard let port = server.localAddress?.port else {
            server.close(promise: nil)
            throw ProxyError(message: "the proxy for \(upstreamHost):\(upstreamPort) bound no port")
        }
        return FaultProxy(upstreamHost: upstreamHost, upstreamPort: upstreamPort, port: port, state: state, server: server)
    }

    private init(upstreamHost: String, upstreamPort: Int, port: Int, state: ProxyState, server: any Channel) {
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.port = port
        self.state = state
        self.server = server
    }

    /// Starts `toxic` (a reset acts at once); replaces any active one.
    public func apply(_ toxic: Toxic) { state.apply(toxic) }

    /// Ends the active toxic and returns what it did.
    @discardableResult
    public func heal() -> ToxicEffects { state.heal() }

    /// Connections currently open through the proxy.
    public var openConnections: Int { state.openConnections }

    /// Stops listening and closes every connection.
    public func close() {
        state.closeAll()
        try? server.close().wait()
    }
}

public struct ProxyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Copies one side's bytes to the other, through the proxy's active toxic.
final class Forwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let way: NetworkDirection
    let peer: any Channel
    let state: ProxyState
    /// The deadline of the last delayed chunk: later chunks never overtake it.
    private var releaseAt = NIODeadline.uptimeNanoseconds(0)

    init(_ way: NetworkDirection, peer: any Channel, state: ProxyState) {
        self.way = way
        self.peer = peer
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch state.decide(way, bytes: buffer.readableBytes) {
        case .pass:
            if releaseAt > .now() {
                schedule(buffer, at: releaseAt, on: context.eventLoop)
            } else {
                peer.writeAndFlush(buffer, promise: nil)
            }
        case .drop:
            break
        case .delay(let nanos):
            releaseAt = max(releaseAt, .now() + .nanoseconds(nanos))
            schedule(buffer, at: releaseAt, on: context.eventLoop)
        case .slice(let size, let delay):
            var rest = buffer
            while let piece = rest.readSlice(length: min(size, rest.readableBytes)), piece.readableBytes > 0 {
                releaseAt = max(releaseAt, .now())
                schedule(piece, at: releaseAt, on: context.eventLoop)
                releaseAt = releaseAt + .nanoseconds(max(delay, 1))  // distinct deadlines keep the slices in order
            }
        case .throttle(let rate):
            let wire = Int64(buffer.readableBytes) * 1_000_000_000 / Int64(max(rate, 1))
            releaseAt = max(releaseAt, .now()) + .nanoseconds(wire)
            schedule(buffer, at: releaseAt, on: context.eventLoop)
        }
    }

    private func schedule(_ buffer: ByteBuffer, at deadline: NIODeadline, on loop: any EventLoop) {
        let peer = self.peer
        loop.scheduleTask(deadline: deadline) { peer.writeAndFlush(buffer, promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.unregister(context.channel)
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
