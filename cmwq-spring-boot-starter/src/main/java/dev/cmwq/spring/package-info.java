/**
 * Spring Boot 4 auto-configuration for cmwq.
 *
 * <p>With the starter on the class path an application gets a {@code WorkqueueRuntime} built
 * from {@link dev.cmwq.spring.CmwqProperties cmwq.*}, a {@code Workqueue} bean and a Reactor
 * {@code Scheduler} bean per {@code cmwq.workqueues.<name>}, WebFlux blocking controller methods
 * on a workqueue ({@link dev.cmwq.spring.WorkqueueTaskExecutor}), the {@code workqueue.*} meters,
 * the actuator endpoint {@code workqueues} ({@link dev.cmwq.spring.WorkqueuesEndpoint}), the
 * health indicator {@code cmwq} ({@link dev.cmwq.spring.CmwqHealthIndicator}), and a drain of the
 * workqueues at shutdown.
 *
 * <p>Every type here is thread-safe unless its documentation says otherwise.
 */
@NullMarked
package dev.cmwq.spring;

import org.jspecify.annotations.NullMarked;
