namespace RdmaOffload.HostAgent.Kestrel;

/// <summary>Per-connection items for middleware (<c>ConnectionContext.Items</c>).</summary>
internal sealed class ConnectionItems : Dictionary<object, object?>
{
}
