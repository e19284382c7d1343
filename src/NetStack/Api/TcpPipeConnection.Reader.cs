using System.IO.Pipelines;

namespace RdmaOffload.NetStack.Api;

public sealed partial class TcpPipeConnection
{
    /// <summary>Wraps the input pipe's reader to learn how many bytes the application consumed.</summary>
    private sealed class CreditReturningReader(PipeReader inner, TcpPipeConnection owner) : PipeReader
    {
        private System.Buffers.ReadOnlySequence<byte> _lastBuffer;

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            var consumedBytes = _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
            _lastBuffer = default;
            inner.AdvanceTo(consumed, examined);
            owner.ReturnCredit(consumedBytes);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            _lastBuffer = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (inner.TryRead(out result))
            {
                _lastBuffer = result.Buffer;
                return true;
            }

            return false;
        }
    }
}
