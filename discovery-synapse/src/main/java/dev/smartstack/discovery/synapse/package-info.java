/**
 * Synapse for the JVM: {@link dev.smartstack.discovery.synapse.SynapseWatcher} watches the
 * services' paths in ZooKeeper and hands immutable
 * {@link dev.smartstack.discovery.synapse.ServiceSnapshot}s to its outputs: the in-process
 * {@link dev.smartstack.discovery.synapse.ServiceProvider}, the
 * {@link dev.smartstack.discovery.synapse.FileOutput}, or any
 * {@link dev.smartstack.discovery.synapse.SnapshotOutput}. It keeps serving the last known
 * backends while ZooKeeper is away and refuses, one znode at a time, data it cannot trust.
 * Besides ZooKeeper paths (watched or polled), a service's backends can come from DNS names
 * ({@link dev.smartstack.discovery.synapse.DnsDiscovery}), from several watchers combined
 * ({@link dev.smartstack.discovery.synapse.MultiDiscovery}), or from its default servers alone;
 * a watcher with no ZooKeeper service needs no ZooKeeper connection.
 */
package dev.smartstack.discovery.synapse;
