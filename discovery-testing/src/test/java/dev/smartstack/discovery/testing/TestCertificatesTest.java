package dev.smartstack.discovery.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestCertificatesTest {

    @Test
    void shared_generatedOnce_chainsSignedByTheCaInTheTrustStore() throws Exception {
        TestCertificates certs = TestCertificates.shared();
        assertThat(TestCertificates.shared()).isSameAs(certs);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.trustStore())) {
            trust.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        X509Certificate ca = (X509Certificate) trust.getCertificate("ca");
        assertThat(trust.isCertificateEntry("ca")).isTrue();
        for (String name : new String[] {"server", "nerve", "synapse", "other"}) {
            List<X509Certificate> chain = certs.chain(name);
            assertThat(chain).hasSize(2);
            assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=" + name);
            chain.get(0).verify(ca.getPublicKey());
            assertThat(chain.get(1)).isEqualTo(ca);
        }
        X509Certificate server = certs.chain("server").get(0);
        assertThat(server.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
                .contains("127.0.0.1", "localhost");
        List<X509Certificate> rogue = certs.chain("rogue");
        assertThat(rogue).hasSize(1);
        assertThat(rogue.get(0).getIssuerX500Principal()).isEqualTo(rogue.get(0).getSubjectX500Principal());
        assertThatThrownBy(() -> rogue.get(0).verify(ca.getPublicKey())).isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void keyStore_unknownName_namesTheKnownOnes() {
        assertThatThrownBy(() -> TestCertificates.shared().keyStore("mallory"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no certificate named mallory: expected server, rogue or one of [nerve, synapse, other]");
    }
}
