/// Polls `condition` every 20 ms until it holds or `timeout` passes; errors count as "not yet"
/// until the last try, whose error is thrown.
public func eventually(_ timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}
