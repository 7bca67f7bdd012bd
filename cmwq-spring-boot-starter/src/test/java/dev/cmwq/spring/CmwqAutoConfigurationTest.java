package dev.cmwq.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.Workqueues;
import dev.cmwq.reactor.WorkqueueScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link CmwqAutoConfiguration}: every condition and every runtime, workqueue, Reactor and
 * shutdown property, in an {@link ApplicationContextRunner}.
 */
class CmwqAutoConfigurationTest {

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /** A thread-name prefix no other runtime of this JVM uses. */
  static String uniquePrefix() {
    return "cmwq-t" + PREFIXES.incrementAndGet() + "/";
  }

  private final String prefix = uniquePrefix();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(CmwqAutoConfiguration.class))
          .withPropertyValues("cmwq.thread-name-prefix=" + prefix);

  /** Returns: the name of the worker thread that runs an item of {@code wq}. */
  static String threadOf(Workqueue wq) throws Exception {
    CompletableFuture<String> name = new CompletableFuture<>();
    wq.queueWork(Work.of(() -> name.complete(Thread.currentThread().getName())));
    return name.get(10, SECONDS);
  }

  private static void gate(CountDownLatch latch) {
    try {
      if (!latch.await(10, SECONDS)) {
        throw new AssertionError("gate was not opened in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- conditions ----

  @Test
  void aRuntimeFromThePropertiesWithTheDefaults() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(WorkqueueRuntime.class).hasSingleBean(CmwqProperties.class);
          assertThat(context).hasSingleBean(WorkqueueDrainLifecycle.class);
          assertThat(context).doesNotHaveBean(CmwqAutoConfiguration.ReactorDefaults.class);
          assertThat(context).doesNotHaveBean(Workqueue.class);
          WorkqueueRuntime rt = context.getBean(WorkqueueRuntime.class);
          assertThat(rt).isNotSameAs(WorkqueueRuntime.global());
          assertThat(rt.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
          assertThat(threadOf(rt.systemWq())).startsWith(prefix);
          CmwqProperties p = context.getBean(CmwqProperties.class);
          assertThat(p.getMaxWorkers()).isEqualTo(1024);
          assertThat(p.getIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
          assertThat(p.getCpuIntensiveThreshold()).isEqualTo(Duration.ofMillis(10));
          assertThat(p.getWatchdogThreshold()).isEqualTo(Duration.ofSeconds(30));
          assertThat(p.getShutdown().getTimeout()).isEqualTo(Duration.ofSeconds(30));
          assertThat(p.getWebflux().getWorkqueue()).isEqualTo("webflux");
        });
  }

  @Test
  void theRuntimeIsShutDownWhenTheContextCloses() {
    AtomicReference<WorkqueueRuntime> rt = new AtomicReference<>();
    runner.run(context -> rt.set(context.getBean(WorkqueueRuntime.class)));
    assertThat(rt.get().isShutdown()).isTrue();
  }

  @Test
  void backsOffWhenDisabled() {
    runner
        .withPropertyValues("cmwq.enabled=false", "cmwq.workqueues.io.unbound=true")
        .run(context -> assertThat(context).doesNotHaveBean(WorkqueueRuntime.class).doesNotHaveBean(Workqueue.class)
            .doesNotHaveBean(CmwqProperties.class));
  }

  @Test
  void backsOffWithoutTheCore() {
    runner
        .withClassLoader(new FilteredClassLoader(WorkqueueRuntime.class))
        .run(context -> assertThat(context).doesNotHaveBean(CmwqProperties.class));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRuntime {
    static final String PREFIX = uniquePrefix();

    @Bean(destroyMethod = "shutdown")
    WorkqueueRuntime myRuntime() {
      return WorkqueueRuntime.builder().cpus(1).threadNamePrefix(PREFIX).build();
    }
  }

  @Test
  void anApplicationRuntimeReplacesTheAutoConfiguredOne() {
    runner
        .withUserConfiguration(OwnRuntime.class)
        .withPropertyValues("cmwq.cpus=3", "cmwq.workqueues.io.unbound=true")
        .run(
            context -> {
              assertThat(context).hasSingleBean(WorkqueueRuntime.class).hasBean("myRuntime");
              WorkqueueRuntime rt = context.getBean(WorkqueueRuntime.class);
              assertThat(rt.cpus()).isEqualTo(1);
              Workqueue io = context.getBean("ioWorkqueue", Workqueue.class);
              assertThat(io.runtime()).isSameAs(rt);
              assertThat(threadOf(io)).startsWith(OwnRuntime.PREFIX);
            });
  }

  // ---- runtime properties ----

  @Test
  void cpusAndThreadNamePrefixReachTheRuntime() {
    runner
        .withPropertyValues("cmwq.cpus=3")
        .run(
            context -> {
              WorkqueueRuntime rt = context.getBean(WorkqueueRuntime.class);
              assertThat(rt.cpus()).isEqualTo(3);
              // bound workers are named <prefix><cpu>:<id>
              CompletableFuture<String> name = new CompletableFuture<>();
              rt.systemWq().queueWorkOn(2, Work.of(() -> name.complete(Thread.currentThread().getName())));
              assertThat(name.get(10, SECONDS)).startsWith(prefix + "2:");
            });
  }

  @Test
  void maxWorkersCapsThePoolWorkers() {
    runner
        .withPropertyValues("cmwq.max-workers=2", "cmwq.cpus=1", "cmwq.workqueues.wide.unbound=true")
        .run(
            context -> {
              WorkqueueRuntime rt = context.getBean(WorkqueueRuntime.class);
              Workqueue wide = context.getBean("wideWorkqueue", Workqueue.class);
              CountDownLatch twoRunning = new CountDownLatch(2);
              CountDownLatch release = new CountDownLatch(1);
              AtomicInteger ran = new AtomicInteger();
              for (int i = 0; i < 5; i++) {
                wide.queueWork(
                    Work.of(
                        () -> {
                          twoRunning.countDown();
                          gate(release);
                          ran.incrementAndGet();
                        }));
              }
              assertThat(twoRunning.await(10, SECONDS)).isTrue();
              // five items want a worker each; the cap holds the pool at two
              assertThat(rt.workerCount()).isEqualTo(2);
              assertThat(wide.stats().inFlight()).isEqualTo(2);
              release.countDown();
              wide.flush();
              assertThat(ran).hasValue(5);
              assertThat(rt.workerCount()).isLessThanOrEqualTo(2);
            });
  }

  @Test
  void idleTimeoutReapsSpareWorkers() {
    runner
        .withPropertyValues("cmwq.idle-timeout=100ms", "cmwq.cpus=1", "cmwq.workqueues.burst.unbound=true")
        .run(
            context -> {
              WorkqueueRuntime rt = context.getBean(WorkqueueRuntime.class);
              Workqueue burst = context.getBean("burstWorkqueue", Workqueue.class);
              int n = 6;
              CountDownLatch started = new CountDownLatch(n);
              CountDownLatch release = new CountDownLatch(1);
              for (int i = 0; i < n; i++) {
                burst.queueWork(
                    Work.of(
                        () -> {
                          started.countDown();
                          gate(release);
                        }));
              }
              assertThat(started.await(10, SECONDS)).isTrue();
              assertThat(rt.workerCount()).isGreaterThanOrEqualTo(n);
              release.countDown();
              burst.flush();
              // a 5-minute default would keep them; 100 ms lets the surplus go (the pool keeps two)
              await().atMost(Duration.ofSeconds(10)).until(() -> rt.workerCount() <= 2);
            });
  }

  @Test
  void cpuIntensiveThresholdReachesTheRuntime() {
    runner
        .withPropertyValues("cmwq.cpu-intensive-threshold=5ms", "cmwq.cpus=1", "cmwq.workqueues.hog.max-active=4")
        .run(
            context -> {
              Workqueue hog = context.getBean("hogWorkqueue", Workqueue.class);
              AtomicBoolean stop = new AtomicBoolean();
              hog.queueWork(
                  Work.of(
                      () -> {
                        long deadline = System.nanoTime() + SECONDS.toNanos(20);
                        while (!stop.get() && System.nanoTime() - deadline < 0) {
                          Thread.onSpinWait();
                        }
                      }));
              try {
                await().atMost(Duration.ofSeconds(10)).until(() -> hog.stats().cpuIntensive() == 1);
              } finally {
                stop.set(true);
              }
              hog.flush();
            });
  }

  @Test
  void badRuntimePropertiesFailTheStartWithTheCoresMessage() {
    runner
        .withPropertyValues("cmwq.idle-timeout=0s")
        .run(
            context -> assertThat(context)
                .hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idleTimeout must be positive"));
    runner
        .withPropertyValues("cmwq.watchdog-threshold=-1s")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("watchdogThreshold"));
    runner
        .withPropertyValues("cmwq.max-workers=0")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("maxWorkers"));
    runner
        .withPropertyValues("cmwq.workqueues.this-name-is-far-too-long-for-a-workqueue.unbound=true")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("1..32"));
  }

  // ---- named workqueues ----

  @Test
  void eachNamedWorkqueueIsAWorkqueueAndASchedulerBean() {
    runner
        .withPropertyValues(
            "cmwq.workqueues.io.unbound=true",
            "cmwq.workqueues.io.max-active=16",
            "cmwq.workqueues.urgent.highpri=true",
            "cmwq.workqueues.log.ordered=true",
            "cmwq.workqueues.reclaim.mem-reclaim=true",
            "cmwq.workqueues.crunch.cpu-intensive=true",
            "cmwq.workqueues.plain.max-active=0")
        .run(
            context -> {
              assertThat(context.getBeansOfType(Workqueue.class))
                  .containsOnlyKeys(
                      "ioWorkqueue", "urgentWorkqueue", "logWorkqueue", "reclaimWorkqueue", "crunchWorkqueue",
                      "plainWorkqueue");
              assertThat(context.getBeansOfType(Scheduler.class))
                  .containsOnlyKeys(
                      "ioScheduler", "urgentScheduler", "logScheduler", "reclaimScheduler", "crunchScheduler",
                      "plainScheduler");
              Workqueue io = context.getBean("ioWorkqueue", Workqueue.class);
              assertThat(io.name()).isEqualTo("io");
              assertThat(io.isUnbound()).isTrue();
              assertThat(io.isOrdered()).isFalse();
              assertThat(io.maxActive()).isEqualTo(16);
              assertThat(io.runtime()).isSameAs(context.getBean(WorkqueueRuntime.class));
              Workqueue urgent = context.getBean("urgentWorkqueue", Workqueue.class);
              assertThat(urgent.isHighpri()).isTrue();
              assertThat(urgent.isUnbound()).isFalse();
              assertThat(threadOf(urgent)).startsWith(prefix).endsWith("H");
              Workqueue log = context.getBean("logWorkqueue", Workqueue.class);
              assertThat(log.isOrdered()).isTrue();
              assertThat(log.maxActive()).isEqualTo(1);
              assertThat(context.getBean("reclaimWorkqueue", Workqueue.class).isMemReclaim()).isTrue();
              assertThat(context.getBean("crunchWorkqueue", Workqueue.class).isCpuIntensive()).isTrue();
              assertThat(context.getBean("plainWorkqueue", Workqueue.class).maxActive()).isEqualTo(1024);

              WorkqueueScheduler ioScheduler = context.getBean("ioScheduler", WorkqueueScheduler.class);
              assertThat(ioScheduler.workqueue()).isSameAs(io);
              assertThat(ioScheduler.ownsWorkqueue()).isFalse();
              String thread =
                  Mono.fromCallable(() -> Thread.currentThread().getName())
                      .subscribeOn(ioScheduler)
                      .block(Duration.ofSeconds(10));
              assertThat(thread).startsWith(prefix + "u");
            });
  }

  static class NeedsQualified {
    final Workqueue workqueue;
    final Scheduler scheduler;

    NeedsQualified(@Qualifier("io") Workqueue workqueue, @Qualifier("io") Scheduler scheduler) {
      this.workqueue = workqueue;
      this.scheduler = scheduler;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class QualifiedUser {
    @Bean
    NeedsQualified needsQualified(@Qualifier("io") Workqueue workqueue, @Qualifier("io") Scheduler scheduler) {
      return new NeedsQualified(workqueue, scheduler);
    }
  }

  @Test
  void theWorkqueueNameIsTheQualifier() {
    runner
        .withUserConfiguration(QualifiedUser.class)
        .withPropertyValues("cmwq.workqueues.io.unbound=true", "cmwq.workqueues.other.unbound=true")
        .run(
            context -> {
              NeedsQualified n = context.getBean(NeedsQualified.class);
              assertThat(n.workqueue).isSameAs(context.getBean("ioWorkqueue"));
              assertThat(n.scheduler).isSameAs(context.getBean("ioScheduler"));
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnIoWorkqueue {
    @Bean(destroyMethod = "destroy")
    Workqueue ioWorkqueue(WorkqueueRuntime runtime) {
      return Workqueue.builder("my-io").ordered().runtime(runtime).build();
    }
  }

  @Test
  void anApplicationBeanOfTheSameNameWins() {
    runner
        .withUserConfiguration(OwnIoWorkqueue.class)
        .withPropertyValues("cmwq.workqueues.io.unbound=true")
        .run(
            context -> {
              Workqueue io = context.getBean("ioWorkqueue", Workqueue.class);
              assertThat(io.name()).isEqualTo("my-io");
              assertThat(context.getBean("ioScheduler", WorkqueueScheduler.class).workqueue()).isSameAs(io);
            });
  }

  @Test
  void withoutReactorThereAreWorkqueueBeansOnly() {
    runner
        .withClassLoader(new FilteredClassLoader("reactor.core"))
        .withPropertyValues("cmwq.workqueues.io.unbound=true", "cmwq.reactor.install-as-default=true")
        .run(
            context -> {
              assertThat(context).hasBean("ioWorkqueue").doesNotHaveBean("ioScheduler");
              assertThat(context).doesNotHaveBean(CmwqAutoConfiguration.ReactorDefaults.class);
            });
  }

  @Test
  void workqueueAndSchedulerBeansAreDestroyedWithTheContext() {
    AtomicReference<Workqueue> io = new AtomicReference<>();
    AtomicReference<WorkqueueScheduler> scheduler = new AtomicReference<>();
    runner
        .withPropertyValues("cmwq.workqueues.io.unbound=true")
        .run(
            context -> {
              io.set(context.getBean("ioWorkqueue", Workqueue.class));
              scheduler.set(context.getBean("ioScheduler", WorkqueueScheduler.class));
            });
    assertThat(scheduler.get().isDisposed()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> io.get().isDestroyed());
    assertThatThrownBy(() -> io.get().queueWork(Work.of(() -> {}))).isInstanceOf(RejectedExecutionException.class);
  }

  // ---- Reactor ----

  @Test
  void installAsDefaultMakesReactorsSchedulersRunOnCmwqUntilTheContextCloses() {
    runner
        .withPropertyValues("cmwq.reactor.install-as-default=true")
        .run(
            context -> {
              assertThat(context).hasSingleBean(CmwqAutoConfiguration.ReactorDefaults.class);
              String parallel =
                  Mono.fromCallable(() -> Thread.currentThread().getName())
                      .subscribeOn(Schedulers.parallel())
                      .block(Duration.ofSeconds(10));
              assertThat(parallel).startsWith(prefix);
              String elastic =
                  Mono.fromCallable(() -> Thread.currentThread().getName())
                      .subscribeOn(Schedulers.boundedElastic())
                      .block(Duration.ofSeconds(10));
              assertThat(elastic).startsWith(prefix + "u");
            });
    String after =
        Mono.fromCallable(() -> Thread.currentThread().getName())
            .subscribeOn(Schedulers.parallel())
            .block(Duration.ofSeconds(10));
    assertThat(after).startsWith("parallel-");
  }

  @Test
  void reactorDefaultsAreLeftAloneByDefault() {
    runner.run(
        context -> {
          String parallel =
              Mono.fromCallable(() -> Thread.currentThread().getName())
                  .subscribeOn(Schedulers.parallel())
                  .block(Duration.ofSeconds(10));
          assertThat(parallel).startsWith("parallel-");
        });
  }

  // ---- shutdown ----

  @Test
  void theDrainCanBeTurnedOff() {
    runner
        .withPropertyValues("cmwq.shutdown.drain=false")
        .run(context -> assertThat(context).doesNotHaveBean(WorkqueueDrainLifecycle.class));
  }

  @Test
  void theDrainLifecycleRunsAfterTheWebServersGracefulShutdown() {
    runner.run(
        context -> {
          WorkqueueDrainLifecycle l = context.getBean(WorkqueueDrainLifecycle.class);
          assertThat(l.getPhase()).isEqualTo(Integer.MAX_VALUE / 2);
          assertThat(l.isAutoStartup()).isTrue();
          assertThat(l.isRunning()).isTrue();
          // lifecycles stop from the highest phase down: the web server's graceful shutdown
          // (MAX_VALUE - 1024) and stop (MAX_VALUE - 2048) come before this one
          assertThat(l.getPhase()).isLessThan(Integer.MAX_VALUE - 2048);
        });
  }

  @Test
  void closingTheContextWaitsForInFlightWorkAndCancelsNothing() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    AtomicBoolean interrupted = new AtomicBoolean();
    runner
        .withPropertyValues("cmwq.workqueues.jobs.unbound=true", "cmwq.shutdown.timeout=20s")
        .run(
            context -> {
              Workqueue jobs = context.getBean("jobsWorkqueue", Workqueue.class);
              jobs.queueWork(
                  Work.of(
                      () -> {
                        running.countDown();
                        gate(release);
                        interrupted.set(Thread.currentThread().isInterrupted());
                        finished.set(true);
                      }));
              assertThat(running.await(10, SECONDS)).isTrue();
              CompletableFuture<Void> closed = CompletableFuture.runAsync(((ConfigurableApplicationContext) context)::close);
              // the drain has begun once an outside caller is refused; the item is still running
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> refused(jobs));
              assertThat(closed).isNotDone();
              assertThat(jobs.isDestroyed()).isFalse();
              assertThat(finished).isFalse();
              release.countDown();
              closed.get(20, SECONDS);
              assertThat(finished).isTrue();
              assertThat(interrupted).isFalse();
              await().atMost(Duration.ofSeconds(10)).until(jobs::isDestroyed);
            });
  }

  /** Returns: whether queueing from outside is refused (the workqueue drains or is destroyed). */
  private static boolean refused(Workqueue wq) {
    try {
      wq.queueWork(Work.of(() -> {}));
      return false;
    } catch (RejectedExecutionException e) {
      return true;
    }
  }

  @Test
  void theDrainIsBoundedByTheTimeout() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      runner
          .withPropertyValues("cmwq.workqueues.stuck.unbound=true", "cmwq.shutdown.timeout=100ms")
          .run(
              context -> {
                Workqueue stuck = context.getBean("stuckWorkqueue", Workqueue.class);
                stuck.queueWork(
                    Work.of(
                        () -> {
                          running.countDown();
                          try {
                            Workqueues.blocking(
                                () -> {
                                  gate(release);
                                  return null;
                                });
                          } catch (Exception e) {
                            throw new AssertionError(e);
                          }
                        }));
                assertThat(running.await(10, SECONDS)).isTrue();
                long start = System.nanoTime();
                ((ConfigurableApplicationContext) context).close();
                // well before the item is released: the close did not wait for it
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                assertThat(release.getCount()).isEqualTo(1);
              });
    } finally {
      release.countDown();
    }
  }
}
