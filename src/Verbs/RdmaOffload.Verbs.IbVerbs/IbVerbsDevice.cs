using System.Net;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>An opened device (<c>ibv_context</c>): ports, GIDs, and the factory of PDs and CQs.</summary>
internal sealed class IbVerbsDevice : IRdmaDevice
{
    private readonly ChildObjects _children = new();
    private int _disposed;

    internal IbVerbsDevice(IbVerbsProvider provider, ContextHandle context, string name)
    {
        Provider = provider;
        Context = context;
        Name = name;
        Attributes = QueryAttributes(context);
    }

    public string Name { get; }

    public DeviceAttributes Attributes { get; }

    internal IbVerbsProvider Provider { get; }

    internal ContextHandle Context { get; }

    internal ChildObjects Children => _children;

    // Safe: `native` is a stack local the shim fills during the call; the context pointer is live
    // because the device (which owns Context) is checked not disposed first.
    public unsafe PortAttributes QueryPort(byte portNumber)
    {
        ThrowIfDisposed();
        ShimPortAttributes native;
        NativeErrors.ThrowIfNegative(Devices.QueryPort(Context.Pointer, portNumber, &native), $"ibv_query_port({Name}, {portNumber})");
        return new PortAttributes(
            (PortState)native.State,
            (PathMtu)native.MaxMtu,
            (PathMtu)native.ActiveMtu,
            native.GidTableLength,
            native.LinkLayer switch
            {
                IbvConstants.LinkLayerInfiniBand => RdmaTransport.InfiniBand,
                IbvConstants.LinkLayerEthernet => RdmaTransport.Ethernet,
                _ => RdmaTransport.Unknown,
            });
    }

    // Safe: `raw` is a 16-byte stackalloc, the size of the ibv_gid that ibv_query_gid writes, and
    // is read only when the call succeeded.
    public unsafe Gid QueryGid(byte portNumber, int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        byte* raw = stackalloc byte[16];
        int rc = Devices.QueryGid(Context.Pointer, portNumber, index, raw);
        if (rc != 0)
        {
            throw new RdmaException($"ibv_query_gid({Name}, port {portNumber}, index {index}) failed");
        }

        return new Gid(new ReadOnlySpan<byte>(raw, 16));
    }

    public int? FindGidIndex(byte portNumber, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ThrowIfDisposed();
        var wanted = Gid.FromIPAddress(address);
        int length = QueryPort(portNumber).GidTableLength;
        int? firstMatch = null;
        for (int index = 0; index < length; index++)
        {
            Gid gid;
            try
            {
                gid = QueryGid(portNumber, index);
            }
            catch (RdmaException)
            {
                continue; // unpopulated entries may fail on some kernels
            }

            if (gid != wanted)
            {
                continue;
            }

            string? type = GidType(portNumber, index);
            if (type is null || type.Contains("v2", StringComparison.OrdinalIgnoreCase))
            {
                return index; // RoCEv2 entry (or no type information: take the first match)
            }

            firstMatch ??= index;
        }

        return firstMatch;
    }

    public IProtectionDomain AllocateProtectionDomain()
    {
        ThrowIfDisposed();
        var handle = new ProtectionDomainHandle(Provider.Tracker, Context);
        nint pd = Memory.AllocatePd(Context.Pointer);
        if (pd == 0)
        {
            handle.Abandon();
            throw new RdmaException($"ibv_alloc_pd({Name}) failed");
        }

        handle.Attach(pd);
        return _children.Add(new IbVerbsProtectionDomain(this, handle));
    }

    public ICompletionQueue CreateCompletionQueue(int minimumEntries)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumEntries);
        return _children.Add(IbVerbsCompletionQueue.Create(this, minimumEntries));
    }

    /// <summary>Disposes every PD and CQ created from the device, then gives up the context.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _children.DisposeAll();
            Context.Dispose();
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    private string? GidType(byte portNumber, int index)
    {
        try
        {
            return File.ReadAllText($"/sys/class/infiniband/{Name}/ports/{portNumber}/gid_attrs/types/{index}").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Safe: `native` is a stack local the shim fills during the call; `context` is the handle the
    // device is being constructed with, so it is alive.
    private static unsafe DeviceAttributes QueryAttributes(ContextHandle context)
    {
        ShimDeviceAttributes native;
        NativeErrors.ThrowIfNegative(Devices.QueryDevice(context.Pointer, &native), "ibv_query_device");
        return new DeviceAttributes(
            native.MaxQp,
            native.MaxQpWr,
            native.MaxSge,
            native.MaxCq,
            native.MaxCqe,
            native.MaxMr,
            native.MaxMrSize,
            native.MaxQpRdAtom);
    }
}
