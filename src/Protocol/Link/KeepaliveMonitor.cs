using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Link;

/// <summary>
/// Link liveness, sans-IO: after <c>interval</c> of silence from the peer it asks for a <c>Ping</c>; if nothing
/// arrives within <c>timeout</c> of that ping the peer is declared dead. Any frame from the peer counts as life.
/// Times are caller-supplied microseconds on one monotonic clock; the monitor never reads a clock.
/// Tokens are a counter, so a late <c>Pong</c> for an older ping is recognised and ignored.
/// </summary>
public sealed class KeepaliveMonitor
{
    private readonly long _intervalMicros;
    private readonly long _timeoutMicros;
    private long _lastHeardMicros;
    private long _pingSentMicros;
    private ulong _outstandingToken;
    private ulong _lastToken;

    /// <summary>Starts monitoring at <paramref name="nowMicros"/> as if the peer had just been heard.</summary>
    /// <param name="intervalMicros">Silence after which to ping; positive.</param>
    /// <param name="timeoutMicros">How long a ping may go unanswered; positive.</param>
    /// <param name="nowMicros">The current time.</param>
    public KeepaliveMonitor(long intervalMicros, long timeoutMicros, long nowMicros)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalMicros);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeoutMicros);
        _intervalMicros = intervalMicros;
        _timeoutMicros = timeoutMicros;
        _lastHeardMicros = nowMicros;
    }

    /// <summary>Whether the peer was declared dead; final.</summary>
    public bool IsPeerDead { get; private set; }

    /// <summary>Round-trip time measured by the last answered ping, or null before any.</summary>
    public long? LastRoundTripMicros { get; private set; }

    /// <summary>When <see cref="Poll"/> next has something to do.</summary>
    public long NextDeadline => IsPeerDead ? long.MaxValue
        : _outstandingToken != 0 ? _pingSentMicros + _timeoutMicros
        : _lastHeardMicros + _intervalMicros;

    /// <summary>Any valid frame arrived from the peer: it is alive, and an outstanding ping needs no answer.</summary>
    public void OnFrameReceived(long nowMicros)
    {
        if (IsPeerDead)
        {
            return;
        }

        _lastHeardMicros = Math.Max(_lastHeardMicros, nowMicros);
        _outstandingToken = 0;
    }

    /// <summary>
    /// A <c>Pong</c> arrived: measures the round trip if it answers the outstanding ping. Returns
    /// <see cref="VerdictKind.Ignored"/> for a late or unknown token (also counted as life).
    /// </summary>
    public Verdict OnPong(in Pong pong, long nowMicros)
    {
        var answersOutstanding = _outstandingToken != 0 && pong.Token == _outstandingToken;
        if (answersOutstanding)
        {
            LastRoundTripMicros = Math.Max(0, nowMicros - _pingSentMicros);
        }

        OnFrameReceived(nowMicros);
        return answersOutstanding ? Verdict.Accepted : Verdict.Ignored;
    }

    /// <summary>Decides whether to ping or give up at <paramref name="nowMicros"/>.</summary>
    public KeepaliveAction Poll(long nowMicros, out Ping ping)
    {
        ping = default;
        if (IsPeerDead)
        {
            return KeepaliveAction.None;
        }

        if (_outstandingToken != 0)
        {
            if (nowMicros - _pingSentMicros < _timeoutMicros)
            {
                return KeepaliveAction.None;
            }

            IsPeerDead = true;
            return KeepaliveAction.PeerTimedOut;
        }

        if (nowMicros - _lastHeardMicros < _intervalMicros)
        {
            return KeepaliveAction.None;
        }

        _outstandingToken = ++_lastToken;
        _pingSentMicros = nowMicros;
        ping = new Ping(_outstandingToken);
        return KeepaliveAction.SendPing;
    }
}
