import NIOCore

/// Starts a connection's receive buffer at 512 bytes instead of NIO's 2 KiB, then removes
/// itself.
///
/// NIO keeps each connection's last receive buffer for the next read, so an idle keep-alive
/// connection holds one at the size NIO's adaptive allocator last allocated. ssm's requests
/// (a head and a small JSON body) fit in 512 bytes; a larger one fills the buffer, NIO reads
/// again at once, and the allocator grows the next buffer (up to 64 KiB, as by default), which
/// the connection then keeps. docs/performance.md ("Memory") has the measurements.
final class ReceiveBufferSizing: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// NIO's adaptive allocator with its minimum and maximum, starting smaller.
    static let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func handlerAdded(context: ChannelHandlerContext) {
        // A channel without synchronous options keeps NIO's default.
        try? context.channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.allocator)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
