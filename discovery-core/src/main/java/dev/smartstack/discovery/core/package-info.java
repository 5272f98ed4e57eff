/**
 * The shared vocabulary of SmartStack for the JVM: {@link dev.smartstack.discovery.core.ServiceInstance},
 * the codecs that read and write znode data (Nerve JSON, Curator x-discovery, Finagle ServerSet),
 * the validation that treats every value read from ZooKeeper as untrusted, and
 * {@link dev.smartstack.discovery.core.ZooKeeperSettings} for building a Curator client.
 */
package dev.smartstack.discovery.core;
