import Synchronization

/// Reading and writing the dead-letter file.
extension DeadLetterLog {
    static func load(path: String, integrity: SpoolIntegrity?, fileSystem: any FileSystem)
        throws(SpoolError) -> (DeadLetterIndex, Int)
    {
        var index = DeadLetterIndex()
        let size = fileSystem.size(path)
        guard size > 0 else { return (index, 0) }
        var marks = Set<DeadLetter.ID>()
        let scanner = try FrameScanner(path: path, kind: .deadLetters, from: 0, fileSystem: fileSystem)
        let length = try scanner.recover(integrity: integrity) { payload, start in
            if let (id, key) = DeadLetter.peek(payload) {
                index.add(id: id, key: key, offset: UInt64(start), length: payload.count)
            } else if let mark = ReplayMark(decoding: payload) {
                marks.insert(mark.letter)
            }
        }
        index.applyMarks(marks)
        return (index, length)
    }

    static func read(_ letter: DeadLetterIndex.Letter, from window: FileWindow, path: String)
        throws(SpoolError) -> DeadLetter
    {
        guard
            let frame = try window.bytes(
                Int(letter.offset) + SpoolFormat.frameHeaderSize, letter.length),
            let decoded = DeadLetter(decoding: frame)
        else {
            throw SpoolError(
                code: .corrupt, message: "dead letter at offset \(letter.offset) is unreadable", path: path)
        }
        return decoded
    }
}
