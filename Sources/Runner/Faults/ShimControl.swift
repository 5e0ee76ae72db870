import OrdealSupport
import OrdealModel
import OrdealSystem
import COrdealShims

/// The runner's side of one worker's shim control file (`ordeal_shim_control.h`): it arms and
/// disarms faults while the worker runs, and reads back what they hit.
///
/// The file is created before the worker starts and mapped shared; the worker's shim maps the
/// same file. Every field is accessed through the header's atomic helpers.
final class ShimControl: @unchecked Sendable {
    let path: String
    private let raw: UnsafeMutableRawPointer
    private var control: UnsafeMutablePointer<ordeal_shim_control> { raw.assumingMemoryBound(to: ordeal_shim_control.self) }
    static let size = MemoryLayout<ordeal_shim_control>.size

    /// Creates the file at `path` for a worker whose disk and power faults reach `dataDirectory`
    /// (absolute), journaling to `journalPath`.
    init(path: String, dataDirectory: String, journalPath: String) throws {
        guard dataDirectory.utf8.count < Int(ORDEAL_SHIM_PATH), journalPath.utf8.count < Int(ORDEAL_SHIM_PATH) else {
            throw ShimError.pathTooLong(dataDirectory.count > journalPath.count ? dataDirectory : journalPath)
        }
        self.path = path
        raw = try Posix.mapShared(path, size: Self.size)
        control.pointee.magic = ORDEAL_SHIM_MAGIC
        control.pointee.abi = Int64(ORDEAL_SHIM_ABI)
        Self.copy(dataDirectory, to: UnsafeMutableRawPointer(control.pointer(to: \.data_dir)!))
        Self.copy(journalPath, to: UnsafeMutableRawPointer(control.pointer(to: \.journal_path)!))
    }

    deinit { Posix.unmap(raw, size: Self.size) }

