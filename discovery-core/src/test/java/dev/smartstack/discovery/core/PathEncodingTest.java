package dev.smartstack.discovery.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PathEncodingTest {
    private static final String JSON = "{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"web-1\",\"weight\":5}";

    @Test
    void childPrefix_rubyNerveExample_matchesIndependentEncoding() {
        // Ruby: "base64_#{encoded.length}_#{encoded}_" with encoded = Base64.urlsafe_encode64(json)
        String expectedB64 = Base64.getUrlEncoder().encodeToString(JSON.getBytes(StandardCharsets.UTF_8));
        String prefix = PathEncoding.childPrefix(JSON.getBytes(StandardCharsets.UTF_8)).orElseThrow();

        assertThat(prefix).isEqualTo("base64_" + expectedB64.length() + "_" + expectedB64 + "_");
        assertThat(prefix).isEqualTo("base64_80_eyJob3N0IjoiMTI3LjAuMC4xIiwicG9ydCI6ODA4MCwibmFtZSI6IndlYi0xIiwid2VpZ2h0Ijo1fQ==_");
    }

    @Test
    void decode_sequentialChildName_returnsTheJson() {
        String name = PathEncoding.childPrefix(JSON.getBytes(StandardCharsets.UTF_8)).orElseThrow() + "0000000042";

        assertThat(PathEncoding.decodeToString(name)).contains(JSON);
    }

    @Test
    void decode_urlSafeAlphabetWithUnderscores_usesTheLengthNotTheSeparators() {
        byte[] data = new byte[] {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, (byte) 0xfe};
        String name = PathEncoding.childPrefix(data).orElseThrow() + "0000000001";
        assertThat(name).contains("-").contains("__");

        assertThat(PathEncoding.decode(name)).hasValueSatisfying(d -> assertThat(d).isEqualTo(data));
    }

    @Test
    void decode_notEncodedOrBroken_isEmpty() {
        assertThat(PathEncoding.decode("web-1_0000000003")).isEmpty();
        assertThat(PathEncoding.decode("base64_")).isEmpty();
        assertThat(PathEncoding.decode("base64_x_abcd_0000000001")).isEmpty();
        assertThat(PathEncoding.decode("base64_8_abcd_0000000001")).isEmpty();
        assertThat(PathEncoding.decode("base64_4_ab!d_0000000001")).isEmpty();
        assertThat(PathEncoding.decode("base64_4_abcdX0000000001")).isEmpty();
        assertThat(PathEncoding.decode("base64_99999999_abcd_1")).isEmpty();
        assertThat(PathEncoding.decode(null)).isEmpty();
    }

    @Test
    void childPrefix_overTheLimit_fallsBack() {
        byte[] big = new byte[PathEncoding.MAX_ENCODED_LENGTH]; // 4/3 as many base64 characters
        byte[] atLimit = new byte[PathEncoding.MAX_ENCODED_LENGTH / 4 * 3];

        assertThat(PathEncoding.childPrefix(big)).isEmpty();
        assertThat(PathEncoding.childPrefix(atLimit)).isPresent();
    }

    /** Issue 12 hostile-input suite: empty data gave "base64_0__", which decode does not read back. */
    @Test
    void childPrefix_emptyData_fallsBackInsteadOfANameThatDoesNotDecode() {
        assertThat(PathEncoding.childPrefix(new byte[0])).isEmpty();
    }
}
