import Synchronization

/// One sink's dead letters: `dead/<sink>.dead`, append-only frames of ``DeadLetter`` and
/// ``ReplayMark``.
///
/// A dead letter is made durable (``append(_:)`` syncs) before the worker acknowledges the
/// spool record, so an event is always in exactly one of: the spool, the dead letters, or
/// delivered. A replay re-enqueues the event in the spool first and marks its letter replayed
/// afterwards (``markReplayed(_:atMillis:)``), so a crash in between can only list it again
/// (at-least-once), never lose it.
///
/// Memory stays small whatever the file's size: the file is read in chunks, and only a
/// ``DeadLetterIndex`` (32 bytes per letter, no bodies) is kept; listing reads back only the
/// page asked for (``page(_:offset:limit:)``), replay reads in chunks. Recovery truncates a torn
/// tail and skips (and reports) corrupt bytes. ``compactIfWorthwhile()`` rewrites the file
/// without the letters of events that were replayed and not dead again.
///
/// Thread-safe: the sink's worker appends while the admin API lists and marks.
package final class DeadLetterLog: Sendable {
    /// A dead event as the operator sees it: its newest letter, and its earlier deaths
    /// (letters replayed since, or left by a redelivery after a crash), oldest first.
    package struct Entry: Sendable, Equatable {
        package var letter: DeadLetter
        package var history: [DeadLetter]
        /// The letters of this event not yet replayed: what a replay of it marks.
        package var unreplayed: Set<DeadLetter.ID>
    }

    /// Which live dead events an operation is about.
    package struct Filter: Sendable {
        package var sinceMillis: Int64?
        package var untilMillis: Int64?
        /// Only these events (dedupe keys).
        package var ids: [String]?

        package init(sinceMillis: Int64? = nil, untilMillis: Int64? = nil, ids: [String]? = nil) {
            self.sinceMillis = sinceMillis
            self.untilMillis = untilMillis
            self.ids = ids
        }
    }

    /// Live events chosen by a ``Filter``, as a snapshot to read in chunks with ``entries(_:)``.
    package struct Selection: Sendable {
        fileprivate var generation: Int
        fileprivate var indices: [Int32]
        /// When each of the first chosen events' newest letter died, in selection order (newest
        /// first): as many as ``select(_:times:)`` was asked for.
        package var deadAtMillis: [Int64]
        /// Requested ids with no live dead letter.
        package var notFound: [String]
        package var count: Int { indices.count }

        /// The part `range` of the selection.
        package func slice(_ range: Range<Int>) -> Selection {
            Selection(
                generation: generation, indices: Array(indices[range]),
                deadAtMillis: Array(deadAtMillis[range.clamped(to: deadAtMillis.indices)]), notFound: [])
        }
    }

    private struct State: ~Copyable {
        var file: AppendFile
        var index: DeadLetterIndex
        /// Bumped when the file is rewritten: earlier selections no longer apply.
        var generation = 0
    }

    package let path: String
    private let directory: String
    private let fileSystem: any FileSystem
    private let integrity: SpoolIntegrity?
    private let state: Mutex<State>

    /// Opens (creating if needed) the log of `sink` under `directory`, reading its index; a torn
    /// tail is truncated, corrupt bytes are reported to `integrity` and skipped.
    package init(
        directory: String, sink: String, integrity: SpoolIntegrity? = nil,
        fileSystem: any FileSystem = PosixFileSystem.shared
    ) throws(SpoolError) {
        try fileSystem.makeDirectories(directory)
        self.directory = directory
        self.integrity = integrity
        self.fileSystem = fileSystem
        path = DataDirectory.deadLetterFile(in: directory, sink: sink)
        try fileSystem.remove(path + ".compacting")  // a compaction a crash interrupted; the old file is whole
        let (index, length) = try Self.load(path: path, integrity: integrity, fileSystem: fileSystem)
        let file = try AppendFile(path: path, length: length, fileSystem: fileSystem)
        if length == 0 { try fileSystem.syncDirectory(directory) }
        state = Mutex(State(file: file, index: index))
    }

    /// Whether a replay of this sink runs now (see ``beginReplay()``).
    private let replaying = Mutex(false)

    /// Claims the sink's one replay slot; false if a replay runs already. Balanced by ``endReplay()``.
    package func beginReplay() -> Bool {
        replaying.withLock { running in
            guard !running else { return false }
            running = true
            return true
        }
    }

    /// Gives the replay slot back.
    package func endReplay() { replaying.withLock { $0 = false } }

    /// Dead events not replayed since they died.
    package var liveCount: Int { state.withLock { $0.index.liveCount } }

    /// Appends `letters` and makes them durable before returning.
    package func append(_ letters: [DeadLetter]) throws(SpoolError) {
        guard !letters.isEmpty else { return }
        var buffer: [UInt8] = []
        var frames: [(letter: DeadLetter, offset: Int, length: Int)] = []
        for letter in letters {
            let payload = letter.encoded()
            frames.append((letter, buffer.count, payload.count))
            Frame.append(payload: payload, to: &buffer)
        }
        try state.withLock { state throws(SpoolError) in
            let start = state.file.length
            try state.file.appendDurably(buffer)
            for frame in frames {
                state.index.add(
                    id: frame.letter.id, key: frame.letter.dedupeKey.utf8, offset: UInt64(start + frame.offset),
                    length: frame.length)
            }
        }
    }

    /// Marks exactly `letters` (by event key) replayed, durable before returning. Letters
    /// written since they were chosen (the replayed event died again) stay live.
    package func markReplayed(_ letters: [String: Set<DeadLetter.ID>], atMillis: Int64) throws(SpoolError) {
        try state.withLock { state throws(SpoolError) in
            var buffer: [UInt8] = []
            let sorted = letters.sorted(by: { $0.key < $1.key })
            for (key, ids) in sorted {
                for id in state.index.unmarked(key: key.utf8, among: ids).sorted(by: { $0.sequence < $1.sequence }) {
                    Frame.append(
                        payload: ReplayMark(letter: id, dedupeKey: key, replayedAtMillis: atMillis).encoded(),
                        to: &buffer)
                }
            }
            guard !buffer.isEmpty else { return }
            try state.file.appendDurably(buffer)
            for (key, ids) in sorted { _ = state.index.mark(key: key.utf8, ids: ids) }
        }
    }

    /// Live events matching `filter`, newest death first, with the total count: only the page
    /// `[offset, offset + limit)` is read back from the file, and only as much of it as fits in
    /// `byteBudget` (at least one entry): fewer entries than asked for mean the page was cut there.
    package func page(_ filter: Filter, offset: Int, limit: Int, bodies: Bool = true, byteBudget: Int = .max)
        throws(SpoolError) -> (count: Int, entries: [Entry])
    {
        while true {
            let selection = select(filter)
            let start = min(max(0, offset), selection.count)
            let end = min(selection.count, start + max(0, limit))
            // nil only if a compaction ran in between: select again.
            if let entries = try entries(selection.slice(start..<end), bodies: bodies, byteBudget: byteBudget) {
                return (selection.count, entries)
            }
        }
    }

    /// A snapshot of the live events matching `filter`, newest death first, with the death times
    /// of the first `times` of them.
    package func select(_ filter: Filter, times: Int = 0) -> Selection {
        state.withLock { state in
            guard let ids = filter.ids else {
                let inRange = state.index.live(sinceMillis: filter.sinceMillis, untilMillis: filter.untilMillis)
                return Selection(
                    generation: state.generation, indices: inRange,
                    deadAtMillis: inRange.prefix(times).map { state.index.letters[Int($0)].deadAtMillis }, notFound: [])
            }
            let wanted = Set(ids.compactMap { state.index.live(key: $0.utf8) })
            let chosen = state.index.newestFirst(
                wanted, sinceMillis: filter.sinceMillis, untilMillis: filter.untilMillis)
            let found = Set(chosen)
            // An id counts as found when its event is live and inside the time bounds.
            let notFound = ids.filter { id in state.index.live(key: id.utf8).map { !found.contains($0) } ?? true }
            return Selection(
                generation: state.generation, indices: chosen,
                deadAtMillis: chosen.prefix(times).map { state.index.letters[Int($0)].deadAtMillis },
                notFound: notFound)
        }
    }

    /// The entries of `selection`, read from the file: the first ones, in order, until
    /// `byteBudget` bytes were read (at least one), with the newest letter's body only if
    /// `bodies` (earlier deaths never carry theirs). nil if the file was compacted since the
    /// selection was made (select again). The file is read outside the log's lock.
    package func entries(_ selection: Selection, bodies: Bool = true, byteBudget: Int = .max)
        throws(SpoolError) -> [Entry]?
    {
        let plan = try state.withLock { state throws(SpoolError) -> ReadPlan in
            guard selection.generation == state.generation else { return .compacted }
            guard !selection.indices.isEmpty else { return .nothing }
            let events = selection.indices.map { index in
                state.index.group(index).map { member in
                    let letter = state.index.letters[Int(member)]
                    return DeadLetterReading.Letter(
                        offset: letter.offset, length: letter.length, marked: letter.isMarked, id: letter.id)
                }
            }
            // Chunks no larger than a letter's head: reading one letter's fields never reads its body.
            let window = try FileWindow(path: path, chunk: DeadLetterReading.headBytes, fileSystem: fileSystem)
            return .read(events, window)
        }
        switch plan {
        case .compacted: return nil
        case .nothing: return []
        case .read(let events, let window):
            return try DeadLetterReading.entries(
                events, from: window, path: path, bodies: bodies, byteBudget: byteBudget)
        }
    }

    /// What ``entries(_:bodies:byteBudget:)`` reads, decided under the lock.
    private enum ReadPlan {
        case compacted
        case nothing
        /// Each event's letters, and a window onto the file as it is now.
        case read([[DeadLetterReading.Letter]], FileWindow)
    }

    /// Every dead letter in the file, oldest first (replayed ones included). For tests and
    /// tools: it holds them all in memory.
    package func readAll() throws(SpoolError) -> [DeadLetter] {
        try state.withLock { state throws(SpoolError) in
            let window = try FileWindow(path: path, chunk: 256 << 10, fileSystem: fileSystem)
            var out: [DeadLetter] = []
            for letter in state.index.letters { out.append(try Self.read(letter, from: window, path: path)) }
            return out
        }
    }

    /// Rewrites the file without the letters of events that are no longer dead (replayed and not
    /// dead again) and their marks, when that frees at least 1 MiB and half the file. Returns the
    /// bytes freed. Crash-safe: the new file is written and synced under another name, then
    /// renamed over the old one.
    @discardableResult
    package func compactIfWorthwhile() throws(SpoolError) -> Int {
        try state.withLock { state throws(SpoolError) -> Int in
            let length = state.file.length
            let kept = state.index.keptBytes()
            guard length - kept >= 1 << 20, kept * 2 <= length else { return 0 }
            let freshPath = path + ".compacting"
            let fresh = try AppendFile(path: freshPath, length: 0, fileSystem: fileSystem)
            do throws(SpoolError) {
                let window = try FileWindow(path: path, chunk: 256 << 10, fileSystem: fileSystem)
                var buffer: [UInt8] = []
                for index in state.index.live(sinceMillis: nil, untilMillis: nil).reversed() {
                    for member in state.index.group(index) {
                        let letter = state.index.letters[Int(member)]
                        guard
                            let frame = try window.bytes(
                                Int(letter.offset), SpoolFormat.frameHeaderSize + letter.length)
                        else { throw SpoolError(code: .corrupt, message: "dead letter beyond the end", path: path) }
                        buffer += frame
                        if letter.isMarked, let key = DeadLetter.peek(frame.dropFirst(SpoolFormat.frameHeaderSize))?.key
                        {
                            let mark = ReplayMark(
                                letter: letter.id, dedupeKey: String(decoding: key, as: UTF8.self), replayedAtMillis: 0)
                            Frame.append(payload: mark.encoded(), to: &buffer)
                        }
                    }
                    if buffer.count >= 1 << 20 {
                        try fresh.append(buffer)
                        buffer = []
                    }
                }
                try fresh.append(buffer)
                try fresh.sync()
                try fileSystem.rename(freshPath, to: path)
                try fileSystem.syncDirectory(directory)
            } catch {
                try? fileSystem.remove(freshPath)
                throw error
            }
            let (index, newLength) = try Self.load(path: path, integrity: integrity, fileSystem: fileSystem)
            state.file = try AppendFile(path: path, length: newLength, fileSystem: fileSystem)
            state.index = index
            state.generation += 1
            return length - newLength
        }
    }
}
