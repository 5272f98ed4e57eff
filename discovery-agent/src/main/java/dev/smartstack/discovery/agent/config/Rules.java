package dev.smartstack.discovery.agent.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a key of a config file accepts, declared on the components of the records that Jackson
 * binds ({@link ConfigBinder}). Each annotation is checked once, by {@link RecordRules}, and also
 * words the "expected ..." part of a type error for that key.
 */
final class Rules {
    private Rules() {
    }

    /** The key must be present and not null. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Required {
    }

    /** An integer in {@code [min, max]}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface IntRange {
        long min();

        long max();
    }

    /** A number of seconds in {@code (0, max]}, or {@code [0, max]} when {@code zero}; at least 1 ms unless 0. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Seconds {
        long max() default 86_400;

        boolean zero() default false;
    }

    /** A number in {@code [min, max]}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Within {
        double min();

        double max();
    }

    /** A number greater than {@code value}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Above {
        double value();
    }

    /** A string that is one of {@code value}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface OneOf {
        String[] value();
    }

    /** A list that must not be empty. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface NonEmpty {
    }

    /** A list of {@code host:port} strings. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface HostPorts {
    }

    /** A DNS name or an IP address. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Host {
    }

    /** A string (or each string of a list) without control characters: one line of HAProxy config. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface OneLine {
        /** The noun in "expected a single line of ..." ; empty for a bare "a single line". */
        String of() default "";
    }

    /** An absolute ZooKeeper path. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface ZkPath {
    }

}
