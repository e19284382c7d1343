using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Memory;

/// <summary>
/// A <see cref="MemoryPool{T}"/> whose blocks live in slabs registered with a link's protection domain for remote
/// READ, so bytes written into them can be sent without a copy: the adapter RDMA-READs them. Blocks are all
/// <see cref="BlockSize"/> bytes, which is the true <see cref="MaxBufferSize"/> (System.IO.Pipelines takes larger
/// segments from the unregistered array pool instead). The pool grows a slab at a time up to
/// <see cref="RegisteredMemoryPoolOptions.MaxSlabs"/>; past that it hands out unregistered blocks, which the send
/// path copies. Thread-safe.
/// </summary>
public sealed class RegisteredMemoryPool : MemoryPool<byte>
{
    private readonly IProtectionDomain _domain;
    private readonly RegisteredMemoryPoolOptions _options;
    private readonly Lock _gate = new();
    private readonly Stack<RegisteredBlock> _free = new();
    private readonly List<RegisteredSlab> _slabs = [];
    private readonly List<RegisteredRegion> _regions = [];
    private long _rented;
    private long _leaked;
    private long _unregisteredRents;
    private bool _disposed;

    /// <summary>A pool registering its slabs in <paramref name="domain"/>; no memory is registered until the first rent.</summary>
    public RegisteredMemoryPool(IProtectionDomain domain, RegisteredMemoryPoolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(domain);
        _options = options ?? new RegisteredMemoryPoolOptions();
        _options.Validate();
        _domain = domain;
    }

    /// <summary>A rented block was collected without being returned (raised on the finalizer thread).</summary>
    public event EventHandler<RegisteredBlockLeakedEventArgs>? BlockLeaked;

    /// <summary>Size of every block.</summary>
    public int BlockSize => _options.BlockSize;

    /// <summary>Every block is <see cref="BlockSize"/> bytes: a larger request cannot be served from registered memory.</summary>
    public override int MaxBufferSize => _options.BlockSize;

    /// <summary>Slabs registered so far.</summary>
    public int SlabCount
    {
        get
        {
            lock (_gate)
            {
                return _slabs.Count;
            }
        }
    }

    /// <summary>Registered blocks rented and not yet returned.</summary>
    public long RentedBlocks => Interlocked.Read(ref _rented);

    /// <summary>Blocks that were collected without being returned.</summary>
    public long LeakedBlocks => Interlocked.Read(ref _leaked);

    /// <summary>Rents served with unregistered memory because every slab was in use at the bound.</summary>
    public long UnregisteredRents => Interlocked.Read(ref _unregisteredRents);

    /// <summary>
    /// A block of <see cref="BlockSize"/> bytes, registered unless the pool is at its bound (or disposed), in which
    /// case it is ordinary memory. Dispose the owner to return it.
    /// </summary>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, _options.BlockSize);
        RegisteredBlock? block;
        lock (_gate)
        {
            if (!_free.TryPop(out block) && !_disposed && _slabs.Count < _options.MaxSlabs)
            {
                AddSlabLocked();
                block = _free.Pop();
            }
        }

        if (block is null)
        {
            Interlocked.Increment(ref _unregisteredRents);
            return new UnregisteredBlock(_options.BlockSize);
        }

        if (!block.TryMarkRented(_options.CaptureRenterStacks ? new StackTrace(1, fNeedFileInfo: true).ToString() : null))
        {
            throw new InvalidOperationException("A free block was already rented.");
        }

        Interlocked.Increment(ref _rented);
        return block;
    }

    /// <summary>
    /// Registered memory the application owns (for example a file's bytes served many times): it can be sent with
    /// <c>AcceleratedConnection.SendAsync</c> without a copy. Dispose the owner to deregister it.
    /// </summary>
    public IMemoryOwner<byte> AllocateRegion(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var region = new RegisteredRegion(this, new RegisteredSlab(_domain, length), length);
            _regions.Add(region);
            return region;
        }
    }

    /// <summary>
    /// The registered address and rkey of <paramref name="memory"/>'s first byte, if it lies in memory this pool
    /// registered (a rented block or an allocated region, or any slice of them) and is still registered.
    /// </summary>
    public bool TryGetRemote(ReadOnlyMemory<byte> memory, out ulong address, out uint remoteKey)
    {
        if (MemoryMarshal.TryGetMemoryManager(memory, out RegisteredMemoryManager? manager, out int start, out _)
            && ReferenceEquals(manager.Pool, this))
        {
            return manager.TryGetRemote(start, out address, out remoteKey);
        }

        address = 0;
        remoteKey = 0;
        return false;
    }

    internal void Return(RegisteredBlock block)
    {
        Interlocked.Decrement(ref _rented);
        lock (_gate)
        {
            if (!_disposed)
            {
                _free.Push(block);
            }
        }
    }

    internal void Forget(RegisteredRegion region)
    {
        lock (_gate)
        {
            _regions.Remove(region);
        }
    }

    /// <summary>
    /// Called by a collected block's finalizer. Its slot is not reused: a span over it may outlive the block object,
    /// so a leak costs capacity (reported here) rather than risking two owners of the same bytes.
    /// </summary>
    internal void OnLeaked(RegisteredBlock block)
    {
        Interlocked.Decrement(ref _rented);
        Interlocked.Increment(ref _leaked);
        try
        {
            BlockLeaked?.Invoke(this, new RegisteredBlockLeakedEventArgs(block.RenterStack));
        }
#pragma warning disable CA1031 // an observer's failure must not kill the finalizer thread
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Deregisters every slab and region; memory still rented stays valid but is no longer registered.</summary>
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        RegisteredSlab[] slabs;
        RegisteredRegion[] regions;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            slabs = [.. _slabs];
            regions = [.. _regions];
            _free.Clear();
        }

        foreach (var slab in slabs)
        {
            slab.Dispose();
        }

        foreach (var region in regions)
        {
            region.Deregister();
        }
    }

    private void AddSlabLocked()
    {
        var slab = new RegisteredSlab(_domain, _options.BlockSize * _options.BlocksPerSlab);
        _slabs.Add(slab);

        // Pushed in reverse so blocks are handed out in address order: consecutive rents are often contiguous,
        // and the send path merges contiguous segments into one descriptor.
        for (int i = _options.BlocksPerSlab - 1; i >= 0; i--)
        {
            _free.Push(new RegisteredBlock(this, slab, i));
        }
    }

    /// <summary>Served when the pool is at its bound: ordinary memory, sent by copy.</summary>
    private sealed class UnregisteredBlock(int size) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = new byte[size];

        public void Dispose()
        {
        }
    }
}
