#if canImport(Glibc)
    import Glibc
#endif

/// A port below the kernel's ephemeral range (32768 and up), held by a socket that is bound but
/// not listening: connections to it are refused, and no other process can take it. Once
/// ``release()`` frees it for a server, no outgoing connection of another test can be given it
/// as its local port meanwhile (ports above 32000 could be).
public final class LowPort {
    public let port: Int
    private var socket: Int32

    /// Binds a random free port in 20000..<32000 on 127.0.0.1.
    public init() throws {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20_000..<32_000)
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(candidate).bigEndian)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if bound {
                port = candidate
                socket = fd
                return
            }
            close(fd)
        }
        throw RawConnection.Failure(description: "no free port below the ephemeral range")
    }

    /// Frees the port for a server to bind.
    public func release() {
        guard socket >= 0 else { return }
        close(socket)
        socket = -1
    }

    deinit { release() }
}
