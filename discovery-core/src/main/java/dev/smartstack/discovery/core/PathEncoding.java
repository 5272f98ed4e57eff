package dev.smartstack.discovery.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Ruby Nerve's path encoding ({@code use_path_encoding: true}): the child name itself carries the
 * registration's JSON, so a watcher reads nothing to learn a new backend.
 *
 * <p>The name is {@code base64_<L>_<B64>_<sequence>}, where {@code B64} is the RFC 4648 url-safe
 * base64 (with {@code =} padding) of exactly the JSON that is also written as the znode's data,
 * and {@code L} is {@code B64}'s length in characters. Nerve falls back to {@code <instance_id>_}
 * when {@code B64} would be longer than {@link #MAX_ENCODED_LENGTH} characters. This is the one
 * place where the format is written down; the reporter and the watcher both call it.
 */
public final class PathEncoding {
    /** Every path-encoded child name starts with this. */
    public static final String PREFIX = "base64_";
    /** The longest {@code B64} that Nerve puts into a name, in characters. */
    public static final int MAX_ENCODED_LENGTH = 65_536;

    private PathEncoding() {
    }

    /**
     * The child-name prefix that Nerve creates for {@code json} (ZooKeeper appends the sequence):
     * {@code base64_<L>_<B64>_}, or empty when {@code B64} would exceed {@link #MAX_ENCODED_LENGTH}
     * characters, or is empty (a name {@link #decode} would not read back), and the caller must
     * fall back to {@code <instance_id>_}.
     */
    public static Optional<String> childPrefix(byte[] json) {
        String b64 = Base64.getUrlEncoder().encodeToString(json);
        if (b64.isEmpty() || b64.length() > MAX_ENCODED_LENGTH) {
            return Optional.empty();
        }
        return Optional.of(PREFIX + b64.length() + "_" + b64 + "_");
    }

    /** Whether {@code childName} claims to be path-encoded; it may still fail to {@link #decode}. */
    public static boolean isEncoded(String childName) {
        return childName != null && childName.startsWith(PREFIX);
    }

    /**
     * The JSON that a path-encoded child name carries, or empty when the name is not path-encoded
     * or does not decode (a length that is not a number or runs past the name, bad base64, or a
     * {@code B64} not followed by {@code _}); the caller then reads the znode's data as usual. The
     * bytes are as untrusted as any znode data.
     */
    public static Optional<byte[]> decode(String childName) {
        if (!isEncoded(childName)) {
            return Optional.empty();
        }
        int lengthStart = PREFIX.length();
        int lengthEnd = childName.indexOf('_', lengthStart);
        if (lengthEnd <= lengthStart || lengthEnd - lengthStart > 6) {
            return Optional.empty();
        }
        int length = 0;
        for (int i = lengthStart; i < lengthEnd; i++) {
            char c = childName.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.empty();
            }
            length = length * 10 + (c - '0');
        }
        int b64Start = lengthEnd + 1;
        int b64End = b64Start + length;
        if (length == 0 || length > MAX_ENCODED_LENGTH || b64End >= childName.length()
                || childName.charAt(b64End) != '_') {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getUrlDecoder().decode(childName.substring(b64Start, b64End)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@link #decode} as text, for logs and tests. */
    static Optional<String> decodeToString(String childName) {
        return decode(childName).map(b -> new String(b, StandardCharsets.UTF_8));
    }
}
