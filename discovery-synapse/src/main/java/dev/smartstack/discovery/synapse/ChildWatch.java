package dev.smartstack.discovery.synapse;

/**
 * How a {@link ServiceWatch} learns about its children from ZooKeeper: it reports every child's
 * data and every child that is gone to the service watch, on the ZooKeeper event thread, and runs
 * the resyncs the service watch asks for.
 */
interface ChildWatch {
    /** Arms the watch and starts the first sync. */
    void start();

    /** The connection is back (the same session or a new one). */
    void reconnected();

    /** Stops watching; later events and answers are ignored. Idempotent. */
    void close();
}
