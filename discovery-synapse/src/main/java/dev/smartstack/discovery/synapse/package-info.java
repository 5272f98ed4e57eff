/**
 * Synapse for the JVM: {@link dev.smartstack.discovery.synapse.SynapseWatcher} watches the
 * services' paths in ZooKeeper and hands immutable
 * {@link dev.smartstack.discovery.synapse.ServiceSnapshot}s to its outputs: the in-process
 * {@link dev.smartstack.discovery.synapse.ServiceProvider}, the
 * {@link dev.smartstack.discovery.synapse.FileOutput}, or any
 * {@link dev.smartstack.discovery.synapse.SnapshotOutput}. It keeps serving the last known
 * backends while ZooKeeper is away and refuses, one znode at a time, data it cannot trust.
 */
package dev.smartstack.discovery.synapse;
