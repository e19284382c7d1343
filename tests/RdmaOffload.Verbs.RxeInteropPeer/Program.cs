using System.Net;
using RdmaOffload.Verbs;
using RdmaOffload.Verbs.ManagedRoce;
using RdmaOffload.Verbs.RxeInteropPeer;

// The managed-roce side of the kernel-rxe interop test. Usage: RxeInteropPeer <bind-ip> [--verify-icrc]
// Reads one command per line on stdin and answers one line on stdout (see PeerCommands):
//   endpoint | connect <hex> | fill <seed> <len> | clear <len> | hash <len> | read <len> | write <len>
//   send <len> <imm> | recv <len> | wait | quit
// Errors are answered "error <message>"; the process keeps serving until "quit" or end of input.
if (args.Length < 1 || !IPAddress.TryParse(args[0], out var bindAddress))
{
    Console.Error.WriteLine("usage: RdmaOffload.Verbs.RxeInteropPeer <bind-ip> [--verify-icrc]");
    return 2;
}

bool verifyIcrc = args.Contains("--verify-icrc");
using var provider = new ManagedRoceProvider(new ManagedRoceOptions
{
    Devices = [new ManagedRoceDeviceOptions { Name = "mroce0", BindAddress = bindAddress, VerifyIcrc = verifyIcrc }],
});
using var device = provider.OpenDevice();
using var endpoint = new InteropEndpoint(device, bindAddress, psn: 0xFFFF00); // wraps past 2^24 in big transfers
Console.WriteLine($"ready {device.Name} {bindAddress} verify-icrc={verifyIcrc}");
while (Console.ReadLine() is { } line)
{
    if (line == "quit")
    {
        break;
    }

    string reply;
    try
    {
        reply = await PeerCommands.ExecuteAsync(endpoint, line);
    }
    catch (Exception e) when (e is RdmaException or FormatException or ArgumentException or InvalidOperationException)
    {
        reply = "error " + e.Message.ReplaceLineEndings(" ");
    }

    Console.WriteLine(reply);
}

return 0;
