#if canImport(Glibc)
import Glibc
#endif
import WorkerKit

// The child process the scenario runner spawns; see docs/worker-protocol.md.
// `ordeal-worker exec COMMAND...` is the trampoline the runner puts in front of workers of
// the user's own, so that they die with the runner too.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "exec" {
    exit(WorkerMain.execWithParentDeath(Array(arguments.dropFirst())))
}
exit(WorkerMain.run(arguments: arguments))
