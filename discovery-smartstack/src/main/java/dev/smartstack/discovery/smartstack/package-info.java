/**
 * {@link dev.smartstack.discovery.smartstack.SmartStack}: the ten-line start-up API. One
 * ZooKeeper connection, this service's registration (Nerve), its dependencies' watches (Synapse)
 * and their outputs (a local HAProxy, in-process {@code ServiceProvider}s, files), started and
 * closed in the right order.
 *
 * <pre>{@code
 * SmartStack stack = SmartStack.builder()
 *         .zooKeeper("127.0.0.1:2181")
 *         .register(NerveService.builder()
 *                 .name("service_b").instanceId("b-1").host("127.0.0.1").port(8080)
 *                 .zkPath("/nerve/services/service_b/services")
 *                 .check(HealthChecks.http("127.0.0.1", 8080, "/health"))
 *                 .build())
 *         .discover("service_a", "/nerve/services/service_a/services")
 *         .build()
 *         .start();
 * ServiceInstance a = stack.provider("service_a").next();
 * }</pre>
 */
package dev.smartstack.discovery.smartstack;
