enum WorkerKitPlaceholder {}
