namespace Deploy.Cli;

/// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder
/// lines); reports from parallel steps are serialised.</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate)
        {
            handler(value);
        }
    }
}
