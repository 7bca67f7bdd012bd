package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.micrometer.WorkqueueMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code workqueue.*} meters ({@link WorkqueueMetrics}) of the runtime bean, bound by Spring
 * Boot to every {@link MeterRegistry}. Every {@code Workqueue} bean on that runtime is monitored
 * as it is created; its meters go when it is destroyed. Workqueues the application builds itself
 * join with {@code workqueueMetrics.monitor(wq)}.
 */
@AutoConfiguration(
    after = CmwqAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnClass({MeterRegistry.class, WorkqueueMetrics.class})
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@ConditionalOnBean({MeterRegistry.class, WorkqueueRuntime.class})
public final class CmwqMetricsAutoConfiguration {

  /** Returns: the binder, closed (its meters removed) when the context closes. */
  @Bean
  @ConditionalOnMissingBean
  WorkqueueMetrics cmwqWorkqueueMetrics(WorkqueueRuntime runtime) {
    return new WorkqueueMetrics(runtime);
  }

  /** Returns: a post-processor that monitors each {@code Workqueue} bean on the binder's runtime. */
  @Bean
  static BeanPostProcessor cmwqWorkqueueMetricsPostProcessor(ObjectProvider<WorkqueueMetrics> metrics) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Workqueue wq) {
          // looked up only now: the binder is not created early by the post-processor
          WorkqueueMetrics m = metrics.getIfUnique();
          if (m != null && m.runtime() == wq.runtime()) {
            m.monitor(wq);
          }
        }
        return bean;
      }
    };
  }
}
