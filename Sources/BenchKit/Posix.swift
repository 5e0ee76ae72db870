#if canImport(Glibc)
import Glibc
#endif

/// What only a bench worker asks of the system: the start signal that makes every worker of a
/// round begin at once. Everything else goes through `OrdealSystem.Posix`.
enum BenchKitPosix {
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
