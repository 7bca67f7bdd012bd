package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.task.TaskDecorator;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * WebFlux blocking execution on cmwq: controller methods that do not return a reactive type run
 * on a workqueue ({@code cmwq.webflux.workqueue}, default {@code webflux}, a bound workqueue made
 * for it unless {@code cmwq.workqueues} configures one of that name) through a
 * {@link WorkqueueTaskExecutor}, on platform worker threads.
 *
 * <p>On with the defaults in a reactive web application; {@code cmwq.webflux.blocking-execution=false}
 * leaves Spring Boot's default (with {@code spring.threads.virtual.enabled=true} on Java 21+, a
 * virtual thread per call; otherwise the calling thread). When on, it takes precedence over
 * Boot's virtual-thread executor: the configurer is ordered after Boot's own and before the
 * application's, which may still set another executor.
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
@AutoConfiguration(after = CmwqAutoConfiguration.class)
@ConditionalOnClass({WebFluxConfigurer.class, BlockingExecutionConfigurer.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "cmwq.webflux.blocking-execution", matchIfMissing = true)
@ConditionalOnBean(WorkqueueRuntime.class)
@Import(WebFluxWorkqueueRegistrar.class)
public final class CmwqWebFluxAutoConfiguration {

  /** The default of {@code cmwq.webflux.workqueue}. */
  static final String DEFAULT_WORKQUEUE = "webflux";

  /** Returns: the configurer that hands blocking controller methods to the workqueue. */
  @Bean
  @ConditionalOnMissingBean
  CmwqWebFluxConfigurer cmwqWebFluxConfigurer(
      CmwqProperties properties, BeanFactory beanFactory, ObjectProvider<TaskDecorator> taskDecorator) {
    Workqueue wq =
        beanFactory.getBean(WorkqueueBeans.workqueueBeanName(properties.getWebflux().getWorkqueue()), Workqueue.class);
    return new CmwqWebFluxConfigurer(new WorkqueueTaskExecutor(wq, taskDecorator.getIfUnique()));
  }

  /**
   * Sets the executor of WebFlux blocking execution. Order 1: after Spring Boot's own configurer
   * (order 0, which sets the virtual-thread executor), before the application's (unordered).
   */
  public static final class CmwqWebFluxConfigurer implements WebFluxConfigurer, Ordered {

    private final WorkqueueTaskExecutor executor; // I

    CmwqWebFluxConfigurer(WorkqueueTaskExecutor executor) {
      this.executor = executor;
    }

    /** Returns: the executor blocking controller methods run on. */
    public WorkqueueTaskExecutor executor() {
      return executor;
    }

    @Override
    public void configureBlockingExecution(BlockingExecutionConfigurer configurer) {
      configurer.setExecutor(executor);
    }

    @Override
    public int getOrder() {
      return 1;
    }
  }
}
