using System.Buffers.Binary;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// Posting: work requests are built as a chain of <c>ibv_send_wr</c>/<c>ibv_recv_wr</c> on the
/// stack whose scatter/gather lists point straight into the caller's (pinned) entries, so a post
/// allocates nothing.
/// </summary>
internal sealed partial class IbVerbsQueuePair
{
    /// <summary>Requests chained per native call in a batched post (16 KiB of stack at most).</summary>
    private const int MaxChainLength = 128;

    private int MaxBatch { get; }

    // Safe: all pointers live inside the `fixed` block below (pinned `entries`, stack `wr`), and
    // _handle keeps the QP alive until Dispose (checked first).
    public unsafe void PostSend(in SendWorkRequest request, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        ThrowIfDisposed();
        // Safe: `entries` is pinned by `fixed` for the duration of the native call, which copies the
        // work request into the send queue before returning; `wr` lives on this frame.
        fixed (ScatterGatherEntry* sges = entries)
        {
            IbvSendWr wr = default;
            Fill(ref wr, in request, sges, entries.Length);
            int rc = QueuePairs.PostSend(_handle.Pointer, &wr, out _);
            NativeErrors.ThrowIfNegative(rc, $"ibv_post_send({request.Opcode})");
        }
    }

    // Safe: `chain` holds MaxBatch (<= MaxChainLength) elements and a round fills at most MaxBatch;
    // each request's [FirstEntry, +EntryCount) is bounds-checked against `entries` first.
    public unsafe int PostSend(ReadOnlySpan<SendWorkRequest> requests, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        ThrowIfDisposed();
        foreach (ref readonly var request in requests)
        {
            if (request.FirstEntry < 0 || request.EntryCount < 0 || request.FirstEntry > entries.Length - request.EntryCount)
            {
                throw new ArgumentOutOfRangeException(nameof(requests), $"work request {request.WorkRequestId} names entries [{request.FirstEntry}, +{request.EntryCount}) outside the {entries.Length} given");
            }
        }

        int posted = 0;
        IbvSendWr* chain = stackalloc IbvSendWr[MaxBatch];
        // Safe: the entries are pinned by `fixed` while the native calls run; each chain element
        // points only into them and into `chain`, which lives on this frame.
        fixed (ScatterGatherEntry* sges = entries)
        {
            while (posted < requests.Length)
            {
                int count = Math.Min(MaxBatch, requests.Length - posted);
                for (int i = 0; i < count; i++)
                {
                    ref readonly var request = ref requests[posted + i];
                    chain[i] = default;
                    Fill(ref chain[i], in request, sges + request.FirstEntry, request.EntryCount);
                    chain[i].Next = i + 1 < count ? &chain[i + 1] : null;
                }

                int rc = QueuePairs.PostSend(_handle.Pointer, chain, out IbvSendWr* bad);
                if (rc != 0)
                {
                    return posted + (bad == null ? 0 : (int)(bad - chain));
                }

                posted += count;
            }
        }

        return posted;
    }

    // Safe: `wr` and its SgList point only at this frame and the pinned `entries`, for the duration
    // of ibv_post_recv; _handle keeps the QP alive until Dispose (checked first).
    public unsafe void PostReceive(ulong workRequestId, ReadOnlySpan<ScatterGatherEntry> entries)
    {
        ThrowIfDisposed();
        // Safe: as in PostSend, the entries are pinned for the call and the request lives on this frame.
        fixed (ScatterGatherEntry* sges = entries)
        {
            IbvRecvWr wr = default;
            wr.WrId = workRequestId;
            wr.SgList = sges;
            wr.NumSge = entries.Length;
            int rc = QueuePairs.PostReceive(_handle.Pointer, &wr, out _);
            NativeErrors.ThrowIfNegative(rc, "ibv_post_recv");
        }
    }

    // Safe: only stores `sges` into `wr` without dereferencing it; callers pass pointers into entries
    // they keep pinned by `fixed` for the post.
    private static unsafe void Fill(ref IbvSendWr wr, in SendWorkRequest request, ScatterGatherEntry* sges, int count)
    {
        wr.WrId = request.WorkRequestId;
        wr.SgList = count == 0 ? null : sges;
        wr.NumSge = count;
        wr.Opcode = (int)request.Opcode;
        wr.SendFlags = (uint)request.Options;
        wr.ImmData = BinaryPrimitives.ReverseEndianness(request.ImmediateData);
        wr.RemoteAddr = request.RemoteAddress;
        wr.RKey = request.RemoteKey;
    }
}
