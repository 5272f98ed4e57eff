package dev.smartstack.discovery.spring;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * The reactive face of {@link SmartStackDiscoveryClient}. A lookup is a read of an in-memory
 * snapshot, except the first lookup of a service, which may wait for its registrations to be read:
 * so it runs on Reactor's bounded-elastic scheduler, never on an event loop.
 */
final class SmartStackReactiveDiscoveryClient implements ReactiveDiscoveryClient {
    private final SmartStackDiscoveryClient blocking;

    SmartStackReactiveDiscoveryClient(SmartStackDiscoveryClient blocking) {
        this.blocking = blocking;
    }

    @Override
    public String description() {
        return blocking.description();
    }

    @Override
    public Flux<ServiceInstance> getInstances(String serviceId) {
        return Flux.defer(() -> Flux.fromIterable(blocking.getInstances(serviceId)))
                .subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Flux<String> getServices() {
        return Flux.defer(() -> Flux.fromIterable(blocking.getServices()));
    }
}
