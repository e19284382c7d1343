// Namespaces, TAP devices and /proc: these tests only run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
