/**
 * A Spring Boot application on SmartStack: the starter, two properties, and a
 * {@code @LoadBalanced} client.
 */
package dev.smartstack.discovery.examples.spring;
