package dev.smartstack.discovery.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based hostile input at the decoder level: whatever a znode holds and whatever its child
 * is called, a decoder either returns an instance that is safe by {@link Validation} or refuses it
 * with an {@link InvalidInstanceException} whose message stays on one line. No other exception
 * escapes. jqwik prints the seed of a failing run; rerun it with {@code @Property(seed = "...")}.
 */
class HostileZnodeDecodingTest {
    private static final Set<String> ALWAYS_REFUSED = HostileZnodes.NEVER_VALID_KINDS;

    @Provide
    Arbitrary<HostileZnodes.Payload> payloads() {
        return HostileZnodes.payloads();
    }

    @Provide
    Arbitrary<String> childNames() {
        return HostileZnodes.childNames();
    }

    @Provide
    Arbitrary<ZnodeDecoder> decoders() {
        return Arbitraries.of(ZnodeDecoder.curator(), ZnodeDecoder.serverSet(null), ZnodeDecoder.serverSet("http"));
    }

    @Property(tries = 10_000)
    void nerveDecoder_anyPayloadAndChildName_acceptsOnlySafeInstancesAndRefusesTheRest(
            @ForAll("payloads") HostileZnodes.Payload payload, @ForAll("childNames") String child) {
        Optional<ServiceInstance> decoded = decode(ZnodeDecoder.nerve(), child, payload);
        Statistics.collect(payload.kind(), decoded == null ? "refused" : "accepted");
        if (ALWAYS_REFUSED.contains(payload.kind())) {
            assertThat(decoded).as("%s must be refused", payload).isNull();
        }
        if (payload.kind().equals("good")) {
            assertThat(decoded).as("%s must be accepted", payload).isNotNull().isPresent();
        }
        if (decoded != null) {
            decoded.ifPresent(i -> assertSafe(i, payload));
        }
    }

    @Property(tries = 2_000)
    void otherDecoders_anyPayloadAndChildName_acceptOnlySafeInstancesAndRefuseTheRest(
            @ForAll("decoders") ZnodeDecoder decoder, @ForAll("payloads") HostileZnodes.Payload payload,
            @ForAll("childNames") String child) {
        Optional<ServiceInstance> decoded = decode(decoder, child, payload);
        if (ALWAYS_REFUSED.contains(payload.kind())) {
            assertThat(decoded).as("%s must be refused", payload).isNull();
        }
        if (decoded != null) {
            decoded.ifPresent(i -> assertSafe(i, payload));
        }
    }

    /**
     * Path encoding: a hostile payload carried in a child name decodes back to exactly its bytes,
     * and then to a safe instance or a refusal; any other child name either does not decode or
     * decodes to bytes that are as safe to hand to a decoder as znode data. Nothing throws.
     */
    @Property(tries = 2_000)
    void pathEncoding_hostilePayloadInTheChildName_roundTripsAndDecodesSafely(
            @ForAll("payloads") HostileZnodes.Payload payload, @ForAll("childNames") String other) {
        Optional<String> prefix = PathEncoding.childPrefix(payload.data());
        if (prefix.isPresent()) {
            String child = prefix.get() + "0000000007";
            assertThat(PathEncoding.decode(child)).as("%s", payload).hasValueSatisfying(b -> assertThat(b).isEqualTo(payload.data()));
            Optional<ServiceInstance> decoded = decode(ZnodeDecoder.nerve(), child, payload);
            if (decoded != null) {
                decoded.ifPresent(i -> assertSafe(i, payload));
            }
        }
        Optional<byte[]> fromName = PathEncoding.decode(other);
        fromName.ifPresent(b -> {
            Optional<ServiceInstance> decoded = decode(ZnodeDecoder.nerve(), other, new HostileZnodes.Payload("name", b));
            if (decoded != null) {
                decoded.ifPresent(i -> assertSafe(i, new HostileZnodes.Payload("name", b)));
            }
        });
    }

    /** The decoded instance, or null when refused; any exception but a one-line refusal fails. */
    private static Optional<ServiceInstance> decode(ZnodeDecoder decoder, String child, HostileZnodes.Payload payload) {
        try {
            return decoder.decode(child, payload.data());
        } catch (InvalidInstanceException e) {
            assertThat(e.field()).as("field of the refusal of %s", payload).isNotBlank();
            assertThat(e.getMessage()).as("message of the refusal of %s", payload)
                    .doesNotContain("\n", "\r", "\u0000").hasSizeLessThan(2_000);
            return null;
        }
    }

    private static void assertSafe(ServiceInstance i, HostileZnodes.Payload payload) {
        String what = "instance decoded from " + payload;
        assertThat(Validation.isValidHost(i.host())).as(what).isTrue();
        assertThat(i.port()).as(what).isBetween(1, 65535);
        assertThat(Validation.isValidName(i.name())).as(what + ": name " + Validation.quote(i.name())).isTrue();
        i.weight().ifPresent(w -> assertThat(w).as(what).isBetween(0, Validation.MAX_WEIGHT));
        i.haproxyServerOptions().ifPresent(o -> assertThat(Validation.requireValidServerOptions(o)).as(what).isEqualTo(o));
        assertThat(Validation.requireValidLabels(i.labels())).as(what).isEqualTo(i.labels());
        assertThat(i.address()).as(what).doesNotContainAnyWhitespaces().doesNotContain("#");
        assertThat(Validation.hasControlCharacter(i.toString())).as(what).isFalse();
    }
}
