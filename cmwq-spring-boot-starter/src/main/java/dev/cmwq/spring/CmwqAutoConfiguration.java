package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.reactor.CmwqSchedulers;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Auto-configuration of cmwq: a {@link WorkqueueRuntime} from the {@code cmwq.*} properties, a
 * {@link Workqueue} bean and a Reactor scheduler bean per {@code cmwq.workqueues.<name>}, the
 * Reactor default factory when {@code cmwq.reactor.install-as-default=true}, and the drain of the
 * workqueues at shutdown.
 *
 * <p>Backs off entirely with {@code cmwq.enabled=false}; a {@code WorkqueueRuntime} bean of the
 * application's replaces the one built here (the workqueue beans then run on it).
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
@AutoConfiguration
@ConditionalOnClass(WorkqueueRuntime.class)
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CmwqProperties.class)
@Import(WorkqueueBeanRegistrar.class)
public final class CmwqAutoConfiguration {

  /**
   * Returns: the runtime, built from the {@code cmwq.*} properties and shut down when the context
   * closes (after the workqueue beans are destroyed; queued items still run).
   */
  @Bean(destroyMethod = "shutdown")
  @ConditionalOnMissingBean
  WorkqueueRuntime cmwqRuntime(CmwqProperties properties) {
    return properties.runtimeBuilder().build();
  }

  /** Returns: the lifecycle that drains the workqueue beans at shutdown. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "cmwq.shutdown.drain", matchIfMissing = true)
  WorkqueueDrainLifecycle cmwqWorkqueueDrainLifecycle(
      WorkqueueRuntime runtime, ObjectProvider<Workqueue> workqueues, CmwqProperties properties) {
    return new WorkqueueDrainLifecycle(runtime, workqueues, properties.getShutdown().getTimeout());
  }

  /** {@code cmwq.reactor.install-as-default=true}: cmwq as Reactor's default schedulers. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "reactor.core.scheduler.Schedulers")
  @ConditionalOnBooleanProperty(name = "cmwq.reactor.install-as-default")
  static class ReactorDefaultsConfiguration {

    @Bean
    ReactorDefaults cmwqReactorDefaults(WorkqueueRuntime runtime) {
      return new ReactorDefaults(runtime);
    }
  }

  /**
   * Installs cmwq as Reactor's scheduler factory ({@link CmwqSchedulers#installAsDefault}) when
   * the bean is created and restores Reactor's own when it is destroyed, before the runtime is
   * shut down.
   */
  static final class ReactorDefaults implements InitializingBean, DisposableBean {
    private final WorkqueueRuntime runtime; // I

    ReactorDefaults(WorkqueueRuntime runtime) {
      this.runtime = runtime;
    }

    @Override
    public void afterPropertiesSet() {
      CmwqSchedulers.installAsDefault(runtime);
    }

    @Override
    public void destroy() {
      CmwqSchedulers.resetDefault();
    }
  }
}
