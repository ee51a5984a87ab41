import RelayCore
import SimulatedDisk
import Spool

/// Routes coming and going, restarts, and the final phase that checks the promises.
extension ModelRun {
    func addRoute(_ index: Int) {
        let candidates = known + ["r\(known.count)"]
        let name = candidates[index % candidates.count]
        guard !table.contains(name) else { return }
        if let process {
            process.queued.append(process.engine.acceptJob(sink: name))
            if process.workers[name] != nil {
                // Removed and draining: the fleet restarts its worker (stopping flushes).
                flush(name)
                process.workers[name] = nil
            }
            do {
                try process.startWorker(name)
            } catch {
                return  // the reload fails; the table stays as it was
            }
        }
        if !known.contains(name) { known.append(name) }
        table.append(name)
        reaped.remove(name)
    }

    func removeRoute(_ index: Int) {
        guard !table.isEmpty else { return }
        let name = table.remove(at: index % table.count)
        process?.workers[name]?.draining = true
        if let process { process.queued.append(process.engine.stopAcceptingJob(sink: name)) }
    }

    /// As the fleet does: a draining worker stops once the writer takes no more appends for its
    /// route and it holds nothing below that final mark.
    func reap() {
        guard let process else { return }
        for (name, worker) in process.workers.sorted(by: { $0.key < $1.key }) where worker.draining {
            let mark = process.engine.commitMark(sink: name)
            guard worker.reader.pendingCount(committed: mark) == 0, worker.held.isEmpty,
                process.engine.closedMark(sink: name) == mark.nextSequence
            else { continue }
            flush(name)
            process.workers[name] = nil
            reaped.insert(name)
        }
    }

    /// Starts a process on the disk: recovery, then a worker per route in the table.
    func start() {
        do {
            process = try ModelProcess(
                data: data, disk: disk, configuration: configuration, routes: table, integrity: integrity)
        } catch {
            process = nil
            statistics.failedStarts += 1
            disk.restart(powerCut: false)  // the process exits
        }
    }

    func restart(_ kind: ModelStep.Restart) {
        if let process, kind == .clean, !disk.crashed {
            for name in process.workers.keys.sorted() { flush(name) }
            process.engine.close()
        }
        // Queued requests were never answered.
        process = nil
        _ = pendingAnswers.take()
        switch kind {
        case .clean, .kill:
            disk.restart(powerCut: false)
        case .powerCut:
            statistics.powerCuts += 1
            disk.restart(powerCut: true)
        case .tornPowerCut:
            statistics.powerCuts += 1
            let seed = self.seed &+ UInt64(step)
            disk.restart(powerCut: true) { inode in
                var random = SeededRandom(seed: seed &+ UInt64(inode))
                return Double(random.next() % 1001) / 1000
            }
        }
        start()
    }

    /// Space returns and faults stop: the running relay must heal by itself (a probe event to
    /// every route is accepted); then, restarted with every route restored, it delivers
    /// everything; then each acknowledged event must have reached each of its routes.
    func finish() {
        step += 1
        disk.disarm()
        disk.capacity = nil
        if disk.crashed { restart(.kill) }
        if process == nil { start() }
        guard process != nil else {
            return fail(.cannotStart, "the relay does not start on a healthy disk")
        }
        var probe = 1_000_000
        var healed = false
        for _ in 0..<8 where !healed {
            drainEveryWorker()
            for index in 0..<(process?.workers.count ?? 0) { reclaim(index) }
            commit()
            for name in (process?.workers.keys.sorted() ?? []) { flush(name) }
            guard !table.isEmpty else {
                healed = true
                break
            }
            probe += 1
            submit([.init(id: probe, routes: Array(0..<table.count))])
            commit()
            healed = acknowledged.contains(probe)
            if tracing {
                for line in disk.takeJournal() where !line.hasPrefix("read ") { trace("    final: \(line)") }
                for line in disk.listing(data) { trace("    final: \(line)") }
            }
        }
        if !healed {
            let error = process?.engine.lastError.map { "\($0)" } ?? "none"
            return fail(.refusedForever, "space returned, but a new event is still refused (last error: \(error))")
        }
        // Every known route back in the table (an orphaned spool is delivered once its file is restored).
        table = known
        reaped = []
        restart(.kill)
        guard process != nil else { return fail(.cannotStart, "the relay does not start on a healthy disk") }
        drainEveryWorker()
        checkDelivered()
    }

    private func drainEveryWorker() {
        for _ in 0..<64 {
            guard let process else { return }
            var moved = 0
            for (index, name) in process.workers.keys.sorted().enumerated() {
                let before = statistics.deliveries
                deliver(route: index, count: 10_000, outcome: .ok)
                flush(name)
                moved += statistics.deliveries - before
            }
            if moved == 0 { return }
        }
    }

    private func checkDelivered() {
        guard let process else { return }
        func reached(_ id: Int, _ sink: String) -> Bool {
            let lastReplay = replayed[sink]?[id] ?? -1
            if let at = delivered[sink]?[id], at > lastReplay { return true }
            return ((try? process.deadLetters(sink).select(.init(ids: [Self.key(id)])).count) ?? 0) > 0
        }
        for (id, sinks) in mustDeliver.sorted(by: { $0.key < $1.key }) {
            for sink in sinks.sorted() where !reached(id, sink) {
                return fail(.lost, "event \(id) was acknowledged for '\(sink)' and never reached it")
            }
        }
        for (id, alternatives) in mustDeliverOneOf.sorted(by: { $0.key < $1.key })
        where !alternatives.contains(where: { $0.allSatisfy { reached(id, $0) } }) {
            return fail(.lost, "event \(id) was answered duplicate, but no attempt's routes \(alternatives) all got it")
        }
    }
}
