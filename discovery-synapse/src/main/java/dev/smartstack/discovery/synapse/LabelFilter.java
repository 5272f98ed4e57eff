package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.Objects;

/**
 * Synapse's {@code discovery.label_filters} entry: keeps only the backends whose label
 * {@code label} equals (or does not equal) {@code value}. A backend without the label does not
 * equal any value.
 *
 * @param label the label's key
 * @param value the value to compare with
 * @param condition {@link Condition#EQUALS} or {@link Condition#NOT_EQUALS}
 */
public record LabelFilter(String label, String value, Condition condition) {

    /** How a label is compared. */
    public enum Condition {
        /** Synapse's {@code equals}. */
        EQUALS,
        /** Synapse's {@code not-equals}. */
        NOT_EQUALS;

        /**
         * The condition for Synapse's spelling, {@code equals} or {@code not-equals}.
         *
         * @throws IllegalArgumentException for anything else
         */
        public static Condition of(String name) {
            if ("equals".equals(name)) {
                return EQUALS;
            }
            if ("not-equals".equals(name)) {
                return NOT_EQUALS;
            }
            throw new IllegalArgumentException("label filter condition must be one of [equals, not-equals] but was "
                    + dev.smartstack.discovery.core.Validation.quote(name));
        }
    }

    public LabelFilter {
        Objects.requireNonNull(label, "label == null");
        Objects.requireNonNull(value, "value == null");
        Objects.requireNonNull(condition, "condition == null");
    }

    /** A filter that keeps backends whose {@code label} is {@code value}. */
    public static LabelFilter equalTo(String label, String value) {
        return new LabelFilter(label, value, Condition.EQUALS);
    }

    /** A filter that keeps backends whose {@code label} is not {@code value}. */
    public static LabelFilter notEqualTo(String label, String value) {
        return new LabelFilter(label, value, Condition.NOT_EQUALS);
    }

    /** Whether {@code instance} passes this filter. */
    public boolean test(ServiceInstance instance) {
        boolean equal = value.equals(instance.labels().get(label));
        return condition == Condition.EQUALS ? equal : !equal;
    }
}
