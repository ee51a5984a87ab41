/// One sink's dead letters: `dead/<sink>.dead`, append-only frames of ``DeadLetter``.
///
/// A dead letter is made durable (``append(_:)`` syncs) before the worker acknowledges the
/// spool record, so an event is always in exactly one of: the spool, the dead letters, or
/// delivered. Recovery truncates a torn last frame. Not thread-safe: the sink's worker owns it.
package final class DeadLetterLog {
    package let path: String
    private let file: AppendFile

    /// Opens (creating if needed) the log of `sink` under `directory`, truncating a torn tail.
    package init(directory: String, sink: String) throws(SpoolError) {
        try SpoolFiles.makeDirectory(directory)
        path = directory + "/" + sink + ".dead"
        var length = SpoolFiles.size(path)
        if length > 0 {
            let bytes = try SpoolFiles.read(path)
            let valid = Frame.scan(bytes, from: 0).validLength
            if valid < bytes.count { try SpoolFiles.truncate(path, to: valid) }
            length = valid
        }
        file = try AppendFile(path: path, length: length)
        if length == 0 { try SpoolFiles.syncDirectory(directory) }
    }

    /// Appends `letters` and makes them durable before returning.
    package func append(_ letters: [DeadLetter]) throws(SpoolError) {
        guard !letters.isEmpty else { return }
        var buffer: [UInt8] = []
        for letter in letters { Frame.append(payload: letter.encoded(), to: &buffer) }
        let before = file.length
        do throws(SpoolError) {
            try file.append(buffer)
            try file.sync()
        } catch {
            file.rollBack(to: before)
            throw error
        }
    }

    /// Every dead letter, oldest first.
    package func readAll() throws(SpoolError) -> [DeadLetter] {
        let bytes = try SpoolFiles.read(path)
        return Frame.scan(bytes, from: 0).payloads.compactMap { DeadLetter(decoding: $0) }
    }
}
