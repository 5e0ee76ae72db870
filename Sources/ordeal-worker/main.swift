#if canImport(Glibc)
import Glibc
#endif
import WorkerKit

// The child process the scenario runner spawns; see docs/worker-protocol.md.
exit(WorkerMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
