using System.Buffers;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// Memory registered with a link's protection domain for remote READ: the base of pool blocks and of regions an
/// application registers. A <see cref="Memory{T}"/> built on it keeps it alive and finds it again through
/// <see cref="System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager{T, TManager}(ReadOnlyMemory{T}, out TManager, out int, out int)"/>,
/// so any slice of it maps back to (address, rkey) without a table lookup.
/// </summary>
internal abstract class RegisteredMemoryManager : MemoryManager<byte>
{
    /// <summary>The pool whose protection domain registered this memory.</summary>
    public abstract RegisteredMemoryPool Pool { get; }

    /// <summary>The address (in the registration) of byte <paramref name="start"/> and the rkey; false once deregistered.</summary>
    public abstract bool TryGetRemote(int start, out ulong address, out uint remoteKey);
}
