import Testing

@testable import SessionPool

@Suite("PoolConfiguration")
struct PoolConfigurationTests {
    @Test func defaultsMatchTheGoPool() throws {
        let configuration = PoolConfiguration()
        #expect(configuration.maxSize == 10 && configuration.minSize == 2)
        #expect(configuration.idleTimeout == .seconds(300) && configuration.maxLifetime == .seconds(1800))
        #expect(configuration.acquireTimeout == .seconds(5))
        try configuration.validate()
        try PoolConfiguration(maxSize: 1, minSize: 1).validate()
        try PoolConfiguration(maxSize: 3, minSize: 0).validate()
    }

    @Test(arguments: [
        (PoolConfiguration(maxSize: 0, minSize: 0), "maxSize"),
        (PoolConfiguration(minSize: -1), "minSize"),
        (PoolConfiguration(maxSize: 2, minSize: 3), "minSize"),
        (PoolConfiguration(idleTimeout: .zero), "idleTimeout"),
        (PoolConfiguration(maxLifetime: .seconds(-1)), "maxLifetime"),
        (PoolConfiguration(acquireTimeout: .zero), "acquireTimeout"),
    ])
    func invalidSettingsAreNamed(configuration: PoolConfiguration, field: String) {
        #expect {
            try configuration.validate()
        } throws: { error in
            guard let error = error as? PoolConfigurationError else { return false }
            return error.field == field && error.message.contains(field) && error.description == error.message
        }
    }

    @Test func poolClampsAnInvalidConfiguration() async {
        let pool = makePool(FakeFactory(), maxSize: 0, minSize: 5)
        #expect(pool.maxSize == 1)
        #expect(pool.statistics().minSize == 1)
        await pool.shutdown()
    }

    @Test func errorsDescribeThemselves() {
        #expect(PoolError.shutdown.description.contains("shut down"))
        #expect(PoolError.acquireTimeout(.milliseconds(100)).description.contains("0.1 seconds"))
    }
}
