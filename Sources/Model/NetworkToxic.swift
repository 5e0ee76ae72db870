/// Which way a toxic acts on a proxied connection: `upstream` is the client's requests to the
/// server, `downstream` the server's replies to the client.
public enum NetworkDirection: String, Sendable, Hashable, CaseIterable {
    case both, upstream, downstream

    public func covers(_ way: NetworkDirection) -> Bool { self == .both || self == way }
}

/// A network fault the proxy applies to every connection through it while active (Toxiproxy's
/// toxics, in user space: this kernel has no netem and CI may have no root).
public enum Toxic: Sendable, Hashable {
    /// The names a scenario file uses (`toxic:`).
    public static let names = ["latency", "bandwidth", "partition", "reset", "refuse", "slicer"]

    /// Every chunk waits `millis` plus up to `jitterMillis` more (drawn per chunk), in order.
    case latency(millis: Double, jitterMillis: Double, direction: NetworkDirection)
    /// The direction carries at most `bytesPerSecond`: each chunk waits until the link would
    /// have sent it at that rate, in order.
    case bandwidth(bytesPerSecond: Int, direction: NetworkDirection)
    /// Bytes the direction carries are dropped; connections stay open (a dead switch: the
    /// client sees timeouts). `downstream` alone is the one-way partition: requests reach the
    /// server, its replies never come back.
    case partition(direction: NetworkDirection)
    /// Every open connection is reset (RST to both ends) when the toxic starts.
    case reset
    /// New connections are accepted and reset at once while active (the client sees ECONNRESET).
    case refuse
    /// Every chunk the direction carries is cut into slices of at most `bytes`, each sent
    /// `delayMillis` after the one before, in order (Toxiproxy's slicer): a protocol parser
    /// that assumes a message arrives in one read sees it in pieces.
    case slicer(bytes: Int, delayMillis: Double, direction: NetworkDirection)
}

/// What a toxic did while it was active: what a scenario records as the fault's effect. A
/// toxic that touched nothing proved nothing.
public struct ToxicEffects: Sendable, Hashable {
    public var bytesDelayed = 0
    public var bytesDropped = 0
    /// Chunks a slicer cut into more than one slice.
    public var chunksSliced = 0
    public var connectionsReset = 0
    public var connectionsRefused = 0
    /// Bytes that went through untouched while the toxic was active (one direction of a
    /// one-way toxic), for context.
    public var bytesPassed = 0

    public init() {}

    public var touchedAnything: Bool { bytesDelayed + bytesDropped + connectionsReset + connectionsRefused + chunksSliced > 0 }

    /// As a fault's `effect` in the history and report.json.
    public var figures: [String: Double] {
        [
            "bytes_delayed": Double(bytesDelayed), "bytes_dropped": Double(bytesDropped),
            "connections_reset": Double(connectionsReset), "connections_refused": Double(connectionsRefused),
            "bytes_passed": Double(bytesPassed), "chunks_sliced": Double(chunksSliced),
        ]
    }
}
