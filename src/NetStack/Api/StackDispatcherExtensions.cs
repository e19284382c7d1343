namespace RdmaOffload.NetStack.Api;

/// <summary>Helpers over <see cref="IStackDispatcher"/>.</summary>
public static class StackDispatcherExtensions
{
    /// <summary>Runs <paramref name="work"/> on the stack's thread and returns its result.</summary>
    public static Task<T> InvokeAsync<T>(this IStackDispatcher dispatcher, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(work);
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.Post(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                completion.SetException(e);
            }
        });
        return completion.Task;
    }
}
