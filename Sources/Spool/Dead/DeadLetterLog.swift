import Synchronization

/// One sink's dead letters: `dead/<sink>.dead`, append-only frames of ``DeadLetter`` and
/// ``ReplayMark``.
///
/// A dead letter is made durable (``append(_:)`` syncs) before the worker acknowledges the
/// spool record, so an event is always in exactly one of: the spool, the dead letters, or
/// delivered. A replay re-enqueues the event in the spool first and marks its letter replayed
/// afterwards (``markReplayed(_:atMillis:)``), so a crash in between can only list it again
/// (at-least-once), never lose it. Recovery truncates a torn last frame.
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

    private struct State: ~Copyable {
        let file: AppendFile
        /// Letters not yet replayed, by dedupe key (the operator's "id" of a dead event).
        var live: [String: Set<DeadLetter.ID>] = [:]
    }

    package let path: String
    private let state: Mutex<State>

    /// Opens (creating if needed) the log of `sink` under `directory`, truncating a torn tail.
    package init(directory: String, sink: String) throws(SpoolError) {
        try SpoolFiles.makeDirectory(directory)
        path = directory + "/" + sink + ".dead"
        var length = SpoolFiles.size(path)
        var live: [String: Set<DeadLetter.ID>] = [:]
        if length > 0 {
            let bytes = try SpoolFiles.read(path)
            let scan = Frame.scan(bytes, from: 0)
            if scan.validLength < bytes.count { try SpoolFiles.truncate(path, to: scan.validLength) }
            length = scan.validLength
            let (letters, marks) = Self.decode(scan.payloads)
            for letter in letters where !marks.contains(letter.id) {
                live[letter.dedupeKey, default: []].insert(letter.id)
            }
        }
        let file = try AppendFile(path: path, length: length)
        if length == 0 { try SpoolFiles.syncDirectory(directory) }
        state = Mutex(State(file: file, live: live))
    }

    /// Dead events not replayed since they died.
    package var liveCount: Int { state.withLock { $0.live.count } }

    /// Appends `letters` and makes them durable before returning.
    package func append(_ letters: [DeadLetter]) throws(SpoolError) {
        guard !letters.isEmpty else { return }
        var buffer: [UInt8] = []
        for letter in letters { Frame.append(payload: letter.encoded(), to: &buffer) }
        try state.withLock { state throws(SpoolError) in
            try Self.write(buffer, to: state.file)
            for letter in letters { state.live[letter.dedupeKey, default: []].insert(letter.id) }
        }
    }

    /// Marks exactly `letters` (by event key) replayed, durable before returning. Letters
    /// written since they were chosen (the replayed event died again) stay live.
    package func markReplayed(_ letters: [String: Set<DeadLetter.ID>], atMillis: Int64) throws(SpoolError) {
        try state.withLock { state throws(SpoolError) in
            var buffer: [UInt8] = []
            var marked: [(String, DeadLetter.ID)] = []
            for (key, ids) in letters.sorted(by: { $0.key < $1.key }) {
                for id in ids.sorted(by: { $0.sequence < $1.sequence }) where state.live[key]?.contains(id) == true {
                    let mark = ReplayMark(letter: id, dedupeKey: key, replayedAtMillis: atMillis)
                    Frame.append(payload: mark.encoded(), to: &buffer)
                    marked.append((key, id))
                }
            }
            guard !buffer.isEmpty else { return }
            try Self.write(buffer, to: state.file)
            for (key, id) in marked {
                state.live[key]?.remove(id)
                if state.live[key]?.isEmpty == true { state.live[key] = nil }
            }
        }
    }

    /// Dead events not replayed since, newest death first, each with its history.
    package func liveEntries() throws(SpoolError) -> [Entry] {
        let (letters, marks) = try state.withLock { _ throws(SpoolError) in
            Self.decode(Frame.scan(try SpoolFiles.read(path), from: 0).payloads)
        }
        var byKey: [String: [DeadLetter]] = [:]
        for letter in letters { byKey[letter.dedupeKey, default: []].append(letter) }
        var entries: [Entry] = []
        for (_, deaths) in byKey {
            let ordered = deaths.sorted { ($0.deadAtMillis, $0.sequence) < ($1.deadAtMillis, $1.sequence) }
            guard let newest = ordered.last, !marks.contains(newest.id) else { continue }
            entries.append(
                Entry(
                    letter: newest, history: Array(ordered.dropLast()),
                    unreplayed: Set(ordered.map(\.id).filter { !marks.contains($0) })))
        }
        return entries.sorted {
            ($0.letter.deadAtMillis, $0.letter.sequence) > ($1.letter.deadAtMillis, $1.letter.sequence)
        }
    }

    /// Every dead letter ever written, oldest first (replayed ones included).
    package func readAll() throws(SpoolError) -> [DeadLetter] {
        let payloads = try state.withLock { _ throws(SpoolError) in
            Frame.scan(try SpoolFiles.read(path), from: 0).payloads
        }
        return Self.decode(payloads).letters
    }

    private static func write(_ buffer: [UInt8], to file: AppendFile) throws(SpoolError) {
        let before = file.length
        do throws(SpoolError) {
            try file.append(buffer)
            try file.sync()
        } catch {
            file.rollBack(to: before)
            throw error
        }
    }

    private static func decode(_ payloads: [ArraySlice<UInt8>]) -> (letters: [DeadLetter], marks: Set<DeadLetter.ID>) {
        var letters: [DeadLetter] = []
        var marks: Set<DeadLetter.ID> = []
        for payload in payloads {
            switch payload.first {
            case DeadLetter.kind: if let letter = DeadLetter(decoding: payload) { letters.append(letter) }
            case ReplayMark.kind: if let mark = ReplayMark(decoding: payload) { marks.insert(mark.letter) }
            default: continue
            }
        }
        return (letters, marks)
    }
}