    private static func copy(_ text: String, to field: UnsafeMutableRawPointer) {
        let bytes = Array(text.utf8) + [0]
        bytes.withUnsafeBytes { field.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    private func load(_ field: KeyPath<ordeal_shim_control, Int64>) -> Int64 {
        ordeal_ctl_load(UnsafeMutablePointer(mutating: control.pointer(to: field)!))
    }

    private func store(_ field: WritableKeyPath<ordeal_shim_control, Int64>, _ value: Int64) {
        ordeal_ctl_store(control.pointer(to: field)!, value)
    }

    /// Forgets the process the shim ran in, before a new incarnation of the worker starts: the
    /// first process to map the file then claims it (its children do not).
    func forgetLoaded() {
        store(\.loaded_exe_dev, 0)
        store(\.loaded_exe_ino, 0)
        store(\.loaded_pid, 0)
    }

    /// The pid the shim says the worker runs in; 0 when no shim has mapped the file.
    var loadedPID: Int64 { load(\.loaded_pid) }

    /// Whether the shim runs in process `pid` as it is now: same pid, and the executable the
    /// shim saw is the one the process runs (not a program it has exec'd since, without it).
    /// nil when the process has already ended, so its executable can no longer be compared.
    func isLoaded(in pid: Int32) -> Bool? {
        guard loadedPID == Int64(pid) else { return false }
        guard let exe = Posix.fileID("/proc/\(pid)/exe") else { return nil }
        return exe.device == load(\.loaded_exe_dev) && exe.inode == load(\.loaded_exe_ino)
    }
    var syncCount: Int64 { load(\.sync_count) }
    /// The real CLOCK_MONOTONIC nanoseconds at which the shim cut the power; 0 if it has not.
    var powerFiredNanos: Int64 { load(\.power_fired_ns) }
    var journalErrors: Int64 { load(\.journal_errors) }

    // MARK: Arming (parameters first, the active flag last)

    func armDiskFull(errno: Int32, budgetBytes: Int64?) {
        store(\.disk_full_errno, Int64(errno))
        store(\.disk_budget, budgetBytes ?? -1)
        store(\.disk_full_active, 1)
    }

    func disarmDiskFull() { store(\.disk_full_active, 0) }

    func armIOError(calls: [IOCall], count: Int64?) {
        let mask = calls.reduce(Int32(0)) { mask, call in
            switch call {
            case .write: mask | Int32(ORDEAL_IO_WRITE)
            case .fsync: mask | Int32(ORDEAL_IO_SYNC)
            case .read: mask | Int32(ORDEAL_IO_READ)
            }
        }
        store(\.io_error_calls, Int64(mask))
        store(\.io_error_remaining, count ?? -1)
        store(\.io_error_active, 1)
    }

    func disarmIOError() { store(\.io_error_active, 0) }

    /// Skews `clocks` by `offsetNanos` (see ClockMode); drift and strobe count from now.
    func armClock(mode: ClockMode, offsetNanos: Int64, periodNanos: Int64 = 0, driftPPM: Int64 = 0, clocks: [SkewedClock]) {
        let mask = clocks.reduce(Int32(0)) { mask, clock in
            switch clock {
            case .realtime: mask | Int32(ORDEAL_CLOCK_REALTIME)
            case .monotonic: mask | Int32(ORDEAL_CLOCK_MONOTONIC)
            case .boottime: mask | Int32(ORDEAL_CLOCK_BOOTTIME)
            }
        }
        let modeValue: Int32 = switch mode {
        case .jump: Int32(ORDEAL_CLOCK_JUMP)
        case .strobe: Int32(ORDEAL_CLOCK_STROBE)
        case .drift: Int32(ORDEAL_CLOCK_DRIFT)
        }
        let sinceNanos = Int64(Posix.monotonicNanos())
        store(\.clock_mode, Int64(modeValue))
        store(\.clock_offset_ns, offsetNanos)
        store(\.clock_period_ns, periodNanos)
        store(\.clock_drift_ppm, driftPPM)
        store(\.clock_mask, Int64(mask))
        store(\.clock_since_ns, sinceNanos)
        store(\.clock_active, 1)
    }

    func disarmClock() { store(\.clock_active, 0) }

    /// Journals every change for power loss from now on; with `atSync` > 0 the shim cuts the
    /// power itself just before its `atSync`-th sync (counted since this call).
    func enableJournal(atSync: Int64) {
        store(\.sync_count, 0)
        store(\.power_at_sync, atSync)
        store(\.journal_active, 1)
    }

    /// After a power cut: no further cut until re-armed; journaling goes on.
    func disarmPowerCut() {
        store(\.power_at_sync, 0)
        store(\.power_fired_ns, 0)
    }

    // MARK: What the faults hit

    /// How many calls the fault changed, and the call sites it kept.
    func stats(_ kind: ShimSlot) -> ShimHits {
        let statsBase = UnsafeMutableRawPointer(control.pointer(to: \.stats)!)
            + kind.rawValue * MemoryLayout<ordeal_shim_stats>.stride
        let stats = statsBase.assumingMemoryBound(to: ordeal_shim_stats.self)
        let hits = ordeal_ctl_load(stats.pointer(to: \.hits)!)
        var traces: [ShimTrace] = []
        let traceBase = UnsafeMutableRawPointer(stats.pointer(to: \.trace)!)
        for slot in 0..<Int(ORDEAL_SHIM_TRACES) {
            let trace = (traceBase + slot * MemoryLayout<ordeal_shim_trace>.stride).assumingMemoryBound(to: ordeal_shim_trace.self)
            let count = Int(ordeal_ctl_load(trace.pointer(to: \.frames)!))
            guard count > 0 else { continue }
            let call = Self.string(UnsafeRawPointer(trace.pointer(to: \.call)!), capacity: 24)
            let frameBase = UnsafeRawPointer(trace.pointer(to: \.frame)!)
            let frames = (0..<min(count, Int(ORDEAL_SHIM_FRAMES))).map { index in
                let frame = (frameBase + index * MemoryLayout<ordeal_shim_frame>.stride).assumingMemoryBound(to: ordeal_shim_frame.self)
                return ShimFrame(
                    module: Self.string(UnsafeRawPointer(frame.pointer(to: \.module)!), capacity: Int(ORDEAL_SHIM_NAME)),
                    offset: frame.pointee.offset,
                    symbol: Self.string(UnsafeRawPointer(frame.pointer(to: \.symbol)!), capacity: Int(ORDEAL_SHIM_NAME)))
            }
            traces.append(ShimTrace(call: call, frames: frames))
        }
        return ShimHits(count: hits, traces: traces)
    }

    private static func string(_ pointer: UnsafeRawPointer, capacity: Int) -> String {
        let bytes = UnsafeRawBufferPointer(start: pointer, count: capacity)
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// One frame of a call site, as the shim saw it: a module and an offset into it.
struct ShimFrame: Sendable, Hashable {
    var module: String
    var offset: UInt64
    /// The nearest exported symbol dladdr found (often empty for executables).
    var symbol: String
}

struct ShimTrace: Sendable, Hashable {
    var call: String
    var frames: [ShimFrame]
}

struct ShimHits: Sendable, Hashable {
    var count: Int64
    var traces: [ShimTrace]
}

enum ShimError: ExitStatusProviding {
    case pathTooLong(String)
    case notFound([String])

    var description: String {
        switch self {
        case .pathTooLong(let path):
            "[shim.path] the path \(path) is longer than the shim's limit of \(ORDEAL_SHIM_PATH - 1) bytes; run with a shorter --out folder"
        case .notFound(let places):
            "[shim.missing] the fault shim libordeal_shim.so was not found (looked in \(places.joined(separator: ", "))); rebuild with `swift build` (it needs libunwind-dev: run ci/setup.sh) or set ORDEAL_SHIM to its path"
        }
    }

    /// A path too long or a shim not installed: the caller's to correct, as each message says.
    var exitStatus: ExitStatus { .badInput }
}
