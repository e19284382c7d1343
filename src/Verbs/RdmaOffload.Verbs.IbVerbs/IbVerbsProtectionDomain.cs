using System.Runtime.InteropServices;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>An <c>ibv_pd</c>: registers memory and creates RC queue pairs.</summary>
internal sealed class IbVerbsProtectionDomain : IProtectionDomain
{
    private const nuint PageSize = 4096;
    private readonly IbVerbsDevice _device;
    private readonly ChildObjects _children = new();
    private int _disposed;

    internal IbVerbsProtectionDomain(IbVerbsDevice device, ProtectionDomainHandle handle)
    {
        _device = device;
        Handle = handle;
    }

    public IRdmaDevice Device => _device;

    internal ProtectionDomainHandle Handle { get; }

    // Safe: `memory` is a fresh page-aligned block of `size` >= `length` bytes, cleared in full;
    // RegisterCore frees it if ibv_reg_mr fails, else the MemoryRegionHandle frees it after dereg.
    public unsafe IMemoryRegion AllocateAndRegister(nint length, MemoryAccess access)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        // Page-aligned so the region never shares a page with unrelated managed or native data.
        nuint size = ((nuint)length + PageSize - 1) & ~(PageSize - 1);
        void* memory = NativeMemory.AlignedAlloc(size, PageSize);
        // Safe: `memory` is a fresh allocation of `size` bytes.
        NativeMemory.Clear(memory, size);
        return RegisterCore((nint)memory, length, access, ownsMemory: true);
    }

    public IMemoryRegion Register(nint address, nint length, MemoryAccess access)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfZero(address);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return RegisterCore(address, length, access, ownsMemory: false);
    }

    public IQueuePair CreateQueuePair(QueuePairOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfDisposed();
        var sendCq = AsOwnCompletionQueue(options.SendCompletionQueue, nameof(options.SendCompletionQueue));
        var receiveCq = AsOwnCompletionQueue(options.ReceiveCompletionQueue, nameof(options.ReceiveCompletionQueue));
        var attributes = QueuePairCapacities.From(options);
        var handle = new QueuePairHandle(_device.Provider.Tracker, Handle, sendCq.Handle, receiveCq.Handle);
        nint qp;
        int error;
        // Safe: Handle, sendCq.Handle and receiveCq.Handle, referenced by `handle`, keep the PD and CQ
        // pointers valid; the shim reads the stack local `attributes` only during the call.
        unsafe
        {
            // Safe: `attributes` lives on this stack frame for the duration of the call.
            qp = QueuePairs.CreateRcQp(Handle.Pointer, sendCq.Handle.Pointer, receiveCq.Handle.Pointer, &attributes, out error);
        }

        if (qp == 0)
        {
            handle.Abandon();
            NativeErrors.Throw("ibv_create_qp", -error);
        }

        handle.Attach(qp);
        var queuePair = new IbVerbsQueuePair(handle, options.MaxSendWorkRequests);
        queuePair.Disposed += () => _children.Remove(queuePair);
        return _children.Add(queuePair);
    }

    /// <summary>Disposes every MR and QP created in the domain, then the domain.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _children.DisposeAll();
            Handle.Dispose();
            _device.Children.Remove(this);
        }
    }

    internal static IbVerbsCompletionQueue AsOwnCompletionQueue(ICompletionQueue cq, string name) =>
        cq as IbVerbsCompletionQueue ?? throw new ArgumentException("the completion queue belongs to another provider", name);

    private IbVerbsMemoryRegion RegisterCore(nint address, nint length, MemoryAccess access, bool ownsMemory)
    {
        var handle = new MemoryRegionHandle(_device.Provider.Tracker, Handle, ownsMemory ? address : 0);
        nint mr = Memory.RegisterMr(Handle.Pointer, address, (nuint)length, (int)access);
        if (mr == 0)
        {
            int errno = Marshal.GetLastSystemError();
            handle.Abandon();
            if (ownsMemory)
            {
                // Safe: frees our own AlignedAlloc block exactly once: ibv_reg_mr failed and `handle` was
                // abandoned, so its Destroy (the other free) never runs.
                unsafe
                {
                    // Safe: the allocation was never registered, nothing else refers to it.
                    NativeMemory.AlignedFree((void*)address);
                }
            }

            NativeErrors.Throw($"ibv_reg_mr({length} bytes, {access})", errno);
        }

        handle.Attach(mr);
        var region = new IbVerbsMemoryRegion(handle, address, length, access, Memory.MrLocalKey(mr), Memory.MrRemoteKey(mr));
        region.Disposed += () => _children.Remove(region);
        return _children.Add(region);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);
}

/// <summary>Queue pair sizes in the shim's layout.</summary>
internal static class QueuePairCapacities
{
    internal static ShimQpCreateAttributes From(QueuePairOptions options) => new()
    {
        MaxSendWr = (uint)PositiveOrThrow(options.MaxSendWorkRequests, nameof(options.MaxSendWorkRequests)),
        MaxRecvWr = (uint)PositiveOrThrow(options.MaxReceiveWorkRequests, nameof(options.MaxReceiveWorkRequests)),
        MaxSendSge = (uint)PositiveOrThrow(options.MaxSendScatterGatherEntries, nameof(options.MaxSendScatterGatherEntries)),
        MaxRecvSge = (uint)PositiveOrThrow(options.MaxReceiveScatterGatherEntries, nameof(options.MaxReceiveScatterGatherEntries)),
        MaxInlineData = (uint)Math.Max(0, options.MaxInlineData),
        SignalAllSends = options.SignalAllSends ? 1 : 0,
    };

    private static int PositiveOrThrow(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }

        return value;
    }
}
