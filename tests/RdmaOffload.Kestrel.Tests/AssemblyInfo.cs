// The suite runs real NetStack, managed-roce and Kestrel on Linux only (secret files need Unix modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
