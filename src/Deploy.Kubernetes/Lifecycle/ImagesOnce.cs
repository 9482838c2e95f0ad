using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Images;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>The product's image archives (its <c>images/</c> folder) onto every node with
/// <see cref="KubernetesBackendOptions.NodeImages"/>, once per backend, before the first service whose objects change
/// is applied; nothing without a loader or without archives.</summary>
internal sealed class ImagesOnce(NodeImageLoader? loader)
{
    private readonly object gate = new();
    private Task? loaded;

    public Task LoadAsync(RenderedService service, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        if (loader is null || Path.GetDirectoryName(service.Service.Directory) is not { } productDirectory)
        {
            return Task.CompletedTask;
        }

        lock (gate)
        {
            return loaded ??= RunAsync(loader, productDirectory, progress, cancellationToken);
        }
    }

    private static async Task RunAsync(NodeImageLoader loader, string productDirectory, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var archives = NodeImageLoader.ArchivesOf(productDirectory);
        if (archives.Count > 0)
        {
            await loader.LoadAsync(archives, progress is null ? null : new Forward(progress), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The loader's lines as lifecycle output, forwarded as they come (in order, before the apply starts).</summary>
    private sealed class Forward(IProgress<LifecycleProgress> progress) : IProgress<string>
    {
        public void Report(string value) => progress.Report(new LifecycleProgress(LifecycleEventKind.Output, "[images] " + value));
    }
}
