namespace RdmaOffload.TargetAdapter.Correlation;

/// <summary>How many client connections a host may have under each <see cref="AdmissionMode"/>.</summary>
internal static class AdmissionLimits
{
    /// <param name="mode">The adapter's admission mode.</param>
    /// <param name="slots">Staging slots the adapter has for the host (the hard bound).</param>
    /// <param name="targetCap">The adapter's own cap per host, applied in <see cref="AdmissionMode.TargetControlled"/>.</param>
    /// <param name="hostGrants">What the host registered per service (0 = no limit of its own).</param>
    public static int ConnectionLimit(AdmissionMode mode, int slots, int targetCap, IEnumerable<uint> hostGrants)
    {
        var limit = mode == AdmissionMode.TargetControlled ? Math.Min(slots, targetCap) : slots;
        foreach (var grant in hostGrants)
        {
            if (grant != 0)
            {
                limit = (int)Math.Min(limit, grant);
            }
        }

        return limit;
    }
}
