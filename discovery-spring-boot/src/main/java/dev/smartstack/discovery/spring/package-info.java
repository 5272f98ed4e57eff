/**
 * SmartStack's Spring Boot 3.5 starter. Add the dependency and set
 * {@code smartstack.zookeeper.connect-string} and {@code spring.application.name}: the application
 * registers itself (Nerve's format, at {@code /nerve/services/<name>/services}) while its Actuator
 * health is UP, deregisters and drains before its web server stops, and Spring Cloud LoadBalancer
 * ({@code @LoadBalanced} clients) finds the services it calls through SmartStack's watchers. See
 * {@link dev.smartstack.discovery.spring.SmartStackProperties} for every setting.
 */
package dev.smartstack.discovery.spring;
