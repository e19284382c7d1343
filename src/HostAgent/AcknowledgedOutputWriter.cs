using System.IO.Pipelines;

namespace RdmaOffload.HostAgent;

/// <summary>
/// The application's side of a connection's output pipe, with back-pressure counted in unacknowledged bytes:
/// a flush waits while the bytes flushed but not yet acknowledged by the client reach the pause threshold, and
/// resumes below half of it. (A <see cref="Pipe"/> releases back-pressure for bytes its reader has merely
/// examined, and the send loop examines bytes long before the client acknowledges them.)
/// </summary>
internal sealed class AcknowledgedOutputWriter(PipeWriter inner, AcceleratedConnection connection, long pauseThreshold) : PipeWriter
{
    private long _unflushed;

    public long FlushedBytes { get; private set; }

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        inner.Advance(bytes);
        _unflushed += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override void CancelPendingFlush()
    {
        inner.CancelPendingFlush();
        connection.CancelOutputWait();
    }

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        FlushedBytes += _unflushed;
        _unflushed = 0;
        var flush = inner.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully && !connection.MustWaitForAcknowledgments(FlushedBytes, pauseThreshold, out _))
        {
            return flush;
        }

        return WaitAsync(flush, cancellationToken);
    }

    private async ValueTask<FlushResult> WaitAsync(ValueTask<FlushResult> flush, CancellationToken cancellationToken)
    {
        var result = await flush.ConfigureAwait(false);
        while (!result.IsCompleted && !result.IsCanceled && connection.MustWaitForAcknowledgments(FlushedBytes, pauseThreshold, out var resumed))
        {
            if (!await resumed.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                return new FlushResult(isCanceled: true, isCompleted: false);
            }
        }

        return result;
    }
}
