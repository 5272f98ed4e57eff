/**
 * Nerve for the JVM: a {@link dev.smartstack.discovery.nerve.NerveReporter} health-checks one or
 * more services and registers each in ZooKeeper, as an ephemeral znode named and shaped exactly as
 * Airbnb's Ruby Nerve writes it, while the service is healthy. Checks are HTTP, TCP, or an
 * in-process {@link dev.smartstack.discovery.nerve.HealthCheck} that the application implements.
 */
package dev.smartstack.discovery.nerve;
