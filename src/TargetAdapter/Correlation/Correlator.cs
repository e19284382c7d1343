using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.TargetAdapter.Correlation;

/// <summary>
/// The accelerated path's maps: client 4-tuple → (host link, wq#) and (host link, wq#) → client 4-tuple, kept
/// consistent (an entry is in both or neither). Single-threaded, like the stack that drives it.
/// </summary>
internal sealed class Correlator
{
    private readonly Dictionary<TcpFourTuple, LinkWorkQueue> _byTuple = [];
    private readonly Dictionary<LinkWorkQueue, TcpFourTuple> _byWorkQueue = [];

    public int Count => _byTuple.Count;

    /// <summary>Every entry (for the admin listing).</summary>
    public IEnumerable<(TcpFourTuple Client, int LinkId, uint WorkQueue)> Entries =>
        _byTuple.Select(static e => (e.Key, e.Value.LinkId, e.Value.WorkQueue));

    /// <summary>Records a new accelerated connection; false if either side is already mapped.</summary>
    public bool TryAdd(TcpFourTuple client, int linkId, uint workQueue)
    {
        var key = new LinkWorkQueue(linkId, workQueue);
        if (workQueue == 0 || _byTuple.ContainsKey(client) || _byWorkQueue.ContainsKey(key))
        {
            return false;
        }

        _byTuple.Add(client, key);
        _byWorkQueue.Add(key, client);
        return true;
    }

    public bool TryGetWorkQueue(TcpFourTuple client, out int linkId, out uint workQueue)
    {
        var found = _byTuple.TryGetValue(client, out var key);
        (linkId, workQueue) = (key.LinkId, key.WorkQueue);
        return found;
    }

    public bool TryGetClient(int linkId, uint workQueue, out TcpFourTuple client) =>
        _byWorkQueue.TryGetValue(new LinkWorkQueue(linkId, workQueue), out client);

    /// <summary>True while (link, wq#) names a live connection: a new connection on that link must use another.</summary>
    public bool IsInUse(int linkId, uint workQueue) => _byWorkQueue.ContainsKey(new LinkWorkQueue(linkId, workQueue));

    public bool Remove(TcpFourTuple client)
    {
        if (!_byTuple.Remove(client, out var key))
        {
            return false;
        }

        _byWorkQueue.Remove(key);
        return true;
    }

    private readonly record struct LinkWorkQueue(int LinkId, uint WorkQueue);
}
