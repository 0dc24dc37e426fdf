/// Which of two versions of one session the ``SessionCache`` keeps: the rules, without the cache.
///
/// A local session is ordered by its ``Session/version``, which only this daemon increments. A
/// peer's session is ordered by the stamp its host wrote (``Session/hostStamp``): the local version
/// of a remote session counts only the updates that happened to arrive here, in whatever order the
/// streams, retries and concurrent handlers delivered them, so it says nothing about which is newer.
/// Stamps of one host come from one clock and are compared only with each other. Equal stamps are
/// accepted (the same description delivered twice is harmless, and it refreshes the entry).
public enum SessionOrdering {
    /// Whether `candidate` may replace `held`, the version of the same session in the cache.
    /// `heldIsStale` lifts the ordering for a peer's entry that has gone stale, so a host whose clock
    /// stepped back is believed again once what it contradicts has aged out.
    public static func accepts(_ candidate: Session, over held: Session, heldIsStale: Bool, localComputer: String) -> Bool {
        if held.computer == localComputer {
            // Only this daemon changes its own sessions: a peer's word on one is an echo or an impostor.
            return candidate.computer == localComputer && candidate.version >= held.version
        }
        // Another host, this one included, took the id over; the stamps of two hosts do not compare.
        guard candidate.computer == held.computer else { return true }
        return heldIsStale || stamp(of: candidate) >= stamp(of: held)
    }

    /// What a peer's session is ordered by: its host's stamp, or its last activity when it has none.
    public static func stamp(of session: Session) -> Timestamp {
        session.hostStamp ?? session.record.lastActivity
    }
}
