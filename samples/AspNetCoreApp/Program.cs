using RdmaOffload.Samples.AspNetCoreApp;

await using var app = SampleApp.Build(args);
await app.RunAsync();
