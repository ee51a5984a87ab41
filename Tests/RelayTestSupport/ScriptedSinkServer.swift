import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP sink on 127.0.0.1 whose answers a test scripts: a status with headers and body,
/// never answering, or resetting the connection. It records every request it receives.
public final class ScriptedSinkServer: Sendable {
    public enum Action: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: String = "")
        case hang
        case reset
    }

    public struct Received: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: [UInt8]
        public var connection: ObjectIdentifier

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Keeps what arrived and decides each answer; shared with the connection handlers.
    private final class Recorder: Sendable {
        let received = Mutex<[Received]>([])
        let script: @Sendable (Int, Received) -> Action

        init(script: @escaping @Sendable (Int, Received) -> Action) { self.script = script }

        func record(_ request: Received) -> Action {
            let index = received.withLock { list in
                list.append(request)
                return list.count - 1
            }
            return script(index, request)
        }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let recorder: Recorder
    private let channel: any Channel
    public let port: Int

    /// Binds 127.0.0.1 (port 0 picks a free port) and answers each request as `script` says.
    public init(port: Int = 0, script: @escaping @Sendable (Int, Received) -> Action) async throws {
        let recorder = Recorder(script: script)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(recorder: recorder))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress!.port!
        self.recorder = recorder
    }

    public var url: String { "http://127.0.0.1:\(port)/hook" }
    public var requests: [Received] { recorder.received.withLock { $0 } }

    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let recorder: Recorder
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += Array(buffer.readableBytesView)
            case .end:
                guard let head else { return }
                let request = Received(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    body: body, connection: ObjectIdentifier(context.channel))
                switch recorder.record(request) {
                case .hang:
                    break
                case .reset:
                    context.close(promise: nil)
                case .respond(let status, let extra, let text):
                    var headers = HTTPHeaders(extra)
                    headers.add(name: "content-length", value: String(text.utf8.count))
                    context.write(
                        wrapOutboundOut(
                            .head(
                                HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
                            )), promise: nil)
                    context.write(
                        wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))),
                        promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }
    }
}
