using System.Globalization;

namespace RdmaOffload.Verbs.RxeInteropPeer;

/// <summary>The peer's line protocol: one command in, one line out.</summary>
public static class PeerCommands
{
    /// <summary>Executes one command line against the endpoint and returns the reply line.</summary>
    public static async Task<string> ExecuteAsync(InteropEndpoint endpoint, string line)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(line);
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Arg(int i) => i < words.Length
            ? int.Parse(words[i], CultureInfo.InvariantCulture)
            : throw new FormatException($"'{words[0]}' needs {i} argument(s)");
        switch (words.FirstOrDefault())
        {
            case "endpoint":
                return "endpoint " + EncodeEndpoint(endpoint.LocalEndpoint);
            case "connect" when words.Length == 2:
                endpoint.Connect(DecodeEndpoint(words[1]));
                return "ok";
            case "fill":
                endpoint.Fill(Arg(1), Arg(2));
                return "ok";
            case "clear":
                endpoint.Clear(Arg(1));
                return "ok";
            case "hash":
                return "hash " + endpoint.Hash(Arg(1));
            case "read":
                return Done(endpoint, await endpoint.ReadAsync(Arg(1)).ConfigureAwait(false));
            case "write":
                return Done(endpoint, await endpoint.WriteAsync(Arg(1)).ConfigureAwait(false));
            case "send":
                return Done(endpoint, await endpoint.SendAsync(Arg(1), uint.Parse(words[2], CultureInfo.InvariantCulture)).ConfigureAwait(false));
            case "recv":
                endpoint.PostReceive(Arg(1));
                return "ok";
            case "wait":
                return Done(await endpoint.WaitAsync().ConfigureAwait(false));
            default:
                throw new FormatException($"unknown command '{line}'");
        }
    }

    /// <summary><see cref="Done(WorkCompletion)"/>, followed on failure by the QP's transport counters (why it failed).</summary>
    public static string Done(InteropEndpoint endpoint, WorkCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return completion.IsSuccess ? Done(completion) : $"{Done(completion)} counters: {endpoint.DescribeTransportCounters()}";
    }

    /// <summary>"done &lt;status&gt; &lt;bytes&gt; &lt;immediate or -&gt;".</summary>
    public static string Done(WorkCompletion completion) =>
        string.Create(CultureInfo.InvariantCulture, $"done {completion.Status} {completion.ByteLength} {(completion.HasImmediate ? completion.ImmediateData.ToString(CultureInfo.InvariantCulture) : "-")}");

    /// <summary>Hex of the endpoint's wire form.</summary>
    public static string EncodeEndpoint(QueuePairEndpoint endpoint)
    {
        var wire = new byte[QueuePairEndpoint.EncodedLength];
        endpoint.Encode(wire);
        return Convert.ToHexString(wire);
    }

    /// <summary>Parses <see cref="EncodeEndpoint"/>'s hex.</summary>
    public static QueuePairEndpoint DecodeEndpoint(string hex) =>
        QueuePairEndpoint.TryDecode(Convert.FromHexString(hex), out var endpoint)
            ? endpoint
            : throw new FormatException("not an encoded QueuePairEndpoint");
}
