using System.Security.Cryptography;

namespace RdmaOffload.Verbs.RxeInteropPeer;

/// <summary>
/// One side of the interop test, on any provider: a PD, a CQ, an RC QP and one registered region that
/// the peer may read and write. Both the kernel-rxe side (ibverbs) and the managed side use this class,
/// so the two sides differ only in their provider.
/// </summary>
public sealed class InteropEndpoint : IDisposable
{
    /// <summary>Largest transfer: the region's size.</summary>
    public const int RegionSize = 16 << 20;

    private const MemoryAccess Access = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromSeconds(120);

    private readonly IRdmaDevice _device;
    private readonly IProtectionDomain _pd;
    private readonly ICompletionQueue _cq;
    private readonly IQueuePair _qp;
    private readonly IMemoryRegion _region;
    private readonly int _gidIndex;
    private readonly uint _psn;
    private QueuePairEndpoint _remote;
    private ulong _nextId = 1;

    /// <summary>Opens the device and creates the QP (in INIT) and the region.</summary>
    public InteropEndpoint(IRdmaDevice device, System.Net.IPAddress address, uint psn)
    {
        _device = device;
        _gidIndex = device.FindGidIndex(1, address)
            ?? throw new RdmaException($"device {device.Name} has no GID for {address}");
        _psn = psn;
        _pd = device.AllocateProtectionDomain();
        _cq = device.CreateCompletionQueue(256);
        _qp = _pd.CreateQueuePair(new QueuePairOptions { SendCompletionQueue = _cq, ReceiveCompletionQueue = _cq, MaxSendWorkRequests = 64, MaxReceiveWorkRequests = 64 });
        _region = _pd.AllocateAndRegister(RegionSize, Access);
        _qp.ModifyToInit(1, Access);
    }

    /// <summary>What the peer needs: QPN, PSN, GID and our region.</summary>
    public QueuePairEndpoint LocalEndpoint => new(
        _qp.QueuePairNumber, _psn, _device.QueryGid(1, _gidIndex), 0, (ulong)_region.Address, _region.RemoteKey, (ulong)_region.Length);

    /// <summary>Connects to the peer's endpoint (INIT → RTR → RTS) with a 1024-byte path MTU.</summary>
    public void Connect(QueuePairEndpoint remote)
    {
        _remote = remote;
        _qp.ModifyToReadyToReceive(ReadyToReceiveAttributes.ForRoce(remote, _gidIndex, PathMtu.Mtu1024));
        _qp.ModifyToReadyToSend(ReadyToSendAttributes.Default(_psn));
    }

    /// <summary>Fills the first <paramref name="length"/> bytes of the region with a seeded pattern.</summary>
    public void Fill(int seed, int length) => new Random(seed).NextBytes(_region.Span[..length]);

    /// <summary>Clears the region so a transfer that did nothing cannot pass.</summary>
    public void Clear(int length) => _region.Span[..length].Fill(0xEE);

    /// <summary>SHA-256 of the region's first <paramref name="length"/> bytes, hex.</summary>
    public string Hash(int length) => Convert.ToHexString(SHA256.HashData(_region.Span[..length]));

    /// <summary>RDMA READ of the peer's region [0, length) into ours.</summary>
    public Task<WorkCompletion> ReadAsync(int length) => PostAndWaitAsync(SendOpcode.RdmaRead, length, 0);

    /// <summary>RDMA WRITE of our region [0, length) into the peer's.</summary>
    public Task<WorkCompletion> WriteAsync(int length) => PostAndWaitAsync(SendOpcode.RdmaWrite, length, 0);

    /// <summary>SEND with immediate of our region [0, length).</summary>
    public Task<WorkCompletion> SendAsync(int length, uint immediate) => PostAndWaitAsync(SendOpcode.SendWithImmediate, length, immediate);

    /// <summary>Posts a RECV for up to <paramref name="length"/> bytes into our region.</summary>
    public void PostReceive(int length) => _qp.PostReceive(_nextId++, [_region.Slice(0, length)]);

    /// <summary>Waits for the next completion (e.g. of a posted RECV).</summary>
    public async Task<WorkCompletion> WaitAsync()
    {
        var buffer = new WorkCompletion[1];
        using var deadline = new CancellationTokenSource(CompletionTimeout);
        while (true)
        {
            if (_cq.Poll(buffer) == 1)
            {
                return buffer[0];
            }

            await _cq.WaitAsync(0, deadline.Token).ConfigureAwait(false);
        }
    }

    private Task<WorkCompletion> PostAndWaitAsync(SendOpcode opcode, int length, uint immediate)
    {
        var request = new SendWorkRequest
        {
            WorkRequestId = _nextId++,
            Opcode = opcode,
            Options = SendOptions.Signaled,
            ImmediateData = immediate,
            RemoteAddress = _remote.RegionAddress,
            RemoteKey = _remote.RegionRemoteKey,
        };
        _qp.PostSend(request, length == 0 ? [] : [_region.Slice(0, length)]);
        return WaitAsync();
    }

    /// <summary>
    /// The queue pair's transport counters as "name=value" pairs, when its provider keeps them (managed-roce does, on
    /// its QP type; read by reflection so this class stays provider-neutral), else "none".
    /// </summary>
    public string DescribeTransportCounters()
    {
        var counters = _qp.GetType().GetProperty("Counters")?.GetValue(_qp);
        if (counters is null)
        {
            return "none";
        }

        var properties = counters.GetType().GetProperties();
        string numbers = string.Join(' ', properties.Where(p => p.PropertyType == typeof(long)).Select(p => $"{p.Name}={p.GetValue(counters)}"));
        string notes = string.Join("; ", properties.Where(p => p.PropertyType == typeof(string)).Select(p => $"{p.Name}: {p.GetValue(counters) ?? "none"}"));
        return notes.Length == 0 ? numbers : $"{numbers}; {notes}";
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _qp.Dispose();
        _region.Dispose();
        _cq.Dispose();
        _pd.Dispose();
    }
}
