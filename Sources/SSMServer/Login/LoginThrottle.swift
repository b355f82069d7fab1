import Foundation

/// Failed `POST /login` attempts, limited per client id and per address by token buckets, so
/// that passwords cannot be guessed without limit. An attempt takes a token from both buckets
/// before its password is checked and gives them back when it succeeds (or is not checked):
/// concurrent attempts cannot all slip through before the first failure is counted.
///
/// Ids that name no client are throttled exactly like those that do, so that the answers do not
/// tell them apart. An address gets four times a client id's allowance: several clients may
/// share it (a NAT), and an attacker spreading guesses over many ids still meets its limit.
final class LoginThrottle: Sendable {
    /// What an attempt is counted against.
    struct Attempt: Sendable {
        /// The `service_id` given (its first 128 bytes: the key of a bucket).
        var clientID: String
        /// The caller's IP address, or its /64 network for IPv6 (`local` on the Unix socket).
        var address: String

        init(clientID: String, address: String) {
            // Bytes, not characters: one `Character` may be any number of combining scalars.
            var length = 0
            let scalars = clientID.unicodeScalars.prefix { scalar in
                length += UTF8.width(scalar)
                return length <= 128
            }
            self.clientID = String(String.UnicodeScalarView(scalars))
            self.address = Self.network(of: address)
        }

        /// The /64 network of an IPv6 address (`2001:db8:1:2::/64`: one host usually has a
        /// whole /64 to pick addresses from); an IPv4 address, also mapped into IPv6, as it is.
        static func network(of address: String) -> String {
            guard address.contains(":") else { return address }
            if let last = address.split(separator: ":").last, last.contains(".") { return String(last) }
            let halves = address.components(separatedBy: "::")
            let head = halves[0].split(separator: ":").map(String.init)
            let tail = halves.count > 1 ? halves[1].split(separator: ":").map(String.init) : []
            let groups = head + Array(repeating: "0", count: max(0, 8 - head.count - tail.count)) + tail
            return groups.prefix(4).joined(separator: ":") + "::/64"
        }
    }

    let byClient: RateLimiter?
    let byAddress: RateLimiter?

    /// No limit when `settings.failuresPerMinute` is 0.
    init(_ settings: LoginSettings) {
        let perSecond = Double(settings.failuresPerMinute) / 60
        byClient = RateLimiter(RateLimitSettings(requestsPerSecond: perSecond, burst: settings.failureBurst))
        byAddress = RateLimiter(RateLimitSettings(requestsPerSecond: perSecond * 4, burst: settings.failureBurst * 4))
    }

    /// Counts `attempt`: nil when it may go on, else the whole seconds to wait (`Retry-After`).
    ///
    /// The address is counted first: an address over its limit gets no bucket made for the
    /// ids it tries, so one source sending endless distinct ids costs nothing more.
    func begin(_ attempt: Attempt, now: ContinuousClock.Instant = .now) -> Int? {
        if let wait = byAddress?.take(attempt.address, now: now) { return wait }
        if let wait = byClient?.take(attempt.clientID, now: now) {
            byAddress?.refund(attempt.address)
            return wait
        }
        return nil
    }

    /// Gives back what ``begin(_:now:)`` took: the attempt succeeded or was not checked.
    func refund(_ attempt: Attempt) {
        byClient?.refund(attempt.clientID)
        byAddress?.refund(attempt.address)
    }
}
