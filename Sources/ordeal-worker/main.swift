#if canImport(Glibc)
import Glibc
#endif
import Backends
import WorkerKit

// The child process the scenario runner spawns; see docs/worker-protocol.md.
// `ordeal-worker exec COMMAND...` is the trampoline the runner puts in front of workers of
// the user's own, so that they die with the runner too.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "exec" {
    exit(WorkerMain.execWithParentDeath(Array(arguments.dropFirst())))
}
// `--backend SPEC` opens any backend Backends knows (sqlite:..., memory, postgres://...).
exit(
    WorkerMain.run(
        arguments: arguments, roles: WorkerRoles.standard, openBackend: Backends.open(spec:sqlitePath:durability:),
        declaring: WorkerRoles.standardOps))
