import NIOCore
import NIOHTTP1
import NIOPosix

/// A bound HTTP/1.1 server socket whose connections get their handlers from `addHandlers`.
package final class HTTPListener: Sendable {
    package let name: String
    package let channel: any Channel

    /// The address actually bound (port 0 resolves to a free port).
    package var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `host:port` and starts accepting. `addTLS`, when given, puts TLS in front of HTTP;
    /// `addHandlers` adds the HTTP handlers after it (``addEncodedHTTP(_:idleTimeout:handler:)``
    /// for NIO's full HTTP/1.1 server pipeline).
    package static func bind(
        name: String, host: String, port: Int, group: any EventLoopGroup, limiter: ConnectionLimiter?,
        onRejected: @escaping @Sendable (ConnectionLimiter.Refusal) -> Void,
        onOpenChange: @escaping @Sendable (Int) -> Void,
        addTLS: (@Sendable (ChannelPipeline.SynchronousOperations) throws -> Void)?,
        addHandlers: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
    ) async throws -> HTTPListener {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                if let limiter {
                    let peer = channel.remoteAddress?.ipAddress
                    if let refusal = limiter.acquire(peer: peer) {
                        onRejected(refusal)
                        return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
                    }
                    onOpenChange(limiter.current)
                    let id = ObjectIdentifier(channel)
                    channel.closeFuture.whenComplete { _ in
                        limiter.release(peer: peer, id: id)
                        onOpenChange(limiter.current)
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try addTLS?(sync)
                    try addHandlers(sync)
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPListener(name: name, channel: channel)
    }

    /// NIO's HTTP/1.1 server pipeline (decoder, response encoder, pipelining assistance), an idle
    /// timeout, then `handler`. Protocol errors reach `handler`, which answers them with a reason.
    package static func addEncodedHTTP(
        _ sync: ChannelPipeline.SynchronousOperations, idleTimeout: TimeAmount, handler: any ChannelHandler
    ) throws {
        try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
        try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
        try sync.addHandler(handler)
    }

    private init(name: String, channel: any Channel) {
        self.name = name
        self.channel = channel
    }

    /// Stops accepting; open connections are not touched.
    package func close() async {
        try? await channel.close()
    }
}
