// Linux only: podman, TAP devices, Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
