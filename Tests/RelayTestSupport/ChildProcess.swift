import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`, for every test that runs a program.
///
/// Not Foundation's `Process`: on Linux its `run()` emulates close-on-exec by scanning
/// `/proc/self/fd`, copying each entry's whole 256-byte `d_name` out of glibc's 32 KB readdir
/// buffer. With more than about 1,350 descriptors open (the parallel suite peaks near 2,200: its
/// relays' sockets, event loops and spools) the last entry ends that buffer, and the copy can run
/// off the end of a heap mapping: a SIGSEGV inside `Process.run()`, seen in CI. Here the child's
/// descriptors above 2 are closed by glibc's `posix_spawn_file_actions_addclosefrom_np`, and the
/// pipes are close-on-exec, so nothing of the test process leaks into a child.
public final class ChildProcess: Sendable {
    /// What a standard stream of the child is connected to.
    public enum Stream: Sendable {
        case inherit
        case null
        case pipe
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// What ``run(_:_:environment:input:)`` returns.
    public struct Finished: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    public let processIdentifier: pid_t
    /// The parent's ends of the pipes asked for (`.pipe`): write to `standardInput`, read the others.
    public let standardInput: Int32?
    public let standardOutput: Int32?
    public let standardError: Int32?
    /// The raw wait status, once reaped.
    private let waitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; `environment` nil inherits the test process's own.
    /// The child leads a process group of its own, as with Foundation.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: Stream = .null,
        output: Stream = .inherit, errors: Stream = .inherit
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        var childEnds: [Int32] = []
        var parentEnds: [Int32?] = []
        for (stream, target) in [(input, STDIN_FILENO), (output, STDOUT_FILENO), (errors, STDERR_FILENO)] {
            switch stream {
            case .inherit:
                parentEnds.append(nil)
            case .null:
                let mode = target == STDIN_FILENO ? O_RDONLY : O_WRONLY
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", mode, 0)
                parentEnds.append(nil)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                // pipe2 is not in Swift's Glibc module; another child spawned in between closes
                // everything above 2 anyway.
                guard pipe(&ends) == 0 else {
                    (childEnds + parentEnds.compactMap { $0 }).forEach { _ = close($0) }
                    throw Failure("pipe: \(String(cString: strerror(errno)))")
                }
                for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                let (parent, child) = target == STDIN_FILENO ? (ends[1], ends[0]) : (ends[0], ends[1])
                posix_spawn_file_actions_adddup2(&actions, child, target)
                childEnds.append(child)
                parentEnds.append(parent)
            }
        }
        if let closeFrom = Self.closeFrom {
            _ = closeFrom(&actions, 3)
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environ = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
        let envp = environ + [nil]
        defer {
            argv.forEach { free($0) }
            environ.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        childEnds.forEach { _ = close($0) }
        guard result == 0 else {
            parentEnds.compactMap { $0 }.forEach { _ = close($0) }
            throw Failure("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
        (standardInput, standardOutput, standardError) = (parentEnds[0], parentEnds[1], parentEnds[2])
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Swift's Glibc module does
    /// not declare it), looked up once.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        {
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
            return unsafeBitCast(
                symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        waitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            if reaped == processIdentifier || (reaped == -1 && errno == ECHILD) {
                status = reaped == processIdentifier ? raw : 0
                return false
            }
            return true
        }
    }

    /// Waits for the child to exit (polling every 2 ms, so any thread may wait).
    public func waitUntilExit() {
        while isRunning { usleep(2000) }
    }

    /// The exit code, or the signal that ended the child (as Foundation reports it).
    public var terminationStatus: Int32 {
        let raw = waitStatus.withLock { $0 } ?? 0
        let signal = raw & 0x7F
        return signal != 0 && signal != 0x7F ? signal : (raw >> 8) & 0xFF
    }

    /// Sends `signal` to the child.
    public func signal(_ signal: Int32) {
        kill(processIdentifier, signal)
    }

    /// Reads `descriptor` to its end, then closes it.
    public static func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(descriptor)
        return bytes
    }

    /// Writes all of `bytes` to `descriptor`, then closes it.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0, errno != EINTR {
                break
            }
        }
        close(descriptor)
    }

    /// Runs `executable` to completion with `input` on its stdin (nil: /dev/null), collecting
    /// stdout and stderr (both read at once, so neither can fill and stall the child).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: [UInt8]? = nil
    ) throws -> Finished {
        let child = try ChildProcess(
            executable, arguments, environment: environment, input: input == nil ? .null : .pipe, output: .pipe,
            errors: .pipe)
        let errors = Mutex<[UInt8]>([])
        let errorsRead = DispatchSemaphore(value: 0)
        let errorPipe = child.standardError!
        Thread {
            let bytes = readAll(errorPipe)
            errors.withLock { $0 = bytes }
            errorsRead.signal()
        }.start()
        if let input, let pipe = child.standardInput {
            let inputPipe = pipe
            Thread { writeAll(input, to: inputPipe) }.start()
        }
        let output = readAll(child.standardOutput!)
        errorsRead.wait()
        child.waitUntilExit()
        return Finished(
            status: child.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }
}
