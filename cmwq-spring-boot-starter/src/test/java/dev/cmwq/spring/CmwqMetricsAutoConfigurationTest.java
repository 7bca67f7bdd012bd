package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.micrometer.WorkqueueMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * {@link CmwqMetricsAutoConfiguration} with Spring Boot's own metrics auto-configuration (a
 * {@link SimpleMeterRegistry}): its conditions, and the meters' values after work.
 */
class CmwqMetricsAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MetricsAutoConfiguration.class,
                  SimpleMetricsExportAutoConfiguration.class,
                  CompositeMeterRegistryAutoConfiguration.class,
                  CmwqAutoConfiguration.class,
                  CmwqMetricsAutoConfiguration.class))
          .withPropertyValues("cmwq.thread-name-prefix=" + CmwqAutoConfigurationTest.uniquePrefix());

  @Test
  void workqueueBeansAndTheSystemWorkqueuesAreMetered() {
    runner
        .withPropertyValues("cmwq.workqueues.io.unbound=true", "cmwq.workqueues.log.ordered=true")
        .run(
            context -> {
              assertThat(context).hasSingleBean(WorkqueueMetrics.class).hasSingleBean(SimpleMeterRegistry.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              WorkqueueMetrics metrics = context.getBean(WorkqueueMetrics.class);
              assertThat(metrics.runtime()).isSameAs(context.getBean(WorkqueueRuntime.class));
              assertThat(metrics.monitored()).extracting(Workqueue::name)
                  .containsExactlyInAnyOrder("events", "events_highpri", "events_long", "events_unbound", "io", "log");

              Workqueue io = context.getBean("ioWorkqueue", Workqueue.class);
              for (int i = 0; i < 25; i++) {
                io.queueWork(Work.of(() -> {}));
              }
              io.flush();
              // through the Scheduler bean too: each task is an item of the same workqueue
              Scheduler ioScheduler = context.getBean("ioScheduler", Scheduler.class);
              Flux.range(0, 5).parallel(5).runOn(ioScheduler).sequential().blockLast(Duration.ofSeconds(10));
              io.flush();

              assertThat(registry.get("workqueue.work.completed").tag("name", "io").tag("type", "unbound")
                      .functionCounter().count())
                  .isEqualTo(io.stats().completed())
                  .isGreaterThanOrEqualTo(30);
              assertThat(registry.get("executor.completed").tag("name", "io").functionCounter().count())
                  .isGreaterThanOrEqualTo(30);
              assertThat(registry.get("workqueue.work.inflight").tag("name", "io").gauge().value()).isZero();
              assertThat(registry.get("workqueue.max.active").tag("name", "log").tag("type", "ordered").gauge().value())
                  .isEqualTo(1);
              assertThat(registry.get("workqueue.workers").tag("state", "idle").gauge().value()).isGreaterThanOrEqualTo(1);
              assertThat(registry.get("executor.pool.size").tag("name", "cmwq").gauge().value()).isGreaterThanOrEqualTo(1);
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class LateWorkqueue {
    @Bean
    Workqueue lateWorkqueue(WorkqueueRuntime runtime) {
      return Workqueue.builder("late").runtime(runtime).build();
    }
  }

  @Test
  void anApplicationWorkqueueBeanIsMeteredAndItsMetersGoWhenItIsDestroyed() {
    runner
        .withUserConfiguration(LateWorkqueue.class)
        .run(
            context -> {
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              Workqueue late = context.getBean("lateWorkqueue", Workqueue.class);
              late.queueWork(Work.of(() -> {}));
              late.destroy();
              // the read that notices the destroy gives the final count, then the meters go
              assertThat(registry.get("workqueue.work.completed").tag("name", "late").functionCounter().count())
                  .isEqualTo(1);
              assertThat(registry.find("workqueue.work.completed").tag("name", "late").meters()).isEmpty();
            });
  }

  @Test
  void aWorkqueueBuiltLaterJoinsThroughMonitor() {
    runner.run(
        context -> {
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          WorkqueueMetrics metrics = context.getBean(WorkqueueMetrics.class);
          Workqueue adhoc =
              metrics.monitor(Workqueue.builder("adhoc").unbound().runtime(context.getBean(WorkqueueRuntime.class)).build());
          adhoc.queueWork(Work.of(() -> {}));
          adhoc.flush();
          assertThat(registry.get("workqueue.work.started").tag("name", "adhoc").functionCounter().count()).isEqualTo(1);
          adhoc.destroy();
        });
  }

  @Test
  void theMetersGoWhenTheContextCloses() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CmwqAutoConfiguration.class, CmwqMetricsAutoConfiguration.class))
        .withBean(MeterRegistry.class, () -> registry)
        .run(
            context -> {
              // without Boot's metrics auto-configuration nothing binds: bind by hand
              context.getBean(WorkqueueMetrics.class).bindTo(registry);
              assertThat(registry.find("workqueue.work.started").meters()).hasSize(4);
            });
    assertThat(registry.find("workqueue.work.started").meters()).isEmpty();
  }

  @Test
  void backsOffWithoutAMeterRegistry() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CmwqAutoConfiguration.class, CmwqMetricsAutoConfiguration.class))
        .run(context -> assertThat(context).hasSingleBean(WorkqueueRuntime.class).doesNotHaveBean(WorkqueueMetrics.class));
  }

  @Test
  void backsOffWithoutMicrometerOrTheBinder() {
    runner
        .withClassLoader(new FilteredClassLoader(WorkqueueMetrics.class))
        .run(context -> assertThat(context).hasSingleBean(MeterRegistry.class).doesNotHaveBean(WorkqueueMetrics.class));
  }

  @Test
  void backsOffWhenCmwqIsDisabled() {
    runner
        .withPropertyValues("cmwq.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(WorkqueueMetrics.class));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBinder {
    @Bean
    WorkqueueMetrics myMetrics(WorkqueueRuntime runtime) {
      return WorkqueueMetrics.builder(runtime).runtimeName("mine").executorMeters(false).build();
    }
  }

  @Test
  void anApplicationBinderReplacesTheAutoConfiguredOne() {
    runner
        .withUserConfiguration(OwnBinder.class)
        .withPropertyValues("cmwq.workqueues.io.unbound=true")
        .run(
            context -> {
              assertThat(context).hasSingleBean(WorkqueueMetrics.class).hasBean("myMetrics");
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(registry.find("executor.completed").meters()).isEmpty();
              // the workqueue beans still join it
              assertThat(registry.find("workqueue.work.started").tag("name", "io").meters()).hasSize(1);
            });
  }
}
