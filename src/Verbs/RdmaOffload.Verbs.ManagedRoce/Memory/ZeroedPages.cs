using System.Runtime.InteropServices;
using RdmaOffload.Verbs.ManagedRoce.Interop;

namespace RdmaOffload.Verbs.ManagedRoce.Memory;

/// <summary>
/// Page-aligned, zero-filled native memory for regions the provider allocates. On Linux it comes from an anonymous
/// mapping: the kernel supplies zero pages on first touch, so a large region that is mostly idle (the adapter's
/// per-connection staging) costs resident memory only for the pages actually used. Elsewhere: an aligned
/// allocation cleared up front.
/// </summary>
internal static unsafe class ZeroedPages
{
    private const nuint PageSize = 4096;

    // Safe: returns a fresh block of at least `length` bytes owned by the caller, who frees it with Free and the
    // same length exactly once.
    public static void* Allocate(nuint length)
    {
        if (OperatingSystem.IsLinux())
        {
            var mapped = Libc.MapMemory(null, length, Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
            if (mapped == Libc.MapFailed)
            {
                throw new RdmaException("mmap", Marshal.GetLastPInvokeError());
            }

            return mapped;
        }

        var memory = NativeMemory.AlignedAlloc(length, PageSize);
        NativeMemory.Clear(memory, length);
        return memory;
    }

    // Safe: `memory` and `length` are exactly what Allocate returned and was given; called once per block.
    public static void Free(void* memory, nuint length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Libc.UnmapMemory(memory, length);
            return;
        }

        NativeMemory.AlignedFree(memory);
    }
}
