#if canImport(Glibc)
import Glibc
#endif
import Backends
import WorkerKit

// A worker of your own on a backend of your own: register the backend's scheme, then hand the
// command line to WorkerKit, which plays every role of ordeal-worker on it. Name this binary in
// a scenario (`command: [custom-backend-worker]`) and run the suite with
// `ordeal run --backend "traced:{data}/store.sqlite"`.
Backends.register(scheme: "traced") { spec in try TracedBackend(spec: spec.description) }
let arguments = Array(CommandLine.arguments.dropFirst())
exit(WorkerMain.run(arguments: arguments, roles: WorkerRoles.standard, openBackend: Backends.open(spec:sqlitePath:durability:)))
