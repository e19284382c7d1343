namespace RdmaOffload.Verbs.ManagedRoce.Memory;

/// <summary>Reads of caller memory named by a raw address (inline sends only).</summary>
internal static class RawMemory
{
    /// <summary>Copies <c>destination.Length</c> bytes from <paramref name="address"/>.</summary>
    public static unsafe void Copy(ulong address, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        // Safe by the verbs contract for inline sends (as in ibv_post_send): the caller's
        // scatter/gather entries name readable memory for the duration of the post call, and the
        // copy is bounded by the entry length, which the caller checked against MaxInlineData.
        new ReadOnlySpan<byte>((void*)(nint)address, destination.Length).CopyTo(destination);
    }
}
