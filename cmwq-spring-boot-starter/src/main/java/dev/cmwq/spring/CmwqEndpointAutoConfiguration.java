package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.micrometer.WorkqueueMetrics;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The actuator endpoint {@code workqueues} ({@link WorkqueuesEndpoint}), when the actuator is
 * there and the endpoint is available (enabled and exposed, as any endpoint:
 * {@code management.endpoints.web.exposure.include=workqueues}).
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
@AutoConfiguration(after = {CmwqAutoConfiguration.class, CmwqMetricsAutoConfiguration.class})
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@ConditionalOnBean(WorkqueueRuntime.class)
@ConditionalOnAvailableEndpoint(WorkqueuesEndpoint.class)
public final class CmwqEndpointAutoConfiguration {

  /** Returns: the endpoint: the system workqueues, the workqueue beans and the monitored ones. */
  @Bean
  @ConditionalOnMissingBean
  WorkqueuesEndpoint workqueuesEndpoint(
      WorkqueueRuntime runtime, ObjectProvider<Workqueue> workqueues, ObjectProvider<WorkqueueMetrics> metrics) {
    return new WorkqueuesEndpoint(
        runtime,
        () -> {
          List<Workqueue> all = new ArrayList<>();
          workqueues.orderedStream().filter(wq -> wq.runtime() == runtime).forEach(all::add);
          metrics.orderedStream().filter(m -> m.runtime() == runtime).forEach(m -> all.addAll(m.monitored()));
          return all;
        });
  }
}
