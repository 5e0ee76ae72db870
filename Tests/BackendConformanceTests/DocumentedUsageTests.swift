// What docs/storage-interface.md ("Testing a backend") shows a user's test target, as it is
// there: keep the two the same. (`MyStore` is defined beside this file instead of imported.)
import BackendConformance
import Testing

/// Every check of the suite, one test case each, on a fresh MyStore.
@Test(arguments: BackendConformance.checks)
func myStoreConforms(_ check: ConformanceCheck) throws {
    try check.run { setup in try MyStore(path: setup.directory + "/store.db") }
}

/// The whole suite in one call, as from XCTest or any other framework.
@Test func myStorePassesTheWholeSuite() throws {
    try BackendConformance.run { setup in try MyStore(path: setup.directory + "/store.db") }
}
