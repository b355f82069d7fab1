import HTTPTypes
import NIOCore
import NIOHTTP1

/// Lets Vault's `LIST` method through: NIO's HTTP parser (llhttp) refuses methods it does not
/// know, and `LIST` is not one of them, so a request that starts with `LIST ` is handed to
/// the parser as `LINK ` (same length, a method it knows) and routed as a list
/// (``HTTPRequest/Method/link`` is registered beside ``HTTPRequest/Method/list``).
///
/// The bytes are rewritten only at the start of a request: the first read of the connection
/// and the first read after a response was written (Vault's clients do not pipeline; a
/// pipelined `LIST` would be refused by the parser as before). Sits in front of the HTTP
/// decoder, behind TLS; ``ListMethodSupport`` puts it there.
final class ListMethodRewriter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var atRequestStart = true

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard atRequestStart else {
            context.fireChannelRead(data)
            return
        }
        atRequestStart = false
        var buffer = unwrapInboundIn(data)
        if buffer.readableBytesView.starts(with: "LIST ".utf8) {
            buffer.setString("LINK", at: buffer.readerIndex)
        }
        context.fireChannelRead(wrapInboundOut(buffer))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        atRequestStart = true
        context.write(data, promise: promise)
    }
}

/// Installs a ``ListMethodRewriter`` in front of the connection's HTTP decoder, then removes
/// itself (Hummingbird adds its handlers after the decoder; this one finds the decoder).
final class ListMethodSupport: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            try? pipeline.addHandler(ListMethodRewriter(), position: .before(decoder))
        }
        pipeline.removeHandler(context: context, promise: nil)
    }
}

extension HTTPRequest.Method {
    /// Vault's `LIST` (`GET …?list=true` is the same request).
    static let list: HTTPRequest.Method = {
        guard let method = HTTPRequest.Method("LIST") else { preconditionFailure("LIST is a valid method token") }
        return method
    }()

    /// `LIST` as ``ListMethodRewriter`` hands it to the parser.
    static let link: HTTPRequest.Method = {
        guard let method = HTTPRequest.Method("LINK") else { preconditionFailure("LINK is a valid method token") }
        return method
    }()
}
