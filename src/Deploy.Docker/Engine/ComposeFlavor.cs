namespace Deploy.Docker.Engine;

/// <summary>Which Compose implementation a host has.</summary>
public enum ComposeFlavor
{
    /// <summary>The <c>docker compose</c> CLI plugin (Compose v2).</summary>
    V2Plugin,
    /// <summary>The standalone <c>docker-compose</c> program (Compose v1).</summary>
    V1Standalone,
}
