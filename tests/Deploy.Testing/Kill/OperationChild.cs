namespace Deploy.Testing.Kill;

/// <summary>
/// The operations child (<c>tests/Deploy.Testing.Child</c>): runs one SDK operation (package install, image update)
/// with an observer that pauses at step boundary <c>$DEPLOY_TEST_PAUSE_AT</c>, for <see cref="KillHarness"/>.
/// A test project that uses it references the child project with <c>ReferenceOutputAssembly="false"</c> so it is built.
/// </summary>
public static class OperationChild
{
    /// <summary>The command running the child with <paramref name="arguments"/> (<c>package-install ...</c>, <c>image-update ...</c>).</summary>
    public static ChildCommand Command(params string[] arguments) => ChildCommand.Dotnet(Dll(), arguments);

    /// <summary>The child's dll, built beside the calling test project (same configuration and framework).</summary>
    public static string Dll()
    {
        // tests/<Project>/bin/<Configuration>/<tfm>/ -> tests/Deploy.Testing.Child/bin/<Configuration>/<tfm>/
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = bin.Parent!.Name;
        var tests = bin.Parent.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(tests, "Deploy.Testing.Child", "bin", configuration, bin.Name, "Deploy.Testing.Child.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The operations child is not built; reference tests/Deploy.Testing.Child from the test project.", dll);
    }
}
