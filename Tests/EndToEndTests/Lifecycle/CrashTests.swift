import Foundation
import RelayTestSupport
import Synchronization
import Testing

@testable import Spool

/// Invariants 1, 2 and 6 against a real process: `kill -9` during a load of signed events
/// loses nothing that was acknowledged.
@Suite(.serialized) struct CrashTests {
    static let routes = [
        "archive.yaml": "sink: file\npath: $ROOT/out/archive.jsonl\n",
        "failures.yaml": "sink: file\npath: $ROOT/out/failures.jsonl\nmatch:\n  type: task.failed\n",
    ]

    func serveArguments(_ ws: Workspace) -> [String] {
        [
            "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--routes", ws.routes, "--data-dir",
            ws.data,
        ]
    }

    func spooledKeys(_ ws: Workspace, sink: String) throws -> Set<String> {
        let directory = ws.data + "/spool/" + sink
        var keys = Set<String>()
        for name in SpoolFiles.list(directory) where name.hasSuffix(".seg") {
            let bytes = try SpoolFiles.read(directory + "/" + name)
            for payload in Frame.scan(bytes, from: SpoolFormat.segmentMagic.count).payloads {
                keys.insert(SpoolRecord(decoding: payload)!.dedupeKey)
            }
        }
        return keys
    }

    @Test func killDashNineLosesNoAcknowledgedEvent() async throws {
        let ws = try Workspace(routes: Self.routes)
        defer { ws.cleanup() }
        let env = ["MODA_WEBHOOK_SECRET": "old-secret-of-the-rotation," + SignedEvent.secret]
        let relay = try RelayProcess(arguments: serveArguments(ws), environment: env)
        try await relay.waitUntilListening()

        // Four client threads send signed events over keep-alive until the process dies.
        let acknowledged = Mutex<[String: [UInt8]]>([:])
        let stop = Atomic<Bool>(false)
        let port = relay.port
        let done = (0..<4).map { _ in DispatchSemaphore(value: 0) }
        let clients = (0..<4).map { client in
            Thread {
                defer { done[client].signal() }
                var index = 0
                while !stop.load(ordering: .relaxed) {
                    guard let connection = try? RawConnection(port: port) else { return }
                    while !stop.load(ordering: .relaxed) {
                        let id = "evt_crash_\(client)_\(index)"
                        let body = SignedEvent.body(id: id, type: index % 3 == 0 ? "task.failed" : "task.succeeded")
                        index += 1
                        guard (try? connection.request(headers: SignedEvent.headers(body: body), body: body)) != nil,
                            let answer = try? connection.readResponse()
                        else { break }
                        if answer.status == 200 { acknowledged.withLock { $0[id] = body } }
                    }
                }
            }
        }
        for thread in clients { thread.start() }
        try await Task.sleep(for: .milliseconds(1500))
        relay.kill9()
        stop.store(true, ordering: .relaxed)
        for semaphore in done { semaphore.wait() }

        let acked = acknowledged.withLock { $0 }
        #expect(acked.count > 100, "load too small to mean anything: \(acked.count) acknowledged")

        // Everything acknowledged is on disk, in every sink it routes to.
        let archive = try spooledKeys(ws, sink: "archive")
        let failures = try spooledKeys(ws, sink: "failures")
        for (id, body) in acked {
            #expect(archive.contains(id), "\(id) acknowledged but not in the archive spool")
            if String(decoding: body, as: UTF8.self).contains("task.failed") {
                #expect(failures.contains(id), "\(id) acknowledged but not in the failures spool")
            }
        }

        // After a restart (recovery truncates any torn tail), every acknowledged event is a duplicate.
        let restarted = try RelayProcess(arguments: serveArguments(ws), environment: env)
        try await restarted.waitUntilListening()
        let connection = try RawConnection(port: restarted.port)
        var notDuplicate: [String] = []
        for (id, body) in acked {
            try connection.request(headers: SignedEvent.headers(body: body), body: body)
            let answer = try connection.readResponse()
            if answer.status != 200 || answer.json["duplicate"] as? Bool != true { notDuplicate.append(id) }
        }
        #expect(
            notDuplicate.isEmpty,
            "acknowledged before the crash but not a duplicate after it: \(notDuplicate.prefix(5))")
        // The relay still accepts new events after recovery.
        let fresh = SignedEvent.body(id: "evt_after_crash")
        try connection.request(headers: SignedEvent.headers(body: fresh), body: fresh)
        #expect(try connection.readResponse().status == 200)
        kill(restarted.process.processIdentifier, SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
    }
}
