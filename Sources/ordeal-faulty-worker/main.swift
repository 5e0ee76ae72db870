import OrdealSystem
// TEST-ONLY: a deliberately faulty worker. Each `--fault NAME` breaks one guarantee so that the
// tests can show every checker fails on a system that violates it. Never ship or configure it
// for real work; `ordeal-worker` has no way to run any of this.
Posix.exit(FaultyWorker.run(arguments: Array(CommandLine.arguments.dropFirst())))
