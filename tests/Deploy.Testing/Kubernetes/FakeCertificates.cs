using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Deploy.Testing.Kubernetes;

/// <summary>A throwaway CA and a server certificate it signed for 127.0.0.1, made fresh for each fake server.</summary>
public sealed class FakeCertificates : IDisposable
{
    public FakeCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=deploy-fake-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var notBefore = DateTimeOffset.UnixEpoch.AddYears(50);   // fixed window: no clock read needed
        var notAfter = notBefore.AddYears(30);
        Authority = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=deploy-fake-apiserver", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(Authority, notBefore.AddDays(1), notAfter.AddDays(-1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The CA clients trust (kubeconfig <c>certificate-authority-data</c>).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The server's certificate with its key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The CA as PEM.</summary>
    public string AuthorityPem => Authority.ExportCertificatePem();

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
