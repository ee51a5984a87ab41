#if canImport(Glibc)
    import Glibc
#endif

/// A spool failure with the file it concerns and the OS error, if any.
/// `code` is stable and becomes a metric label / HTTP reason.
package struct SpoolError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// The disk is full (ENOSPC / EDQUOT).
        case diskFull = "disk_full"
        /// A sink's spool is at its configured size cap.
        case spoolFull = "spool_full"
        /// Any other I/O failure.
        case ioError = "io_error"
        /// The writer is shutting down and takes no more appends.
        case shuttingDown = "shutting_down"
        /// A file is not a spool file.
        case corrupt = "corrupt"
        /// The event's route was removed while it was being stored (a retry is routed anew).
        case routeRemoved = "route_removed"
        /// Cluster mode: the shared claim store is unreachable, refused, or too slow.
        case storeUnavailable = "store_unavailable"
        /// Cluster mode: a claim waited longer than the lock timeout for another instance's.
        case claimTimeout = "claim_timeout"
        /// Cluster mode: whether the claims committed could not be learned; the batch was rolled back.
        case claimUnresolved = "claim_unresolved"
    }

    package var code: Code
    package var message: String
    package var path: String?
    package var errno: Int32?

    package init(code: Code, message: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    /// An error from a failed syscall `operation` on `path`, classified by `errno`.
    package static func posix(_ operation: String, path: String, errno: Int32) -> SpoolError {
        let code: Code = (errno == ENOSPC || errno == EDQUOT) ? .diskFull : .ioError
        return SpoolError(
            code: code, message: "\(operation) failed: \(String(cString: strerror(errno)))", path: path, errno: errno)
    }

    package var description: String {
        if let path { return "\(message) (\(path))" }
        return message
    }
}
