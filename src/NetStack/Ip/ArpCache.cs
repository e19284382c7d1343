using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Ip;

/// <summary>IPv4 → MAC mappings with expiry, plus per-address request pacing. Bounded: when full, expired entries are purged first, then the oldest.</summary>
internal sealed class ArpCache
{
    private readonly Dictionary<Ipv4Address, Entry> _entries = [];
    private readonly Dictionary<Ipv4Address, long> _lastRequest = [];
    private readonly long _lifetime;
    private readonly int _capacity;

    public ArpCache(long lifetime, int capacity)
    {
        _lifetime = lifetime;
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    public bool TryGet(Ipv4Address address, long now, out MacAddress mac)
    {
        if (_entries.TryGetValue(address, out var entry) && entry.ExpiresAt > now)
        {
            mac = entry.Mac;
            return true;
        }

        mac = default;
        return false;
    }

    /// <summary>Records or refreshes a mapping.</summary>
    public void Update(Ipv4Address address, MacAddress mac, long now)
    {
        if (!_entries.ContainsKey(address) && _entries.Count >= _capacity)
        {
            Purge(now);
        }

        _entries[address] = new Entry(mac, now + _lifetime);
        _lastRequest.Remove(address);
    }

    /// <summary>Refreshes a mapping only if one exists (RFC 826 merge step).</summary>
    public bool UpdateIfPresent(Ipv4Address address, MacAddress mac, long now)
    {
        if (!_entries.ContainsKey(address))
        {
            return false;
        }

        _entries[address] = new Entry(mac, now + _lifetime);
        return true;
    }

    /// <summary>True when a request for <paramref name="address"/> may be sent now (paced per address).</summary>
    public bool ShouldRequest(Ipv4Address address, long now, long interval)
    {
        if (_lastRequest.TryGetValue(address, out var last) && now - last < interval)
        {
            return false;
        }

        if (_lastRequest.Count >= _capacity)
        {
            _lastRequest.Clear();
        }

        _lastRequest[address] = now;
        return true;
    }

    private void Purge(long now)
    {
        var oldest = default(Ipv4Address);
        var oldestExpiry = long.MaxValue;
        List<Ipv4Address>? expired = null;
        foreach (var (address, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                (expired ??= []).Add(address);
            }
            else if (entry.ExpiresAt < oldestExpiry)
            {
                oldestExpiry = entry.ExpiresAt;
                oldest = address;
            }
        }

        if (expired is not null)
        {
            foreach (var address in expired)
            {
                _entries.Remove(address);
            }
        }
        else if (oldestExpiry != long.MaxValue)
        {
            _entries.Remove(oldest);
        }
    }

    private readonly record struct Entry(MacAddress Mac, long ExpiresAt);
}
