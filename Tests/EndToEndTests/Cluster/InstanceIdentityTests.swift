import SimulatedDisk
import Testing

@testable import Ingress
@testable import RelayApp

/// Finding 9: the instance id made at first start survives a power cut (its file and its name
/// are synced), so the next start recognises the instance's own claims.
@Suite struct InstanceIdentityTests {
    @Test func theNameMadeAtFirstStartSurvivesAPowerCut() throws {
        let disk = SimulatedDisk()
        disk.prepareDirectory("/sim")
        let first = try InstanceIdentity.resolve(configured: nil, dataDirectory: "/sim/data", fileSystem: disk)
        #expect(first.hasPrefix("relay-"))
        disk.restart(powerCut: true)
        let again = try InstanceIdentity.resolve(configured: nil, dataDirectory: "/sim/data", fileSystem: disk)
        #expect(again == first)
        #expect(disk.size(atPath: "/sim/data/instance-id.tmp") == nil)
    }

    @Test func aConfiguredNameWins() throws {
        let disk = SimulatedDisk()
        disk.prepareDirectory("/sim")
        #expect(
            try InstanceIdentity.resolve(configured: "blue", dataDirectory: "/sim/data", fileSystem: disk) == "blue")
    }
}
