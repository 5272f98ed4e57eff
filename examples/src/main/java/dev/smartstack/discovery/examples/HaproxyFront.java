package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.synapse.SnapshotOutput;

/** The HAProxy in front of service_b's calls to service_a: its frontend port and Synapse's output for it. */
interface HaproxyFront extends AutoCloseable {
    /** The frontend port of service_a on 127.0.0.1. */
    int port();

    /** A new, started output for a (re)started Synapse that keeps this HAProxy up to date; the front closes the one before and the last. */
    SnapshotOutput newOutput();

    /** Reloads done by the current output. */
    long reloads();

    /** Runtime API commands sent by the current output. */
    long runtimeCommands();

    /** Whether the current output has no reload pending. */
    boolean settled();

    /** One line on how HAProxy runs. */
    String describe();

    @Override
    void close();
}
