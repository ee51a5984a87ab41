/// The file-system calls the storage makes: the spool, the dedupe log and the dead letters do
/// all their I/O through this seam, so that a simulated disk can stand in for the real one
/// (`SimulatedDisk`, in the tests: unsynced bytes lost on a power cut, any call failing with
/// `ENOSPC` or `EIO`, a crash at any call).
///
/// What every implementation must guarantee, as POSIX does on Linux:
///
/// - **Writes are not durable until synced.** ``write(_:_:at:path:)`` changes what later reads
///   see; only ``dataSync(_:path:)`` makes a file's bytes (and its length) survive a power cut.
/// - **Names are not durable until their directory is synced.** A file created, renamed or
///   removed, and a directory made, survive a power cut only once ``syncDirectory(_:)`` of the
///   directory holding the name returns.
/// - **A rename replaces atomically**: after a crash the name refers to the old file or the new
///   one, never to neither.
/// - **A failed sync is final**: after ``dataSync(_:path:)`` fails, the bytes written before it
///   may never reach the disk, even if a later sync of the same file succeeds.
/// - **Space held by a removed file that is still open is not freed** until it is closed.
/// - Errors are ``SpoolError``s carrying the path and `errno` (`ENOSPC` and `EDQUOT` become
///   ``SpoolError/Code/diskFull``).
///
/// Descriptors are plain integers owned by the caller, closed with ``close(_:)``.
package protocol FileSystem: AnyObject, Sendable {
    /// Opens `path` for writing, creating it (mode 0600) if it does not exist.
    func openForWriting(_ path: String) throws(SpoolError) -> Int32
    /// Opens an existing file for reading.
    func openForReading(_ path: String) throws(SpoolError) -> Int32
    /// Closes a descriptor; never fails.
    func close(_ descriptor: Int32)
    /// Writes all of `bytes` at `offset`. On failure part of them may have been written.
    func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(SpoolError)
    /// Reads up to `buffer.count` bytes at `offset`; returns how many (0 at the end of the file).
    func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(SpoolError) -> Int
    /// The file's length now, or 0 if it cannot be read.
    func length(of descriptor: Int32) -> Int
    /// Makes the file's written bytes and length durable (`fdatasync`).
    func dataSync(_ descriptor: Int32, path: String) throws(SpoolError)
    /// Cuts the file to `length` bytes (not durable until synced).
    func truncate(_ descriptor: Int32, to length: Int, path: String) throws(SpoolError)
    /// The size of the file at `path`, or nil if there is none.
    func size(atPath path: String) -> Int?
    /// Makes one directory (mode 0700); true if it was made, false if it already existed.
    func makeDirectory(_ path: String) throws(SpoolError) -> Bool
    /// Makes the names in directory `path` durable (`fsync` of the directory).
    func syncDirectory(_ path: String) throws(SpoolError)
    /// The names in directory `path` (no `.` or `..`), sorted; empty if there is no such directory.
    func list(_ path: String) -> [String]
    /// Removes the name `path`; removing a name that does not exist succeeds.
    func remove(_ path: String) throws(SpoolError)
    /// Renames `from` to `to`, replacing `to` atomically if it exists.
    func rename(_ from: String, to: String) throws(SpoolError)
    /// Whether the process may create files in directory `path`.
    func isWritableDirectory(_ path: String) -> Bool
}
