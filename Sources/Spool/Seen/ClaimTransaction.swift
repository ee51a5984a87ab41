import RelayCore

/// One open claim transaction (see ``SharedClaims``). Used by the writer thread only.
package protocol ClaimTransaction: AnyObject {
    /// The keys this instance holds once the transaction commits.
    var held: Set<DedupeKey> { get }
    /// Commits the claims. An outcome the store could not confirm is resolved by asking it
    /// again; one that stays unknown throws (`claimUnresolved`), like a refusal.
    func commit() throws(SpoolError)
    /// Abandons the claims (the local batch failed).
    func rollBack()
    /// After ``commit()`` threw `claimUnresolved`: whether the claims committed, asked again once
    /// and without waiting; nil while it still cannot be learned.
    func resolve() -> Bool?
}
