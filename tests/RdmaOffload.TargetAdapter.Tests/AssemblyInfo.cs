// The adapter service runs on Linux only (TAP, namespaces, Unix file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
