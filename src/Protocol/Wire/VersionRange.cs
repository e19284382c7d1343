namespace RdmaOffload.Protocol.Wire;

/// <summary>An inclusive range of protocol versions a peer speaks.</summary>
/// <param name="Min">Lowest version spoken; at least 1.</param>
/// <param name="Max">Highest version spoken; at least <paramref name="Min"/>.</param>
public readonly record struct VersionRange(byte Min, byte Max)
{
    /// <summary>Whether the range is non-empty and starts at version 1 or later.</summary>
    public bool IsValid => Min >= 1 && Min <= Max;

    /// <summary>Whether <paramref name="version"/> lies in the range.</summary>
    public bool Contains(byte version) => version >= Min && version <= Max;

    /// <summary>
    /// Picks the highest version both ranges contain. Returns false, with <paramref name="version"/> zero,
    /// when either range is invalid or they do not overlap.
    /// </summary>
    public static bool TryNegotiate(VersionRange local, VersionRange peer, out byte version)
    {
        version = 0;
        if (!local.IsValid || !peer.IsValid)
        {
            return false;
        }

        var highest = Math.Min(local.Max, peer.Max);
        if (highest < Math.Max(local.Min, peer.Min))
        {
            return false;
        }

        version = highest;
        return true;
    }
}
