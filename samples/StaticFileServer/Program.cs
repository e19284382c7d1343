using RdmaOffload.Samples.StaticFileServer.Serving;

return await StaticFileServerApp.RunAsync(args).ConfigureAwait(false);
