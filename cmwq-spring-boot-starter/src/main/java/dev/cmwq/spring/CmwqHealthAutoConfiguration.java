package dev.cmwq.spring;

import dev.cmwq.WorkqueueRuntime;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The health indicator {@code cmwq} ({@link CmwqHealthIndicator}): DOWN while a worker pool is
 * stalled past {@code cmwq.watchdog-threshold}. Off with {@code management.health.cmwq.enabled=false}.
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
@AutoConfiguration(after = CmwqAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@ConditionalOnBean(WorkqueueRuntime.class)
@ConditionalOnEnabledHealthIndicator("cmwq")
public final class CmwqHealthAutoConfiguration {

  /**
   * Returns: the indicator, with the runtime's own watchdog threshold (the properties' when the
   * starter built the runtime, whatever it was built with when the application supplied it).
   */
  @Bean
  @ConditionalOnMissingBean(name = "cmwqHealthIndicator")
  CmwqHealthIndicator cmwqHealthIndicator(WorkqueueRuntime runtime) {
    return new CmwqHealthIndicator(runtime);
  }
}
