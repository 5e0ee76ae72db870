#if canImport(Glibc)
import Glibc
#endif
import COrdealShims

/// Every system call of the BenchKit module goes through here.
enum BenchKitPosix {
    static func sleep(nanos: UInt64) {
        var request = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    /// Asks the kernel to kill this process when its parent dies; false when it cannot.
    static func dieWithParent() -> Bool { ordeal_set_parent_death_signal(SIGKILL) == 0 }

    // MARK: The start signal of worker processes

    static let startSignal = SIGUSR1

    /// Blocks the start signal, so that one sent before `waitForStartSignal` stays pending.
    static func blockStartSignal() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, startSignal)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static func waitForStartSignal() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, startSignal)
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
    }
}
