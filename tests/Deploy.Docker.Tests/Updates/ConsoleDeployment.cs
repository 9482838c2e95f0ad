using System.Text;

namespace Deploy.Docker.Tests.Updates;

/// <summary>
/// A console deployment shaped like the seed's: the root project in the new layout (docker-compose.yml for
/// infrastructure + docker-compose.service.yml for the console services, .systemconfig recording versions, a
/// deploy.sh) and the vicode/ low-code project in the old layout (docker-compose.yml + its own .systemconfig with
/// the tag in a variable). Containers use network_mode: none (the test dockerd has no bridge).
/// </summary>
public sealed class ConsoleDeployment : IDisposable
{
    public ConsoleDeployment(DockerImages images, bool crlfComposeFiles = false, bool healthcheck = false)
    {
        Images = images;
        CrlfComposeFiles = crlfComposeFiles;
        var id = images.Id;
        OldWeb = $"encoo/console-web-v4-pvt:4.1.1-{id}";
        OldVicode = $"encoo/vicode-service:2.3.0-{id}";
        Infra = $"encoo/infra-redis:1.0-{id}";
        OldWebId = healthcheck ? images.Import(OldWeb, HealthyCmd) : images.Import(OldWeb);
        OldVicodeId = images.Import(OldVicode);
        InfraId = images.Import(Infra);

        Directory = images.Temp.Combine($"console/consolev4pvt-4.1.150431-{id}");
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "vicode"));
        RootProject = $"dt{id}root";
        VicodeProject = $"dt{id}vicode";
        images.TrackProject(Directory, RootProject);
        images.TrackProject(Path.Combine(Directory, "vicode"), VicodeProject);

        Write("docker-compose.yml", $"""
            version: "2.4"
            # infrastructure (not updated)
            services:
              redis:
                image: {Infra}
                network_mode: none

            """);
        Write("docker-compose.service.yml", $"""
            version: "2.4"
            x-defaults: &defaults
              network_mode: none
              restart: "no"
            services:
              console-web:
                <<: *defaults
                image: "{OldWeb}"   # 控制台前端
                container_name: {RootProject}-console-web{(healthcheck ? HealthcheckYaml : "")}

            """);
        var nl = "\n";
        Write(".systemconfig", string.Join(nl, "# console system config", "", $"CONSOLE_WEB_V4_PVT_VERSION=4.1.1-{id}", "FOUNDATION_VERSION=4.1.0", "DEPLOY_MODE=single", ""));
        Write("deploy.sh", $$"""
            #!/bin/sh
            # restart: removes all containers and recreates them from the yml files (like the product's deploy.sh)
            set -e
            cd "$(dirname "$0")"
            [ "$1" = restart ] || { echo "usage: deploy.sh restart" >&2; exit 2; }
            set -a; . ./.systemconfig; set +a
            docker-compose -p {{RootProject}} -f docker-compose.yml -f docker-compose.service.yml down
            docker-compose -p {{RootProject}} -f docker-compose.yml -f docker-compose.service.yml up -d
            cd vicode
            set -a; . ./.systemconfig; set +a
            docker-compose -p {{VicodeProject}} down
            docker-compose -p {{VicodeProject}} up -d

            """);
        File.SetUnixFileMode(Path.Combine(Directory, "deploy.sh"), (UnixFileMode)0b111_101_101);
        Write("vicode/docker-compose.yml", """
            version: '2.4'
            services:
              vicode-service:
                image: encoo/vicode-service:${VICODE_SERVICE_TAG}
                network_mode: none

            """);
        Write("vicode/.systemconfig", $"# vicode{nl}VICODE_SERVICE_TAG=2.3.0-{id}{nl}");
    }

    /// <summary>A CMD that makes the healthcheck pass (it creates /ok); plain <c>sleep</c> never becomes healthy.</summary>
    public const string HealthyCmd = "[\"sh\",\"-c\",\"touch /ok; exec sleep 3600\"]";

    private const string HealthcheckYaml =
        "\n    healthcheck:\n      test: [\"CMD\", \"test\", \"-e\", \"/ok\"]\n      interval: 1s\n      timeout: 1s\n      retries: 2";

    public DockerImages Images { get; }

    public string Directory { get; }

    public string RootProject { get; }

    public string VicodeProject { get; }

    public string OldWeb { get; }

    public string OldVicode { get; }

    public string Infra { get; }

    public string OldWebId { get; }

    public string OldVicodeId { get; }

    public string InfraId { get; }

    public void Start() => DockerImages.Run(Path.Combine(Directory, "deploy.sh"), "restart");

    /// <summary>Byte snapshot of every file of the deployment (relative path → bytes).</summary>
    public Dictionary<string, byte[]> Snapshot() => System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories)
        .Where(f => !f.Contains("/.deploy-backup/", StringComparison.Ordinal))
        .ToDictionary(f => Path.GetRelativePath(Directory, f), File.ReadAllBytes);

    /// <summary>(container name, image ID, state) of a compose service.</summary>
    public List<(string Id, string Image, string State)> Containers(string project, string service)
    {
        var ids = DockerImages.Run("docker", "ps", "-aq", "--no-trunc", "--filter", $"label=com.docker.compose.project={project}", "--filter", $"label=com.docker.compose.service={service}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return ids.Select(i => DockerImages.Run("docker", "inspect", "--format", "{{.Id}} {{.Image}} {{.State.Status}}", i).Trim().Split(' '))
            .Select(p => (p[0], p[1], p[2])).ToList();
    }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Directory, relative), Encoding.UTF8);

    private bool CrlfComposeFiles { get; }

    private void Write(string relative, string text)
        => File.WriteAllText(Path.Combine(Directory, relative), CrlfComposeFiles && relative.EndsWith(".yml", StringComparison.Ordinal) ? text.Replace("\n", "\r\n", StringComparison.Ordinal) : text);

    public void Dispose()
    {
    }
}
