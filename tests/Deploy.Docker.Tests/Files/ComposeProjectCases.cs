using Deploy.Core.Hosts;
using Deploy.Docker.Images;
using Deploy.Docker.Updates;

namespace Deploy.Docker.Tests.Files;

/// <summary>The compose project corpus (Files/Projects, written by us in the shapes of public projects: n8n,
/// temporal, docker4drupal, override files, COMPOSE_FILE, extends...) and what an update of each must do.</summary>
internal static class ComposeProjectCases
{
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Files", "Projects");

    public static readonly IReadOnlyDictionary<string, string> Images = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["n8n"] = "docker.n8n.io/n8nio/n8n:1.90.0",
        ["runners"] = "n8nio/runners:1.90.0",
        ["auto-setup"] = "temporalio/auto-setup:1.24.2",
        ["admin-tools"] = "temporalio/admin-tools:1.24.2",
        ["drupal-php"] = "wodby/drupal-php:8.3-4.70.0",
        ["drupal-cms"] = "wodby/drupal-cms:1.1-8.3-4.3.0",
        ["drupal"] = "wodby/drupal:10-8.3-4.61.0",
        ["web"] = "encoo/console-web-v4-pvt:4.2.0",
        ["api"] = "registry.local:5000/team/api:2.0.0",
        ["app"] = "localhost:5000/app:3.1",
    };

    // project, archives given, expectation: "ok <services updated> <files changed>" or "refused <code> <words the message must hold>".
    public static TheoryData<string, string, string> All => new()
    {
        { "01-n8n-shared-tag-var", "n8n", "refused ComposeTagShared services.n8n-runner.image|n8nio/runners|literal tag|'image: docker.n8n.io/n8nio/n8n:1.90.0'" },
        { "02-n8n-shared-tag-var-both-archives", "n8n,runners", "ok n8n,n8n-runner .env" },
        { "03-temporal-build-args", "auto-setup", "refused ComposeTagShared services.temporal-admin-tools.build.args.BASEIMAGE|not possible here" },
        { "04-temporal-build-args-own-var", "auto-setup", "ok temporal .env" },
        { "05-override-yaml-wins", "web", "ok web compose.override.yaml" },
        { "06-docker4drupal-override-cms", "drupal-cms", "ok php,crond .env" },
        { "07-docker4drupal-override-php-shadowed", "drupal-php", "ok - -" },
        { "08-compose-file-in-env", "web", "ok web compose/prod.yml" },
        { "09-compose-file-custom-separator", "api", "ok api base.yml" },
        { "10-explicit-file-list", "web", "ok web docker-compose.prod.yml" },
        { "11-extends-same-file", "web", "ok app,worker,scheduler compose.yaml" },
        { "12-extends-other-file", "web", "ok web common.yml" },
        { "13-extends-own-image-wins", "web", "ok app compose.yaml" },
        { "14-partly-undefined-tag", "drupal", "refused ComposeVariableUndefined ${PHP_VER}|service php|docker-compose.yml line 3" },
        { "15-tag-from-two-defined-vars", "drupal", "refused ComposeFileInvalid cannot tell where the tag" },
        { "16-undefined-tag-var", "web", "refused ComposeVariableUndefined ${WEB_TAG}|service web" },
        { "17-undefined-var-other-repo", "web", "ok web docker-compose.yml" },
        { "18-crlf-base-and-override", "web", "ok web docker-compose.override.yml" },
        { "19-bom-compose-and-env", "web", "ok web .env" },
        { "20-registry-port-literal", "api", "ok api compose.yaml" },
        { "21-registry-port-variable", "app", "ok app .env" },
        { "22-registry-port-no-tag", "api", "ok api compose.yaml" },
        { "23-default-in-override", "web", "ok web compose.override.yaml" },
        { "24-shared-var-in-environment", "n8n", "refused ComposeTagShared services.monitor.environment.EXPECTED_N8N" },
        { "25-shared-var-in-labels", "web", "refused ComposeTagShared services.web.labels[0]" },
        { "26-var-in-unused-template", "web", "ok web .env" },
        { "27-shadowed-var-in-base", "web", "ok web docker-compose.override.yml" },
        { "28-anchors-with-override", "web", "ok web,worker compose.yaml" },
        { "29-systemconfig-var", "web", "ok web .systemconfig,.env" },
        { "30-whole-image-var-two-services", "web", "ok web,web-worker .env" },
        { "31-whole-image-var-in-environment", "web", "refused ComposeTagShared services.deployer.environment[0]" },
        { "32-compose-yml-with-new-service-in-override", "web", "ok web compose.override.yml" },
        { "33-n8n-literal-tag-leaves-var-alone", "n8n", "ok n8n compose.yaml" },
        { "34-crlf-env-shared-var-both-archives", "auto-setup,admin-tools", "ok temporal,admin-tools .env" },
    };

    public static IReadOnlyList<ImageTarget> Targets(string archives)
        => archives.Split(',').Select(a => new ImageTarget(ImageReference.Parse(Images[a]), "sha256:" + new string((char)('a' + a.Length % 6), 64), a + ".tar")).ToList();

    public static async Task<ImageUpdatePlan> PlanAsync(string directory, string archives)
    {
        var listFile = Path.Combine(directory, "compose-files.txt");
        var list = File.Exists(listFile) ? (await File.ReadAllTextAsync(listFile)).Split('\n', StringSplitOptions.RemoveEmptyEntries) : null;
        var projects = await ProjectReader.ReadAsync(new LocalHost(), directory, new Dictionary<string, byte[]>(), CancellationToken.None, list);
        return ImageUpdatePlanner.Plan(directory, projects.Where(p => p.Directory == directory).ToList(), Targets(archives));
    }
}
