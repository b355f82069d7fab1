import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Deadlines for reading a request, both from the connection opening or the previous
/// response ending: its head within `headerTimeout`, the whole request (head and body)
/// within `requestTimeout`. A client trickling its headers or its body (one byte every two
/// seconds) keeps resetting an idle timer, not these.
///
/// At the header deadline the connection is closed (no request to answer). At the request
/// deadline it is answered `408 Request Timeout` and closed, or only closed when a response
/// has already begun.
///
/// Sits after the HTTP decoder, so it sees a request head only once it is complete.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let requestTimeout: TimeAmount
    private var headerTimer: Scheduled<Void>?
    private var requestTimer: Scheduled<Void>?
    /// When the request after the last response must have fully arrived. Its timer starts
    /// with the request's head: an idle connection waits on one timer, not two.
    private var requestDeadline = NIODeadline.now()
    /// Request heads and ends read, responses ended: pipelined requests may be read ahead.
    private var heads = 0
    private var ends = 0
    private var responses = 0
    /// A response head has been written and its end not yet.
    private var responding = false

    init(headerTimeout: TimeAmount, requestTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headerTimer?.cancel()
        requestTimer?.cancel()
        headerTimer = nil
        requestTimer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            heads += 1
            headerTimer?.cancel()
            headerTimer = nil
            // The first request after the last response (a pipelined one gets its time when
            // the response before it ends).
            if heads == responses + 1 {
                requestTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: requestDeadline) { self.timedOut(context) }
            }
        case .end:
            ends += 1
            requestTimer?.cancel()
            requestTimer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            // An interim (1xx) head is followed by the real one.
            if head.status.kind != .informational { responding = true }
        case .end:
            responding = false
            responses += 1
            // The next request gets the same time from here, unless it has already been read.
            if heads == responses {
                arm(context)
            } else if ends < heads {
                armRequestTimer(context)
            }
        case .body:
            break
        }
        context.write(data, promise: promise)
    }

    /// Starts the time of the next request. Until its head arrives, one timer closes the
    /// connection at the earlier deadline (with no head there is nothing to answer 408 to).
    private func arm(_ context: ChannelHandlerContext) {
        headerTimer?.cancel()
        requestTimer?.cancel()
        requestTimer = nil
        requestDeadline = .now() + requestTimeout
        // Handlers run on their channel's event loop, and so do these tasks.
        headerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: min(headerTimeout, requestTimeout)) {
            context.close(promise: nil)
        }
    }

    private func armRequestTimer(_ context: ChannelHandlerContext) {
        requestTimer?.cancel()
        requestTimer = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) { self.timedOut(context) }
    }

    /// The whole request has not arrived in time: 408 when its head has and no response has
    /// begun, then close.
    private func timedOut(_ context: ChannelHandlerContext) {
        guard heads > responses, !responding else {
            context.close(promise: nil)
            return
        }
        let head = HTTPResponse(status: .requestTimeout, headerFields: [.connection: "close", .contentLength: "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
