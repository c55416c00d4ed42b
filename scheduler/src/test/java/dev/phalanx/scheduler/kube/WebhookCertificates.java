package dev.phalanx.scheduler.kube;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A CA made for one test run and the serving certificate it signs, for an operator's webhook server on this
 * machine: the API server reaches it at https://127.0.0.1, so the certificate names that address, and the
 * operator's own DNS names where its certificate manager checks them. Keys are RSA and written as PKCS#1
 * ("RSA PRIVATE KEY"), the form open-policy-agent's cert-controller reads back from its Secret; the CA names
 * itself too, since that controller verifies the CA for its own name before it keeps it.
 */
record WebhookCertificates(X509Certificate ca, String caPem, String caKeyPem, String certPem, String keyPem) {
    /** Longer than cert-controller's 90 days of lookahead, or it would replace them at once. */
    private static final Duration VALID = Duration.ofDays(365);

    static WebhookCertificates issue(String caName, List<String> dnsNames) {
        try {
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            KeyPair caKey = rsa.generateKeyPair();
            KeyPair key = rsa.generateKeyPair();
            Instant now = Instant.now();
            Date from = Date.from(now.minus(Duration.ofHours(1)));
            Date to = Date.from(now.plus(VALID));
            X500Name caSubject = new X500Name("CN=" + caName);
            var caBuilder = new JcaX509v3CertificateBuilder(caSubject, BigInteger.valueOf(now.toEpochMilli()), from, to,
                    caSubject, caKey.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, caName)));
            X509Certificate ca = new JcaX509CertificateConverter()
                    .getCertificate(caBuilder.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
            List<GeneralName> names = new ArrayList<>(List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
            var builder = new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(now.toEpochMilli() + 1), from, to,
                    new X500Name("CN=" + (dnsNames.isEmpty() ? "127.0.0.1" : dnsNames.get(0))), key.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
            return new WebhookCertificates(ca, pem(ca), pem(caKey.getPrivate()), pem(cert), pem(key.getPrivate()));
        } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot make test certificates: " + e.getMessage(), e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    /** Writes tls.crt, tls.key and ca.crt, the names controller-runtime's webhook server reads from its cert dir. */
    Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tls.crt"), certPem);
        Files.writeString(dir.resolve("tls.key"), keyPem);
        Files.writeString(dir.resolve("ca.crt"), caPem);
        return dir;
    }

    /** The caBundle of a webhook configuration: the CA in PEM, base64-encoded. */
    String caBundle() {
        return java.util.Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8));
    }

    /** An SSL context that trusts this CA alone, to ask the webhook server whether it serves yet. */
    SSLContext trusting() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
