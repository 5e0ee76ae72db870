import NetFaults
import OrdealModel
import OrdealSupport

/// Network faults: a fault proxy per worker instance between it and the server backend, whose
/// toxic a `network` fault sets and its heal clears. The reader connects to the server directly.
extension ScenarioRun {
    /// Starts a proxy per instance when a fault of the scenario is a network fault. Without a
    /// server backend there is no link to cut: each such fault is a problem (the scenario is
    /// unknown), never a silent pass.
    func prepareProxies() throws {
        guard config.scenario.faults.contains(where: { $0.kind == .network }) else { return }
        guard let spec = config.backendSpec, let server = ServerAddress(spec) else {
            problems.append(
                "the scenario's network faults need a server backend to stand between (run it with --backend postgres://...); on \(config.backendSpec.map(URLText.redactingPassword) ?? "embedded SQLite") they have no link to act on")
            return
        }
        for name in order {
            do {
                proxies[name] = try FaultProxy.start(upstreamHost: server.host, upstreamPort: server.port)
            } catch {
                throw RunnerError.io("cannot start the network-fault proxy for \(name) in front of \(server.host):\(server.port): \(error)")
            }
        }
    }

    /// The backend spec `instance` connects with: through its proxy when it has one.
    func backendSpec(for instance: String) -> String? {
        guard let spec = config.backendSpec else { return nil }
        guard let proxy = proxies[instance], let server = ServerAddress(spec) else { return spec }
        return server.rewritten(spec, port: proxy.port)
    }

    /// Sets the fault's toxic on its target's proxy; false (and a problem) when it has none.
    func fireNetworkFault(_ i: Int) -> Bool {
        guard case .network(let toxic) = faults[i].spec.options, let proxy = proxies[faults[i].target] else {
            faults[i].effects["landed"] = false
            return false
        }
        proxy.apply(toxic)
        faults[i].healAtMillis = faults[i].spec.durationMillis > 0 ? now() + Double(faults[i].spec.durationMillis) : nil
        return true
    }

    /// Clears the toxic and records what it did; one that touched no byte and no connection
    /// proved nothing, and says so.
    func healNetworkFault(_ i: Int, note: String?) throws {
        let name = faults[i].target
        let effects = proxies[name]?.heal() ?? ToxicEffects()
        faults[i].healedAtMillis = now()
        for (key, value) in effects.figures { faults[i].effects[key] = .double(value) }
        if !effects.touchedAnything {
            problems.append(
                "fault \(i) (network on \(name)) touched no byte and no connection while it was active: the worker sent nothing through it (it may have finished first), so the scenario proves nothing about it; fire it earlier or give the worker more work")
        }
        var fields: [String: JSONValue] = [
            "type": "heal", "t_ms": .double(faults[i].healedAtMillis!), "kind": "network", "worker": .string(name),
            "fault": .int(Int64(i)),
        ]
        for (key, value) in effects.figures { fields[key] = .double(value) }
        if let note { fields["note"] = .string(note) }
        try record(fields)
    }

    /// Heals the network faults still active when the workers have ended, and stops the proxies.
    func closeProxies() throws {
        for i in faults.indices where faults[i].spec.kind == .network && faults[i].firedAtMillis != nil && faults[i].healedAtMillis == nil {
            try healNetworkFault(i, note: "active until the workers ended")
        }
        for proxy in proxies.values { proxy.close() }
        proxies = [:]
    }
}

/// The host and port of a server backend's URL (`scheme://user[:password]@host:port/...`), and
/// the same URL pointed at a local port instead.
struct ServerAddress {
    let host: String
    let port: Int
    private let range: Range<String.Index>

    init?(_ spec: String) {
        guard let scheme = spec.range(of: "://") else { return nil }
        let rest = spec[scheme.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<end]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPort = authority[hostStart...]
        guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]) else { return nil }
        host = String(hostPort[..<colon])
        self.port = port
        range = hostStart..<end
    }

    func rewritten(_ spec: String, port: Int) -> String {
        spec.replacingCharacters(in: range, with: "127.0.0.1:\(port)")
    }
}
