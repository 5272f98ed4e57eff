/**
 * Measurement harnesses. They report figures; they are not timed tests. {@link
 * dev.smartstack.discovery.benchmarks.NerveHarness} measures how fast a registration goes away.
 */
package dev.smartstack.discovery.benchmarks;
