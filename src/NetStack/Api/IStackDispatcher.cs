namespace RdmaOffload.NetStack.Api;

/// <summary>
/// The thread that owns a <see cref="NetworkStack"/>. Code on other threads touches the stack or its connections only
/// through <see cref="Post"/>. <see cref="Tap.NetStackHost"/> is the production implementation.
/// </summary>
public interface IStackDispatcher
{
    /// <summary>The stack (use it only from posted work or stack callbacks).</summary>
    NetworkStack Stack { get; }

    /// <summary>Runs <paramref name="work"/> on the stack's thread, after which the stack is polled.</summary>
    void Post(Action work);
}
