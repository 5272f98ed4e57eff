/**
 * Measurement harnesses: runnable classes that report figures (latency percentiles, ZooKeeper
 * reads per change, reloads per change). They are not tests and assert nothing about time.
 * {@link dev.smartstack.discovery.benchmarks.NerveHarness} measures how fast a registration goes
 * away; {@link dev.smartstack.discovery.benchmarks.SynapseHarness} how fast a change reaches the
 * watcher's outputs; {@link dev.smartstack.discovery.benchmarks.WatchRace} races the watch core
 * against Curator x-discovery's {@code ServiceCache}, each watcher in its own JVM on one ZooKeeper JVM.
 */
package dev.smartstack.discovery.benchmarks;
