import Foundation
import RelayCore
import Synchronization

/// Sends HTTP requests with libcurl's multi interface on a few dedicated threads (lanes).
///
/// One libcurl thread could not keep up with one local keep-alive sink: it spent its core on
/// libcurl's request and response handling while the other core idled. Requests go to the lanes
/// in turn, each lane with its own multi handle and connection cache, so the work spreads over
/// the cores. `submit` may be called from any thread; completions run on a lane's thread and
/// must return quickly.
package final class CurlDispatcher: Sendable {
    /// Called once per request with its result and how long the attempt took.
    package typealias Completion = @Sendable (DeliveryResult, Duration) -> Void

    private let lanes: [CurlLane]
    private let next = Atomic<Int>(0)

    /// Starts `lanes` threads (by default one per core, at most 4). `maxConnections` bounds
    /// each lane's connection cache.
    package init(lanes: Int = CurlDispatcher.defaultLanes, maxConnections: Int = 64) {
        CurlGlobal.initialize()
        self.lanes = (0..<max(1, lanes)).map { _ in CurlLane(maxConnections: maxConnections) }
    }

    /// One lane per core, at most 4.
    package static var defaultLanes: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// How many lanes this dispatcher runs.
    package var laneCount: Int { lanes.count }

    /// Queues `request`; `completion` runs on the lane's thread when it finishes. Requests with
    /// the same `affinity` go to the same lane, and so reuse its connections (a sink that sends
    /// one request at a time keeps one connection); with none they go to the lanes in turn.
    package func submit(_ request: OutboundRequest, affinity: Int? = nil, completion: @escaping Completion) {
        let turn = affinity?.magnitude ?? next.add(1, ordering: .relaxed).oldValue.magnitude
        lanes[Int(turn % UInt(lanes.count))].submit(request, completion: completion)
    }

    /// Stops taking requests, aborts transfers in flight (their completions report
    /// "dispatcher stopped"), and returns when every lane's thread has exited.
    package func stop() async {
        for lane in lanes { await lane.stop() }
    }
}
