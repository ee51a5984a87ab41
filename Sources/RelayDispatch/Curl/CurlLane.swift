import CCurl
import Foundation
import RelayCore
import Spool
import Synchronization

/// One of the ``CurlDispatcher``'s threads: libcurl's multi interface driving its transfers.
///
/// `submit` may be called from any thread: the request is queued under a lock and the loop is
/// woken with `curl_multi_wakeup`. The loop adds queued transfers to the multi handle, drives
/// them with `curl_multi_perform`, reports finished ones, and sleeps in `curl_multi_poll`.
/// Connections are kept alive and reused across transfers (one connection cache per lane);
/// HTTP/2 is used where an HTTPS server offers it. Completions run on the lane's thread and
/// must return quickly.
final class CurlLane: Sendable {
    typealias Completion = CurlDispatcher.Completion

    private struct Inbox {
        var pending: [(OutboundRequest, Completion)] = []
        var stopping = false
    }

    private let inbox = Mutex(Inbox())
    // Written once in init, read by `submit` for `curl_multi_wakeup` (thread-safe in libcurl).
    private let multi: MultiHandle
    private let finished = ExitSignal()

    /// Starts the lane's thread. `maxConnections` bounds its connection cache.
    init(maxConnections: Int) {
        CurlGlobal.initialize()
        guard let handle = curl_multi_init() else { fatalError("curl_multi_init failed") }
        _ = relay_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, maxConnections)
        multi = MultiHandle(handle)
        let thread = Thread { [self] in self.run() }
        thread.name = "moda-relay-curl"
        thread.start()
    }

    /// Queues `request`; `completion` runs on the lane's thread when it finishes.
    func submit(_ request: OutboundRequest, completion: @escaping Completion) {
        let accepted = inbox.withLock { inbox in
            if inbox.stopping { return false }
            inbox.pending.append((request, completion))
            return true
        }
        guard accepted else {
            completion(.transportFailure(.other, message: "dispatcher stopped"), .zero)
            return
        }
        curl_multi_wakeup(multi.handle)
    }

    /// Stops taking requests, aborts transfers in flight (their completions report
    /// "dispatcher stopped"), and returns when the thread has exited.
    func stop() async {
        inbox.withLock { $0.stopping = true }
        curl_multi_wakeup(multi.handle)
        await finished.wait()
    }

    private func run() {
        var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
        var idleHandles: [UnsafeMutableRawPointer] = []
        var running: Int32 = 0
        while true {
            let (new, stopping) = inbox.withLock { inbox in
                defer { inbox.pending = [] }
                return (inbox.pending, inbox.stopping)
            }
            if stopping {
                for (_, completion) in new {
                    completion(.transportFailure(.other, message: "dispatcher stopped"), .zero)
                }
                for (handle, transfer) in transfers {
                    curl_multi_remove_handle(multi.handle, handle)
                    transfer.release()
                    curl_easy_cleanup(handle)
                    transfer.completion(
                        .transportFailure(.other, message: "dispatcher stopped"), .now - transfer.started)
                }
                break
            }
            for (request, completion) in new {
                let handle: UnsafeMutableRawPointer
                if let reused = idleHandles.popLast() {
                    curl_easy_reset(reused)
                    handle = reused
                } else {
                    guard let fresh = curl_easy_init() else {
                        completion(.transportFailure(.other, message: "curl_easy_init failed"), .zero)
                        continue
                    }
                    handle = fresh
                }
                let transfer = Transfer(handle: handle, completion: completion)
                guard transfer.configure(request), curl_multi_add_handle(multi.handle, handle) == CURLM_OK else {
                    transfer.release()
                    idleHandles.append(handle)
                    completion(.transportFailure(.other, message: "libcurl refused the request options"), .zero)
                    continue
                }
                transfers[handle] = transfer
            }
            curl_multi_perform(multi.handle, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi.handle, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let transfer = transfers.removeValue(forKey: handle)
                else { continue }
                let result = transfer.result(code: message.pointee.data.result)
                curl_multi_remove_handle(multi.handle, handle)
                transfer.release()
                idleHandles.append(handle)
                transfer.completion(result, .now - transfer.started)
            }
            curl_multi_poll(multi.handle, nil, 0, 1000, nil)
        }
        for handle in idleHandles { curl_easy_cleanup(handle) }
        finished.signal()
    }
}
