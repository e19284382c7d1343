namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// The objects created from a parent (device → PDs, CQs; PD → MRs, QPs), so disposing the parent
/// disposes them. Native destruction order is guaranteed by the handles' parent references; this
/// only makes "dispose the device" release everything, as the API promises.
/// </summary>
internal sealed class ChildObjects
{
    private readonly object _lock = new();
    private readonly HashSet<IDisposable> _children = new(ReferenceEqualityComparer.Instance);
    private bool _closed;

    internal T Add<T>(T child)
        where T : IDisposable
    {
        lock (_lock)
        {
            if (!_closed)
            {
                _children.Add(child);
                return child;
            }
        }

        child.Dispose();
        throw new ObjectDisposedException(nameof(ChildObjects), "the parent object is disposed");
    }

    internal void Remove(IDisposable child)
    {
        lock (_lock)
        {
            _children.Remove(child);
        }
    }

    internal void DisposeAll()
    {
        IDisposable[] children;
        lock (_lock)
        {
            _closed = true;
            children = [.. _children];
            _children.Clear();
        }

        // Children first in reverse creation order is not needed: handle references order the native side.
        foreach (var child in children)
        {
            child.Dispose();
        }
    }
}
