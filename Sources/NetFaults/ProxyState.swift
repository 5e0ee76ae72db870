import NIOConcurrencyHelpers
import NIOCore
import OrdealModel
import NIOPosix

/// The proxy's toxic, its effects and its open connections, shared by its event loops and the
/// caller that applies and heals toxics.
final class ProxyState: Sendable {
    enum Decision {
        case pass, drop
        case delay(nanos: Int64)
        /// Sent once the link, at this rate, would have carried it after what went before.
        case throttle(bytesPerSecond: Int)
        /// Sent in slices of at most `bytes`, `delayNanos` apart.
        case slice(bytes: Int, delayNanos: Int64)
    }

    private struct Inner {
        var toxic: Toxic?
        var effects = ToxicEffects()
        var connections: [ObjectIdentifier: (client: any Channel, upstream: any Channel)] = [:]
        var random = SeededRandom(seed: 0x6f72_6465_616c)
    }

    private let inner = NIOLockedValueBox(Inner())

    func apply(_ toxic: Toxic) {
        let reset: [any Channel] = inner.withLockedValue { s in
            s.toxic = toxic
            s.effects = ToxicEffects()
            guard toxic == .reset else { return [] }
            let all = s.connections.values.flatMap { [$0.client, $0.upstream] }
            s.effects.connectionsReset += s.connections.count
            s.connections = [:]
            return all
        }
        reset.forEach(Self.reset)
    }

    func heal() -> ToxicEffects {
        inner.withLockedValue { s in
            defer {
                s.toxic = nil
                s.effects = ToxicEffects()
            }
            return s.effects
        }
    }

    /// What to do with `bytes` going `way` now.
    func decide(_ way: NetworkDirection, bytes: Int) -> Decision {
        inner.withLockedValue { s in
            switch s.toxic {
            case .latency(let millis, let jitter, let direction) where direction.covers(way):
                s.effects.bytesDelayed += bytes
                let extra = jitter > 0 ? Double(s.random.next() % 1_000_000) / 1_000_000 * jitter : 0
                return .delay(nanos: Int64((millis + extra) * 1_000_000))
            case .bandwidth(let rate, let direction) where direction.covers(way):
                s.effects.bytesDelayed += bytes
                return .throttle(bytesPerSecond: rate)
            case .slicer(let size, let delay, let direction) where direction.covers(way):
                if bytes > size {
                    s.effects.chunksSliced += 1
                    s.effects.bytesDelayed += bytes - min(bytes, size)
                } else {
                    s.effects.bytesPassed += bytes
                }
                return .slice(bytes: size, delayNanos: Int64(delay * 1_000_000))
            case .partition(let direction) where direction.covers(way):
                s.effects.bytesDropped += bytes
                return .drop
            case .some:
                s.effects.bytesPassed += bytes
                return .pass
            case nil:
                return .pass
            }
        }
    }

    /// True (and counted) when a new connection must be refused.
    func refuseNew() -> Bool {
        inner.withLockedValue { s in
            guard s.toxic == .refuse else { return false }
            s.effects.connectionsRefused += 1
            return true
        }
    }

    func register(_ client: any Channel, _ upstream: any Channel) {
        inner.withLockedValue { $0.connections[ObjectIdentifier(client)] = (client, upstream) }
    }

    func unregister(_ channel: any Channel) {
        inner.withLockedValue { s in
            s.connections = s.connections.filter { $0.value.client !== channel && $0.value.upstream !== channel }
        }
    }

    var openConnections: Int { inner.withLockedValue { $0.connections.count } }

    func closeAll() {
        let all = inner.withLockedValue { s in
            defer { s.connections = [:] }
            return s.connections.values.flatMap { [$0.client, $0.upstream] }
        }
        for channel in all { channel.close(promise: nil) }
    }

    /// Closes `channel` with an RST (SO_LINGER 0), not a FIN: the peer sees its connection
    /// reset, as when a middlebox or a restarted host drops it.
    static func reset(_ channel: any Channel) {
        guard let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}
