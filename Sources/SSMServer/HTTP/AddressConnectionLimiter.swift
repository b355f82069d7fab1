import NIOCore
import NIOHTTPTypes
import Synchronization

/// Counts the open connections of each remote IP address and refuses those beyond
/// `limit` (`server.maxConnectionsPerAddress`): one client cannot take every slot of
/// `server.maxConnections`. Connections without an IP address (a Unix socket) are not counted.
final class AddressConnectionLimiter: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a connection from `address`; false (and not counted) when that address already
    /// has `limit` open.
    func admit(_ address: String) -> Bool {
        open.withLock { open in
            let count = open[address, default: 0]
            guard count < limit else { return false }
            open[address] = count + 1
            return true
        }
    }

    /// Forgets a connection that ``admit(_:)`` counted.
    func release(_ address: String) {
        open.withLock { open in
            guard let count = open[address] else { return }
            open[address] = count > 1 ? count - 1 : nil
        }
    }

    /// The connection's handler: closes it at once when its address is over the limit.
    func handler() -> Handler { Handler(limiter: self) }

    /// Admits its connection when it becomes active and releases it when it closes.
    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart

        private let limiter: AddressConnectionLimiter
        /// The address counted for this connection, if any.
        private var counted: String?

        init(limiter: AddressConnectionLimiter) {
            self.limiter = limiter
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { admit(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            admit(context)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            release()
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            release()
        }

        private func admit(_ context: ChannelHandlerContext) {
            guard counted == nil, let address = context.channel.remoteAddress?.ipAddress else { return }
            if limiter.admit(address) {
                counted = address
            } else {
                context.close(promise: nil)
            }
        }

        private func release() {
            guard let address = counted else { return }
            counted = nil
            limiter.release(address)
        }
    }
}
