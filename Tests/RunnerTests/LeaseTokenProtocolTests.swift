import OrdealModel
import OrdealSupport
import OrdealRunner
import Testing

/// A lease op carries its fencing token exactly when the worker's core has them: a token left
/// out by a worker that declared none, present for one that did.
@Suite struct LeaseTokenProtocolTests {
    func parse(_ line: String, fencingTokens: Bool) -> String? {
        var declared = WorkerIdentity(protocolVersion: 2, roles: ["lease-worker"], ops: ["lease.acquire", "lease.complete"])
        declared.fencingTokens = fencingTokens
        do {
            _ = try WorkerProtocol.parse(line, number: 3, worker: "holder-0", declared: declared)
            return nil
        } catch {
            return error.problem
        }
    }

    let acquireWithToken = #"{"event":"op","op":"lease.acquire","key":"i1","outcome":"ok","value":{"token":3},"latency_us":5,"t_mono_ns":1}"#
    let acquireWithout = #"{"event":"op","op":"lease.acquire","key":"i1","outcome":"ok","value":{},"latency_us":5,"t_mono_ns":1}"#

    @Test func aCoreWithTokensMustGiveThemAndOneWithoutMustNot() {
        #expect(parse(acquireWithToken, fencingTokens: true) == nil)
        #expect(parse(acquireWithout, fencingTokens: false) == nil)
        #expect(parse(acquireWithout, fencingTokens: true)?.contains("has no integer token; add the lease's fencing token, or, for a core that has none, declare capabilities.fencing_tokens false") == true)
        #expect(parse(acquireWithToken, fencingTokens: false)?.contains("declares capabilities.fencing_tokens false; leave the token out") == true)
    }

    @Test func theReadyEventDeclaresACoreWithoutTokens() throws {
        let ready: [String: JSONValue] = [
            "event": "ready", "role": "lease-worker", "versions": ["protocol": 2],
            "capabilities": ["roles": ["lease-worker"], "ops": ["lease.acquire"], "fencing_tokens": false],
        ]
        let identity = try WorkerProtocol.identity(ofReady: ready, command: ["x"], line: 1, worker: "w", text: "")
        #expect(identity.fencingTokens == false)
        #expect(identity.json["fencing_tokens"] == false)
    }
}
