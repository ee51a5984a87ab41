import Foundation
import RelayTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The helper every test uses to run programs (see ``ChildProcess`` for why it is not Foundation's).
@Suite struct ChildProcessTests {
    /// With 1,500 more descriptors open than usual (Foundation's scan of /proc/self/fd can fault
    /// past about 1,350), children still start, and inherit nothing but their three streams.
    @Test func childrenStartWithManyDescriptorsOpenAndInheritOnlyTheirStreams() throws {
        let held = (0..<1500).map { _ in open("/dev/null", O_RDONLY) }
        defer { held.forEach { _ = close($0) } }
        #expect(held.allSatisfy { $0 >= 0 })
        for _ in 0..<20 {
            let listing = try ChildProcess.run("/bin/ls", ["/proc/self/fd"])
            #expect(listing.status == 0)
            // 0, 1 and 2, and the one ls opened to read the directory.
            let names = listing.standardOutput.split(separator: "\n")
            #expect(names.count == 4 && names.prefix(3) == ["0", "1", "2"], "the child has \(names.count) descriptors")
        }
    }

    @Test func inputOutputErrorsAndStatusReachTheCaller() throws {
        let echoed = try ChildProcess.run(
            "/bin/sh", ["-c", "cat; echo oops >&2; exit 3"], input: Array(String(repeating: "x", count: 200_000).utf8))
        #expect(echoed.status == 3)
        #expect(echoed.standardOutput.count == 200_000)
        #expect(echoed.standardError == "oops\n")
        let child = try ChildProcess("/bin/sleep", ["30"])
        #expect(child.isRunning)
        child.signal(SIGKILL)
        child.waitUntilExit()
        #expect(!child.isRunning)
        #expect(child.terminationStatus == SIGKILL)
    }
}
