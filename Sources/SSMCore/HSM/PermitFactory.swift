import SessionPool

/// Permits for sessions opened outside the session pool (`/encrypt`'s session per request):
/// a ``ResourcePool`` of permits bounds how many such sessions exist at once and how long a
/// request waits for one, exactly as the session pool does for its own sessions.
struct PermitFactory: PoolResourceFactory {
    /// A permission to open one session; carries nothing.
    struct Permit: Sendable {}

    func openResource() async throws -> Permit { Permit() }
    func closeResource(_ resource: Permit) async {}
    func isFatal(_ error: any Error) -> Bool { false }
    var resourceLimit: Int? { nil }
}
