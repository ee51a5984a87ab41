import Foundation
import RelayTestSupport
import Synchronization
import Testing

@Suite struct RawConnectionTests {
    /// A connection refused in `RawConnection.init` closed its socket, and then its deinit (which
    /// Swift runs after a failed initializer of a fully initialized class) closed the same number
    /// again: whatever descriptor another thread had been given meanwhile. The Moda simulator
    /// connects to refused ports hundreds of times, and a test's file write once failed with EBADF.
    @Test func aRefusedConnectionClosesItsSocketOnce() async throws {
        let refused = try LowPort()  // bound, not listening: every connect is refused
        let stop = Atomic<Bool>(false)
        let badDescriptors = Atomic<Int>(0)
        let writer = Thread {
            var buffer: [UInt8] = [1]
            while !stop.load(ordering: .relaxed) {
                let fd = open("/dev/null", O_WRONLY | O_CLOEXEC)
                for _ in 0..<50 where write(fd, &buffer, 1) < 0 && errno == EBADF {
                    badDescriptors.add(1, ordering: .relaxed)
                }
                close(fd)
            }
        }
        writer.start()
        let deadline = ContinuousClock.now + .seconds(2)
        var attempts = 0
        while ContinuousClock.now < deadline {
            #expect(throws: RawConnection.Failure.self) { try RawConnection(port: refused.port) }
            attempts += 1
        }
        stop.store(true, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(50))
        #expect(badDescriptors.load(ordering: .relaxed) == 0, "\(attempts) refused connections")
    }
}
