using System.Buffers.Binary;
using System.Runtime.InteropServices;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// The <c>ibverbs</c> fabric provider: libibverbs and librdmacm through <c>LibraryImport</c>
/// bindings and the <c>librdmaoffload_shim</c> C library. Works with any libibverbs device
/// (hardware, kernel SoftRoCE <c>rdma_rxe</c>, <c>siw</c>).
/// </summary>
public sealed class IbVerbsProvider : IFabricProvider, IFabricResourceCounter
{
    private readonly ResourceTracker _tracker = new();
    private readonly ReadinessDispatcher _dispatcher = new();
    private int _disposed;

    /// <inheritdoc/>
    public string Name => "ibverbs";

    internal ResourceTracker Tracker => _tracker;

    internal ReadinessDispatcher Dispatcher => _dispatcher;

    /// <inheritdoc/>
    public IReadOnlyList<RdmaDeviceInfo> GetDevices()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var devices = new List<RdmaDeviceInfo>();
        VisitDevices((device, info) =>
        {
            devices.Add(info);
            return false;
        });
        return devices;
    }

    /// <inheritdoc/>
    public IRdmaDevice OpenDevice(string? name = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        IRdmaDevice? opened = null;
        var seen = new List<string>();
        VisitDevices((device, info) =>
        {
            seen.Add(info.Name);
            if (name is not null && info.Name != name)
            {
                return false;
            }

            var context = new ContextHandle(_tracker, owned: true);
            nint pointer = Devices.OpenDevice(device);
            if (pointer == 0)
            {
                context.Abandon();
                throw new RdmaException($"ibv_open_device({info.Name})", Marshal.GetLastSystemError());
            }

            context.Attach(pointer);
            opened = new IbVerbsDevice(this, context, info.Name);
            return true;
        });

        return opened ?? throw new RdmaException(seen.Count == 0
            ? "ibverbs: no RDMA devices found (no hardware, and no SoftRoCE device: modprobe rdma_rxe; rdma link add rxe0 type rxe netdev <if>)"
            : $"ibverbs: no RDMA device named '{name}' (found: {string.Join(", ", seen)})");
    }

    /// <inheritdoc/>
    public IConnectionManager CreateConnectionManager()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new IbVerbsConnectionManager(this);
    }

    /// <inheritdoc/>
    public FabricResourceCounts GetLiveResourceCounts() => _tracker.Snapshot();

    /// <summary>Stops the event thread. Objects still open keep working for polling but no longer wake waiters.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _dispatcher.Dispose();
        }
    }

    /// <summary>Device info for a device pointer of the current list.</summary>
    internal static RdmaDeviceInfo DescribeDevice(nint device)
    {
        string name = Marshal.PtrToStringUTF8(Devices.GetDeviceName(device)) ?? "?";
        ulong guid = BinaryPrimitives.ReverseEndianness(Devices.GetDeviceGuid(device));
        var transport = Devices.DeviceTransport(device) switch
        {
            IbvConstants.TransportIwarp => RdmaTransport.Iwarp,
            IbvConstants.TransportIb => LinkLayerFromSysfs(name),
            _ => RdmaTransport.Unknown,
        };
        return new RdmaDeviceInfo(name, guid, transport);
    }

    private static RdmaTransport LinkLayerFromSysfs(string deviceName)
    {
        try
        {
            string layer = File.ReadAllText($"/sys/class/infiniband/{deviceName}/ports/1/link_layer").Trim();
            return layer switch
            {
                "Ethernet" => RdmaTransport.Ethernet,
                "InfiniBand" => RdmaTransport.InfiniBand,
                _ => RdmaTransport.Unknown,
            };
        }
        catch (IOException)
        {
            return RdmaTransport.Unknown;
        }
        catch (UnauthorizedAccessException)
        {
            return RdmaTransport.Unknown;
        }
    }

    /// <summary>Walks the device list until <paramref name="visit"/> returns true; frees the list.</summary>
    private static unsafe void VisitDevices(Func<nint, RdmaDeviceInfo, bool> visit)
    {
        nint* list;
        int count;
        try
        {
            list = Devices.GetDeviceList(out count);
        }
        catch (DllNotFoundException e)
        {
            throw new RdmaException("ibverbs: libibverbs.so.1 or librdmaoffload_shim.so cannot be loaded (run scripts/install-deps build)", e);
        }

        if (list == null)
        {
            return; // no RDMA subsystem in this kernel: no devices
        }

        try
        {
            // Safe: ibv_get_device_list returned an array of `count` device pointers, valid until freed below.
            for (int i = 0; i < count; i++)
            {
                if (visit(list[i], DescribeDevice(list[i])))
                {
                    return;
                }
            }
        }
        finally
        {
            Devices.FreeDeviceList(list);
        }
    }
}
