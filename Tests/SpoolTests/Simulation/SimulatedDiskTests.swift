import Glibc
import SimulatedDisk
import Spool
import Testing

/// The simulated disk keeps the promises the storage relies on (``FileSystem``'s header), and
/// breaks them exactly where a real disk may.
@Suite struct SimulatedDiskTests {
    let disk = SimulatedDisk()
    let directory = "/data"

    init() { disk.prepareDirectory(directory) }

    func write(_ path: String, _ text: String, sync: Bool) throws {
        let file = try AppendFile(path: path, length: disk.size(path), fileSystem: disk)
        try file.append(Array(text.utf8))
        if sync { try file.sync() }
    }

    func text(_ path: String) -> String? { disk.contents(path).map { String(decoding: $0, as: UTF8.self) } }

    @Test func aPowerCutKeepsOnlySyncedBytesAndSyncedNames() throws {
        try write(directory + "/a", "synced", sync: true)
        try disk.syncDirectory(directory)
        try write(directory + "/a", "+lost", sync: false)
        try write(directory + "/b", "synced but unnamed", sync: true)
        disk.restart(powerCut: true)
        #expect(text(directory + "/a") == "synced")
        #expect(text(directory + "/b") == nil)
    }

    @Test func aKillKeepsThePageCache() throws {
        try write(directory + "/a", "unsynced", sync: false)
        disk.restart(powerCut: false)
        #expect(text(directory + "/a") == "unsynced")
    }

    @Test func aTornWriteKeepsAPrefixOfWhatWasAppended() throws {
        try write(directory + "/a", "0123", sync: true)
        try disk.syncDirectory(directory)
        try write(directory + "/a", "456789", sync: false)
        disk.restart(powerCut: true, tornWrites: { _ in 0.5 })
        #expect(text(directory + "/a") == "0123456")
    }

    @Test func aFullDiskWritesWhatFitsThenFailsWithENOSPC() throws {
        disk.capacity = 10
        try write(directory + "/a", "12345678", sync: true)
        let raw = try disk.openForWriting(directory + "/a")
        defer { disk.close(raw) }
        #expect(throws: SpoolError.self) {
            try [UInt8]("abcd".utf8).withUnsafeBytes { bytes in
                try Result { () throws(SpoolError) in try disk.write(raw, bytes, at: 8, path: "a") }.get()
            }
        }
        #expect(text(directory + "/a") == "12345678ab")
        do {
            try write(directory + "/c", "x", sync: false)
            Issue.record("a write to a full disk succeeded")
        } catch let error as SpoolError {
            #expect(error.code == .diskFull)
        }
    }

    @Test func aRemovedFileHoldsItsSpaceUntilClosed() throws {
        disk.capacity = 8
        try write(directory + "/a", "1234", sync: true)
        let held = try disk.openForReading(directory + "/a")
        try disk.remove(directory + "/a")
        #expect(disk.used == 4)
        disk.close(held)
        #expect(disk.used == 0)
    }

    @Test func aFailedSyncIsFinal() throws {
        try write(directory + "/a", "old", sync: true)
        try disk.syncDirectory(directory)
        disk.fail(.sync, errno: EIO)
        #expect(throws: SpoolError.self) { try write(directory + "/a", "NEW", sync: true) }
        let again = try AppendFile(path: directory + "/a", length: 6, fileSystem: disk)
        try again.sync()  // succeeds, but the pages of "NEW" were dropped
        #expect(text(directory + "/a") == "oldNEW")
        disk.restart(powerCut: true)
        #expect(disk.contents(directory + "/a") == Array("old".utf8) + [0, 0, 0])
    }

    @Test func aRenameIsDurableOnlyWithItsDirectory() throws {
        try write(directory + "/draft", "x", sync: true)
        try disk.syncDirectory(directory)
        try disk.rename(directory + "/draft", to: directory + "/final")
        disk.restart(powerCut: true)
        #expect(text(directory + "/draft") == "x")
        #expect(text(directory + "/final") == nil)
        try disk.rename(directory + "/draft", to: directory + "/final")
        try disk.syncDirectory(directory)
        disk.restart(powerCut: true)
        #expect(text(directory + "/final") == "x")
    }

    @Test func aNewDirectoryNeedsItsParentSynced() throws {
        _ = try disk.makeDirectory(directory + "/sub")
        try write(directory + "/sub/a", "x", sync: true)
        try disk.syncDirectory(directory + "/sub")
        disk.restart(powerCut: true)
        #expect(disk.list(directory).isEmpty)
        try disk.makeDirectories(directory + "/sub")
        try write(directory + "/sub/a", "x", sync: true)
        try disk.syncDirectory(directory + "/sub")
        disk.restart(powerCut: true)
        #expect(text(directory + "/sub/a") == "x")
    }

    @Test func aCrashFailsTheChosenCallAndEveryLaterOneWithoutChangingAnything() throws {
        try write(directory + "/a", "1", sync: true)
        disk.crash(afterCalls: 1)
        #expect(throws: SpoolError.self) { try write(directory + "/a", "2", sync: true) }
        #expect(disk.crashed)
        #expect(throws: SpoolError.self) { try disk.remove(directory + "/a") }
        disk.restart(powerCut: false)
        #expect(!disk.crashed)
        #expect(text(directory + "/a") == "1")
    }

    @Test func anInjectedFaultHitsTheChosenCallOnce() throws {
        disk.fail(.write, errno: EIO, pathContains: "/b", skip: 1)
        try write(directory + "/a", "1", sync: false)
        try write(directory + "/b", "1", sync: false)
        #expect(throws: SpoolError.self) { try write(directory + "/b", "2", sync: false) }
        try write(directory + "/b", "3", sync: false)
        #expect(text(directory + "/b") == "13")
    }
}
