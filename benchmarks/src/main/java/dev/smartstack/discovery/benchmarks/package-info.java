/**
 * Measurement harnesses: runnable classes that report figures (latency percentiles, ZooKeeper
 * reads per change). They are not tests and assert nothing about time.
 */
package dev.smartstack.discovery.benchmarks;
