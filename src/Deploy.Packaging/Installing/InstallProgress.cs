namespace Deploy.Packaging.Installing;

/// <summary>Progress of an install: the step about to run.</summary>
/// <param name="Step">The step name (<c>verify</c>, <c>os_release</c>, <c>processes</c>, then the strategy's steps).</param>
/// <param name="Index">1-based index.</param>
/// <param name="Count">Steps known so far.</param>
public readonly record struct InstallProgress(string Step, int Index, int Count);
