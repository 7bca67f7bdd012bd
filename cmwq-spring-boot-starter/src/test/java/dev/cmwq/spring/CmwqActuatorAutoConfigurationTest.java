package dev.cmwq.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cmwq.ManualTimeSource;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.micrometer.WorkqueueMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@link CmwqEndpointAutoConfiguration} and {@link CmwqHealthAutoConfiguration}: their conditions,
 * the endpoint's payload, and the health rule.
 */
class CmwqActuatorAutoConfigurationTest {

  private final String prefix = CmwqAutoConfigurationTest.uniquePrefix();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  EndpointAutoConfiguration.class,
                  HealthContributorAutoConfiguration.class,
                  CmwqAutoConfiguration.class,
                  CmwqEndpointAutoConfiguration.class,
                  CmwqHealthAutoConfiguration.class))
          .withPropertyValues("cmwq.thread-name-prefix=" + prefix);

  // ---- endpoint ----

  @Test
  void theEndpointNeedsToBeExposed() {
    runner.run(context -> assertThat(context).doesNotHaveBean(WorkqueuesEndpoint.class));
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=workqueues")
        .run(context -> assertThat(context).hasSingleBean(WorkqueuesEndpoint.class));
    runner
        .withPropertyValues("management.endpoints.jmx.exposure.include=workqueues", "spring.jmx.enabled=true")
        .run(context -> assertThat(context).hasSingleBean(WorkqueuesEndpoint.class));
    runner
        .withPropertyValues(
            "management.endpoints.web.exposure.include=workqueues", "management.endpoint.workqueues.access=NONE")
        .run(context -> assertThat(context).doesNotHaveBean(WorkqueuesEndpoint.class));
  }

  @Test
  void theEndpointBacksOffWithoutTheActuatorOrCmwq() {
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=workqueues")
        .withClassLoader(new FilteredClassLoader(Endpoint.class))
        .run(context -> assertThat(context).doesNotHaveBean(WorkqueuesEndpoint.class));
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=workqueues", "cmwq.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(WorkqueuesEndpoint.class));
  }

  @Test
  void theEndpointShowsTheRuntimeItsWorkqueuesAndTheDump() {
    runner
        .withPropertyValues(
            "management.endpoints.web.exposure.include=workqueues",
            "cmwq.cpus=2",
            "cmwq.workqueues.io.unbound=true",
            "cmwq.workqueues.io.max-active=8")
        .run(
            context -> {
              WorkqueuesEndpoint endpoint = context.getBean(WorkqueuesEndpoint.class);
              Workqueue io = context.getBean("ioWorkqueue", Workqueue.class);
              for (int i = 0; i < 7; i++) {
                io.queueWork(Work.of(() -> {}));
              }
              io.flush();

              WorkqueuesEndpoint.WorkqueuesDescriptor all = endpoint.workqueues();
              assertThat(all.runtime().cpus()).isEqualTo(2);
              assertThat(all.runtime().shutdown()).isFalse();
              assertThat(all.runtime().idleWorkers()).isGreaterThanOrEqualTo(1);
              assertThat(all.workqueues())
                  .containsOnlyKeys("events", "events_highpri", "events_long", "events_unbound", "io");
              WorkqueuesEndpoint.WorkqueueDescriptor d = all.workqueues().get("io");
              assertThat(d.type()).isEqualTo("unbound");
              assertThat(d.maxActive()).isEqualTo(8);
              assertThat(d.started()).isEqualTo(7);
              assertThat(d.completed()).isEqualTo(7);
              assertThat(d.inFlight()).isZero();
              assertThat(all.workqueues().get("events_highpri").highpri()).isTrue();
              assertThat(all.dump()).contains("Worker Pools:").contains("workqueue io: unbound max_active=8")
                  .contains(prefix);

              assertThat(endpoint.workqueue("io")).isEqualTo(WorkqueuesEndpoint.WorkqueueDescriptor.of(io));
              assertThat(endpoint.workqueue("events").type()).isEqualTo("bound");
              assertThat(endpoint.workqueue("nope")).isNull();
            });
  }

  @Test
  void theEndpointAlsoListsWorkqueuesTheBinderMonitorsButNotDestroyedOnes() {
    WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).threadNamePrefix(prefix).build();
    try {
      WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
      Workqueue adhoc = metrics.monitor(Workqueue.builder("adhoc").runtime(rt).build());
      Workqueue gone = Workqueue.builder("gone").runtime(rt).build();
      WorkqueuesEndpoint endpoint = new WorkqueuesEndpoint(rt, () -> List.of(adhoc, gone, adhoc));
      gone.destroy();
      assertThat(endpoint.workqueues().workqueues())
          .containsOnlyKeys("events", "events_highpri", "events_long", "events_unbound", "adhoc");
      assertThat(endpoint.workqueue("gone")).isNull();
    } finally {
      rt.shutdown();
    }
  }

  // ---- health ----

  @Test
  void theHealthIndicatorIsThereUnlessTurnedOff() {
    runner.run(context -> assertThat(context).hasSingleBean(CmwqHealthIndicator.class).hasBean("cmwqHealthIndicator"));
    runner
        .withPropertyValues("management.health.cmwq.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(CmwqHealthIndicator.class));
    runner
        .withPropertyValues("management.health.defaults.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(CmwqHealthIndicator.class));
    runner
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .run(context -> assertThat(context).doesNotHaveBean(CmwqHealthIndicator.class));
    runner
        .withPropertyValues("cmwq.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(CmwqHealthIndicator.class));
  }

  @Test
  void healthIsUpWithWorkerDetails() {
    runner
        .withPropertyValues("cmwq.watchdog-threshold=5s")
        .run(
            context -> {
              Health h = context.getBean(CmwqHealthIndicator.class).health();
              assertThat(h.getStatus()).isEqualTo(Status.UP);
              assertThat(h.getDetails()).containsEntry("lockups", 0L).containsEntry("watchdogThreshold", "PT5S")
                  .containsEntry("stalled", false).containsKey("workers");
              assertThat(h.getDetails().get("workers")).isEqualTo(new CmwqHealthIndicator.Workers(0, 0, 0));
            });
  }

  @Test
  void healthIsDownWhileAPoolIsStalledPastTheWatchdogThresholdThenUpAgain() {
    // one CPU slot, hog detection off: a spinning item holds the slot and the item behind it waits
    runner
        .withPropertyValues("cmwq.cpus=1", "cmwq.cpu-intensive-threshold=0", "cmwq.watchdog-threshold=200ms")
        .run(
            context -> {
              CmwqHealthIndicator health = context.getBean(CmwqHealthIndicator.class);
              WorkqueueRuntime rt = context.getBean(WorkqueueRuntime.class);
              AtomicBoolean stop = new AtomicBoolean();
              CountDownLatch spinning = new CountDownLatch(1);
              CountDownLatch behindRan = new CountDownLatch(1);
              try {
                rt.systemWq().queueWorkOn(
                    0,
                    Work.of(
                        () -> {
                          spinning.countDown();
                          long deadline = System.nanoTime() + SECONDS.toNanos(20);
                          while (!stop.get() && System.nanoTime() - deadline < 0) {
                            Thread.onSpinWait();
                          }
                        }));
                assertThat(spinning.await(10, SECONDS)).isTrue();
                assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                rt.systemWq().queueWorkOn(0, Work.of(behindRan::countDown));
                await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.DOWN));
                Health down = health.health();
                assertThat(down.getDetails()).containsEntry("stalled", true);
                assertThat((Long) down.getDetails().get("lockups")).isGreaterThanOrEqualTo(1);
              } finally {
                stop.set(true);
              }
              assertThat(behindRan.await(10, SECONDS)).isTrue();
              // no further lockup: UP again once two thresholds pass without one
              await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
            });
  }

  @Test
  void theHealthRuleOnAManualClock() {
    ManualTimeSource clock = new ManualTimeSource(Long.MAX_VALUE - 1_000_000_000L); // wraps: compared as differences
    java.util.concurrent.atomic.AtomicLong lockups = new java.util.concurrent.atomic.AtomicLong(5);
    WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).threadNamePrefix(prefix).build();
    try {
      CmwqHealthIndicator h = new CmwqHealthIndicator(rt, Duration.ofSeconds(1), lockups::get, clock);
      assertThat(h.health().getStatus()).as("lockups before the first look are history").isEqualTo(Status.UP);
      lockups.incrementAndGet(); // a lockup: DOWN for two thresholds from the check that saw it
      assertThat(h.health().getStatus()).isEqualTo(Status.DOWN);
      clock.advance(Duration.ofMillis(1999));
      assertThat(h.health().getStatus()).isEqualTo(Status.DOWN);
      clock.advance(Duration.ofMillis(1));
      assertThat(h.health().getStatus()).isEqualTo(Status.UP);
      lockups.incrementAndGet(); // still stuck: the watchdog reports again, DOWN again
      clock.advance(Duration.ofMillis(500));
      assertThat(h.health().getStatus()).isEqualTo(Status.DOWN);
      clock.advance(Duration.ofSeconds(1));
      lockups.incrementAndGet(); // and again, within the window: the window restarts
      assertThat(h.health().getStatus()).isEqualTo(Status.DOWN);
      clock.advance(Duration.ofMillis(1999));
      assertThat(h.health().getStatus()).isEqualTo(Status.DOWN);
      clock.advance(Duration.ofMillis(1));
      assertThat(h.health().getStatus()).isEqualTo(Status.UP);
      assertThat(h.health().getDetails()).containsEntry("lockups", 8L);

      CmwqHealthIndicator off = new CmwqHealthIndicator(rt, Duration.ZERO, lockups::get, clock);
      lockups.incrementAndGet();
      assertThat(off.health().getStatus()).as("watchdog off: always UP").isEqualTo(Status.UP);
    } finally {
      rt.shutdown();
    }
    assertThat(new CmwqHealthIndicator(rt, Duration.ofSeconds(1)).health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
  }
}
