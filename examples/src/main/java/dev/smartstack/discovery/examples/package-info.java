/**
 * The SmartStack tour ({@link dev.smartstack.discovery.examples.Tour}: the tutorial's failure
 * scenarios, run for real) and short embedding examples whose tagged regions the README quotes:
 * {@link dev.smartstack.discovery.examples.SmartStackExample},
 * {@link dev.smartstack.discovery.examples.NerveExample},
 * {@link dev.smartstack.discovery.examples.SynapseHaproxyExample} and
 * {@link dev.smartstack.discovery.examples.ProviderExample}.
 */
package dev.smartstack.discovery.examples;
