using System.CommandLine;
using Deploy.Cli;
using Deploy.Cli.Output;

// `deploy`: a sample console app built on the Deploy SDK. Each area registers its verbs here.
var root = new RootCommand("deploy — install, upgrade and verify software on private servers with the Deploy SDK");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(PackageCommands.Create());
root.Subcommands.Add(DockerCommands.Create());
foreach (var c in FleetCommands.Create()) { root.Subcommands.Add(c); }
foreach (var c in SequenceCommands.Create()) { root.Subcommands.Add(c); }
foreach (var c in LifecycleCommands.Create()) { root.Subcommands.Add(c); }
root.Subcommands.Add(AgentCommands.Create());
CliOutput.AddTo(root);
HelpExamples.AddTo(root);

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
