using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Handles;

/// <summary>
/// A native verbs object. The handle holds a reference on each parent (taken with
/// <see cref="SafeHandle.DangerousAddRef"/> when constructed, released after the object is
/// destroyed), so children are always destroyed before their parents, whatever order the owning
/// managed objects are disposed in.
/// </summary>
internal abstract class NativeObjectHandle : SafeHandle
{
    private readonly SafeHandle[] _parents;
    private readonly ResourceTracker _tracker;
    private readonly ResourceKind _kind;

    protected NativeObjectHandle(ResourceTracker tracker, ResourceKind kind, params SafeHandle[] parents)
        : base(0, ownsHandle: true)
    {
        _tracker = tracker;
        _kind = kind;
        _parents = parents;
        int referenced = 0;
        try
        {
            foreach (var parent in parents)
            {
                bool added = false;
                parent.DangerousAddRef(ref added);
                referenced++;
            }
        }
        catch
        {
            for (int i = 0; i < referenced; i++)
            {
                parents[i].DangerousRelease();
            }

            SetHandleAsInvalid();
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The native pointer (valid while the handle is alive; callers keep it alive).</summary>
    internal nint Pointer => handle;

    /// <summary>Takes ownership of a freshly created native object.</summary>
    internal void Attach(nint pointer)
    {
        SetHandle(pointer);
        _tracker.Created(_kind);
    }

    /// <summary>Creation failed: gives the parent references back.</summary>
    internal void Abandon()
    {
        SetHandleAsInvalid();
        ReleaseParents();
    }

    /// <summary>Destroys the native object.</summary>
    protected abstract bool Destroy(nint pointer);

    /// <inheritdoc/>
    protected sealed override bool ReleaseHandle()
    {
        bool destroyed = Destroy(handle);
        _tracker.Released(_kind);
        ReleaseParents();
        return destroyed;
    }

    private void ReleaseParents()
    {
        foreach (var parent in _parents)
        {
            parent.DangerousRelease();
        }
    }
}
