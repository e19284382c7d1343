using RdmaOffload.Verbs.IbVerbs.Handles;

namespace RdmaOffload.Verbs.Tests;

/// <summary>Children hold their parents alive: native objects are destroyed children first, whatever the disposal order.</summary>
public sealed class NativeObjectHandleTests
{
    private sealed class RecordingHandle(ResourceTracker tracker, string name, List<string> destroyed, params RecordingHandle[] parents)
        : NativeObjectHandle(tracker, ResourceKind.QueuePair, parents)
    {
        protected override bool Destroy(nint pointer)
        {
            destroyed.Add(name);
            return true;
        }
    }

    [Test]
    public void Disposing_the_parent_first_defers_its_destruction_until_the_child_is_gone()
    {
        var tracker = new ResourceTracker();
        var destroyed = new List<string>();
        var context = Create(tracker, "context", destroyed);
        var pd = Create(tracker, "pd", destroyed, context);
        var cq = Create(tracker, "cq", destroyed, context);
        var qp = Create(tracker, "qp", destroyed, pd, cq);
        Assert.That(tracker.Count(ResourceKind.QueuePair), Is.EqualTo(4));

        context.Dispose();
        pd.Dispose();
        cq.Dispose();
        Assert.That(destroyed, Is.Empty, "the QP still holds its PD and CQ, which hold the context");

        qp.Dispose();
        Assert.That(string.Join(",", destroyed), Is.EqualTo("qp,pd,cq,context").Or.EqualTo("qp,cq,pd,context"));
        Assert.That(tracker.Count(ResourceKind.QueuePair), Is.Zero);
    }

    [Test]
    public void An_abandoned_handle_gives_its_parent_references_back()
    {
        var tracker = new ResourceTracker();
        var destroyed = new List<string>();
        var context = Create(tracker, "context", destroyed);
        var failed = new RecordingHandle(tracker, "failed", destroyed, context);
        failed.Abandon();
        failed.Dispose();

        context.Dispose();
        Assert.That(string.Join(",", destroyed), Is.EqualTo("context"), "the failed child was never created, so only the context is destroyed");
        Assert.That(tracker.Count(ResourceKind.QueuePair), Is.Zero);
    }

    [Test]
    public void Creating_a_child_of_a_disposed_parent_throws()
    {
        var tracker = new ResourceTracker();
        var destroyed = new List<string>();
        var context = Create(tracker, "context", destroyed);
        context.Dispose();
        Assert.That(() => new RecordingHandle(tracker, "late", destroyed, context), Throws.InstanceOf<ObjectDisposedException>());
    }

    private static RecordingHandle Create(ResourceTracker tracker, string name, List<string> destroyed, params RecordingHandle[] parents)
    {
        var handle = new RecordingHandle(tracker, name, destroyed, parents);
        handle.Attach(0x1000 + name.Length);
        return handle;
    }
}
