package dev.cmwq.micrometer;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.WorkqueueStats;
import dev.cmwq.Workqueues;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meters of {@link WorkqueueMetrics} in a {@link SimpleMeterRegistry}: names, tags, values
 * after work, and how they follow workqueues monitored and destroyed later.
 */
class WorkqueueMetricsTest {

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final List<WorkqueueRuntime> runtimes = new ArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** What work items threw; a test that provokes a failure removes what it expects. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private WorkqueueRuntime runtime(WorkqueueRuntime.Builder b) {
    WorkqueueRuntime rt =
        b.threadNamePrefix("mt" + PREFIXES.incrementAndGet() + "/")
            .uncaughtExceptionHandler((t, e) -> failures.add(e))
            .build();
    runtimes.add(rt);
    return rt;
  }

  private WorkqueueRuntime runtime(int cpus) {
    return runtime(WorkqueueRuntime.builder().cpus(cpus));
  }

  @AfterEach
  void shutDown() throws InterruptedException {
    for (WorkqueueRuntime rt : runtimes) {
      rt.shutdown();
    }
    for (WorkqueueRuntime rt : runtimes) {
      assertThat(rt.awaitTermination(Duration.ofSeconds(20))).as("threads left after shutdown").isTrue();
    }
    assertThat(failures).as("work items threw").isEmpty();
  }

  private static void awaitLatch(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(10, SECONDS)).as("latch reached zero in time (count %d)", latch.getCount()).isTrue();
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

  private double counter(String name, String wq) {
    return registry.get(name).tag("name", wq).functionCounter().count();
  }

  private double gauge(String name, String wq) {
    return registry.get(name).tag("name", wq).gauge().value();
  }

  private List<Meter> metersOf(String wq) {
    return registry.getMeters().stream()
        .filter(m -> wq.equals(m.getId().getTag("name")))
        .collect(Collectors.toList());
  }

  /** Reads every meter, as a scrape does. */
  private void scrape() {
    for (Meter m : registry.getMeters()) {
      m.measure().forEach(ms -> ms.getValue());
    }
  }

  @Test
  void everyWorkqueueMeterIsThereWithLowCardinalityTags() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.monitor(Workqueue.builder("mt-tags").runtime(rt).build());
    metrics.bindTo(registry);

    Set<String> names = metersOf("mt-tags").stream().map(m -> m.getId().getName()).collect(Collectors.toSet());
    assertThat(names)
        .containsExactlyInAnyOrder(
            "workqueue.work.started",
            "workqueue.work.completed",
            "workqueue.work.failed",
            "workqueue.work.inflight",
            "workqueue.work.inactive",
            "workqueue.cpu.time",
            "workqueue.work.cpu.intensive",
            "workqueue.cm.wakeups",
            "workqueue.rescuer.maydays",
            "workqueue.rescuer.rescued",
            "workqueue.max.active",
            "executor.completed",
            "executor.active",
            "executor.queued");
    for (Meter m : metersOf("mt-tags")) {
      Set<String> keys = m.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet());
      if (m.getId().getName().startsWith("executor.")) {
        // exactly ExecutorServiceMetrics' tag keys, so the series sit beside other executors'
        assertThat(keys).as(m.getId().toString()).containsExactly("name");
      } else {
        assertThat(keys).as(m.getId().toString()).containsExactlyInAnyOrder("name", "type", "highpri");
      }
    }
    assertThat(registry.get("workqueue.cpu.time").tag("name", "mt-tags").functionCounter().getId().getBaseUnit())
        .isEqualTo("seconds");
    // no meter anywhere carries a tag per thread, CPU slot or instance
    Set<String> allKeys = new HashSet<>();
    registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> allKeys.add(t.getKey())));
    assertThat(allKeys).containsExactlyInAnyOrder("name", "type", "highpri", "state");
  }

  @Test
  void typeAndHighpriTagsFollowTheFlags() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = WorkqueueMetrics.builder(rt).systemWorkqueues(false).build();
    metrics.monitor(Workqueue.builder("mt-bound").runtime(rt).build());
    metrics.monitor(Workqueue.builder("mt-unbound").unbound().runtime(rt).build());
    metrics.monitor(Workqueue.builder("mt-ordered").ordered().runtime(rt).build());
    metrics.monitor(Workqueue.builder("mt-hi").highpri().runtime(rt).build());
    metrics.bindTo(registry);

    assertThat(tagsOf("mt-bound")).containsEntry("type", "bound").containsEntry("highpri", "false");
    assertThat(tagsOf("mt-unbound")).containsEntry("type", "unbound").containsEntry("highpri", "false");
    assertThat(tagsOf("mt-ordered")).containsEntry("type", "ordered");
    assertThat(tagsOf("mt-hi")).containsEntry("type", "bound").containsEntry("highpri", "true");
    assertThat(gauge("workqueue.max.active", "mt-ordered")).isEqualTo(1);
    assertThat(gauge("workqueue.max.active", "mt-bound")).isEqualTo(1024);
    assertThat(registry.find("workqueue.work.started").tag("name", "events").functionCounter())
        .as("system workqueues left out")
        .isNull();
  }

  private java.util.Map<String, String> tagsOf(String wq) {
    return registry.get("workqueue.work.started").tag("name", wq).functionCounter().getId().getTags().stream()
        .collect(Collectors.toMap(Tag::getKey, Tag::getValue));
  }

  @Test
  void theSystemWorkqueuesAndTheRuntimeAreMonitoredFromTheStart() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = WorkqueueMetrics.builder(rt).runtimeName("rt-a").tags("app", "test").build();
    metrics.bindTo(registry);

    assertThat(metrics.monitored())
        .containsExactly(rt.systemWq(), rt.systemHighpriWq(), rt.systemLongWq(), rt.systemUnboundWq());
    assertThat(tagsOf("events_unbound")).containsEntry("type", "unbound").containsEntry("app", "test");
    assertThat(tagsOf("events_highpri")).containsEntry("highpri", "true");
    for (String state : List.of("idle", "running", "blocked")) {
      Gauge g = registry.get("workqueue.workers").tag("state", state).tag("app", "test").gauge();
      assertThat(g.value()).isZero(); // threads are created on demand: none yet
      assertThat(g.getId().getBaseUnit()).isEqualTo("threads");
    }
    // one description per meter name (Prometheus keeps one; an aggregate over state must not read
    // as one state's)
    assertThat(registry.get("workqueue.workers").gauges())
        .extracting(g -> g.getId().getDescription())
        .hasSize(3)
        .containsOnly(RuntimeMeters.WORKERS_DESCRIPTION);
    assertThat(registry.get("executor.pool.size").tag("name", "rt-a").gauge().value()).isZero();
    assertThat(registry.get("workqueue.watchdog.lockups").functionCounter().count()).isZero();
  }

  @Test
  void valuesMatchTheWorkDone() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-values").runtime(rt).build());

    int n = 500;
    for (int i = 0; i < n; i++) {
      wq.queueWork(Work.of(() -> {}));
    }
    wq.queueWork(
        Work.of(
            () -> {
              throw new IllegalStateException("counted as failed (expected by the test)");
            }));
    wq.flush();
    assertThat(failures.poll()).hasMessageContaining("expected by the test");

    assertThat(counter("workqueue.work.started", "mt-values")).isEqualTo(n + 1);
    assertThat(counter("workqueue.work.completed", "mt-values")).isEqualTo(n + 1);
    assertThat(counter("workqueue.work.failed", "mt-values")).isEqualTo(1);
    assertThat(gauge("workqueue.work.inflight", "mt-values")).isZero();
    assertThat(gauge("workqueue.work.inactive", "mt-values")).isZero();
    assertThat(counter("executor.completed", "mt-values")).isEqualTo(n + 1);
    assertThat(gauge("executor.active", "mt-values")).isZero();
    assertThat(gauge("executor.queued", "mt-values")).isZero();
    assertThat(registry.get("workqueue.workers").tag("state", "idle").gauge().value()).isGreaterThanOrEqualTo(1);
    assertThat(registry.get("executor.pool.size").tag("name", "cmwq").gauge().value())
        .isEqualTo(rt.workers().total());
  }

  @Test
  void cpuTimeGrowsInSecondsWhileAnItemSpins() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-cpu").runtime(rt).build());
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(1);
    // the runtime samples CPU time while work waits behind a running worker: an item spins on
    // the only slot with another queued behind it
    wq.queueWorkOn(
        0,
        Work.of(
            () -> {
              started.countDown();
              long deadline = System.nanoTime() + SECONDS.toNanos(20);
              while (!stop.get() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
              }
            }));
    wq.queueWorkOn(0, Work.of(() -> {}));
    try {
      awaitLatch(started);
      await().atMost(Duration.ofSeconds(10)).until(() -> counter("workqueue.cpu.time", "mt-cpu") > 0);
    } finally {
      stop.set(true);
    }
    wq.flush();
    double cpu = counter("workqueue.cpu.time", "mt-cpu");
    assertThat(cpu).as("seconds").isGreaterThan(0).isLessThan(60);
    assertThat(cpu).isEqualTo(wq.stats().cpuTime().toNanos() / 1e9);
  }

  @Test
  void inflightInactiveAndQueuedWhileMaxActiveHoldsItemsBack() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-held").unbound().maxActive(2).runtime(rt).build());
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    for (int i = 0; i < 5; i++) {
      wq.queueWork(
          Work.of(
              () -> {
                started.countDown();
                gate(release);
              }));
    }
    try {
      awaitLatch(started);
      assertThat(gauge("workqueue.work.inflight", "mt-held")).isEqualTo(2);
      assertThat(gauge("workqueue.work.inactive", "mt-held")).isEqualTo(3);
      assertThat(gauge("executor.active", "mt-held")).isEqualTo(2);
      assertThat(gauge("executor.queued", "mt-held")).isEqualTo(3);
      assertThat(counter("workqueue.work.started", "mt-held")).isEqualTo(2);
      assertThat(gauge("workqueue.max.active", "mt-held")).isEqualTo(2);
      // unbound workers count as running
      assertThat(registry.get("workqueue.workers").tag("state", "running").gauge().value()).isGreaterThanOrEqualTo(2);
    } finally {
      release.countDown();
    }
    wq.flush();
    assertThat(counter("workqueue.work.completed", "mt-held")).isEqualTo(5);
    assertThat(gauge("workqueue.work.inactive", "mt-held")).isZero();
  }

  @Test
  void declaredBlockingShowsAsABlockedWorkerAndTheWakeupCounterIsMirrored() throws Exception {
    // one CPU slot, hog detection off: B can only start because A declared it blocks
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-cm").runtime(rt).build());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch bRan = new CountDownLatch(1);
    wq.queueWorkOn(
        0,
        Work.of(
            () -> {
              // A runs (counted as running), so B, queued from A onto the same slot, waits
              // behind it; then A declares it blocks: concurrency management wakes a worker for B
              wq.queueWorkOn(0, Work.of(bRan::countDown));
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
    try {
      awaitLatch(bRan);
      assertThat(registry.get("workqueue.workers").tag("state", "blocked").gauge().value()).isEqualTo(1);
      // B's count of completed follows its function's return: wait for it
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge("workqueue.work.inflight", "mt-cm") == 1);
    } finally {
      release.countDown();
    }
    wq.flush();
    // how many wake-ups one declared block causes depends on the engine's timing (a spare idle
    // worker may take B first, the sampler may count one too): the meter mirrors the counter
    assertThat(counter("workqueue.cm.wakeups", "mt-cm")).isEqualTo(wq.stats().cmWakeups());
    assertThat(registry.get("workqueue.workers").tag("state", "blocked").gauge().value()).isZero();
  }

  @Test
  void anItemThatRunsPastTheThresholdCountsAsCpuIntensive() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ofMillis(5)));
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-hog").runtime(rt).build());
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(1);
    wq.queueWork(
        Work.of(
            () -> {
              started.countDown();
              long deadline = System.nanoTime() + SECONDS.toNanos(20);
              while (!stop.get() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
              }
            }));
    try {
      awaitLatch(started);
      await().atMost(Duration.ofSeconds(10)).until(() -> counter("workqueue.work.cpu.intensive", "mt-hog") >= 1);
    } finally {
      stop.set(true);
    }
    wq.flush();
    assertThat(counter("workqueue.work.cpu.intensive", "mt-hog")).isEqualTo(1);
  }

  @Test
  void theRescuerMetersCountMaydaysAndRescuedItems() throws Exception {
    // one pool worker for the whole runtime: while it is held, only the rescuer can run items
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).maxWorkers(1).cpuIntensiveThreshold(Duration.ZERO));
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue plain = metrics.monitor(Workqueue.builder("mt-plain").runtime(rt).build());
    Workqueue reclaim = metrics.monitor(Workqueue.builder("mt-reclaim").memReclaim().runtime(rt).build());
    CountDownLatch blockerStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    plain.queueWork(
        Work.of(
            () -> {
              blockerStarted.countDown();
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
    awaitLatch(blockerStarted);
    reclaim.queueWork(Work.of(release::countDown));
    awaitLatch(release);
    plain.flush();
    reclaim.flush();
    assertThat(counter("workqueue.rescuer.maydays", "mt-reclaim")).isGreaterThanOrEqualTo(1);
    assertThat(counter("workqueue.rescuer.rescued", "mt-reclaim")).isEqualTo(1);
    assertThat(counter("workqueue.rescuer.rescued", "mt-plain")).isZero();
  }

  @Test
  void everyMeterReadsWhatTheStatsSay() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-all").unbound().runtime(rt).build());
    for (int i = 0; i < 50; i++) {
      wq.queueWork(Work.of(() -> {}));
    }
    wq.flush();
    WorkqueueStats s = wq.stats();
    assertThat(counter("workqueue.work.started", "mt-all")).isEqualTo(s.started());
    assertThat(counter("workqueue.work.completed", "mt-all")).isEqualTo(s.completed());
    assertThat(counter("workqueue.work.failed", "mt-all")).isEqualTo(s.failed());
    assertThat(gauge("workqueue.work.inflight", "mt-all")).isEqualTo(s.inFlight());
    assertThat(gauge("workqueue.work.inactive", "mt-all")).isEqualTo(s.inactive());
    assertThat(counter("workqueue.cpu.time", "mt-all")).isEqualTo(s.cpuTime().toNanos() / 1e9);
    assertThat(counter("workqueue.work.cpu.intensive", "mt-all")).isEqualTo(s.cpuIntensive());
    assertThat(counter("workqueue.cm.wakeups", "mt-all")).isEqualTo(s.cmWakeups());
    assertThat(counter("workqueue.rescuer.maydays", "mt-all")).isEqualTo(s.mayday());
    assertThat(counter("workqueue.rescuer.rescued", "mt-all")).isEqualTo(s.rescued());
    assertThat(gauge("workqueue.max.active", "mt-all")).isEqualTo(wq.maxActive());
  }

  // ---- following workqueues ----

  @Test
  void aWorkqueueMonitoredAfterBindingJoinsEveryBoundRegistry() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.bindTo(other);
    metrics.bindTo(registry); // again: nothing changes
    int before = registry.getMeters().size();

    Workqueue wq = Workqueue.builder("mt-late").runtime(rt).build();
    assertThat(metrics.monitor(wq)).isSameAs(wq);
    assertThat(metrics.monitor(wq)).as("idempotent").isSameAs(wq);

    assertThat(registry.getMeters()).hasSize(before + 14);
    assertThat(other.getMeters()).hasSize(before + 14);
    assertThat(other.get("workqueue.work.started").tag("name", "mt-late").functionCounter().count()).isZero();
    assertThat(metrics.monitored()).contains(wq);
  }

  @Test
  void workqueuesBuiltBeforeAndAfterTheBinderAreFollowedWithoutMonitor() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue early = Workqueue.builder("mt-early").runtime(rt).build();
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue late = Workqueue.builder("mt-follow").unbound().runtime(rt).build();
    late.queueWork(Work.of(() -> {}));
    late.flush();

    assertThat(metrics.monitored()).contains(early, late);
    assertThat(registry.get("workqueue.work.completed").tag("name", "mt-follow").functionCounter().count())
        .isEqualTo(1.0);
    assertThat(registry.find("workqueue.work.started").tag("name", "mt-early").functionCounter()).isNotNull();

    late.destroy();
    registry.get("workqueue.workers").tag("state", "idle").gauge().value(); // a runtime read prunes
    assertThat(registry.find("workqueue.work.started").tag("name", "mt-follow").functionCounter()).isNull();

    WorkqueueMetrics explicit = WorkqueueMetrics.builder(rt).followNewWorkqueues(false).systemWorkqueues(false).build();
    Workqueue unfollowed = Workqueue.builder("mt-unfollowed").runtime(rt).build();
    assertThat(explicit.monitored()).doesNotContain(early, unfollowed);
    explicit.close();
    metrics.close();
  }

  @Test
  void aDestroyedWorkqueuesMetersGoAfterTheNextRead() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.bindTo(other);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-destroyed").runtime(rt).build());
    for (int i = 0; i < 10; i++) {
      wq.queueWork(Work.of(() -> {}));
    }
    FunctionCounter completed = registry.get("workqueue.work.completed").tag("name", "mt-destroyed").functionCounter();
    wq.destroy();
    assertThat(metersOf("mt-destroyed")).as("nothing read yet").hasSize(14);

    // the read that notices the destroy still returns the final count, then the meters go
    assertThat(completed.count()).isEqualTo(10);
    assertThat(metersOf("mt-destroyed")).isEmpty();
    assertThat(other.getMeters().stream().filter(m -> "mt-destroyed".equals(m.getId().getTag("name")))).isEmpty();
    assertThat(metrics.monitored()).doesNotContain(wq);
    assertThat(metrics.monitor(wq)).as("a destroyed workqueue is not monitored again").isSameAs(wq);
    assertThat(metersOf("mt-destroyed")).isEmpty();
  }

  @Test
  void aRuntimeMeterReadPrunesEveryDestroyedWorkqueue() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue a = metrics.monitor(Workqueue.builder("mt-prune-a").runtime(rt).build());
    Workqueue b = metrics.monitor(Workqueue.builder("mt-prune-b").unbound().runtime(rt).build());
    Workqueue c = metrics.monitor(Workqueue.builder("mt-prune-c").runtime(rt).build());
    a.destroy();
    b.destroy();
    registry.get("workqueue.workers").tag("state", "idle").gauge().value();
    assertThat(metersOf("mt-prune-a")).isEmpty();
    assertThat(metersOf("mt-prune-b")).isEmpty();
    assertThat(metersOf("mt-prune-c")).hasSize(14);
    assertThat(metrics.monitored()).contains(c).doesNotContain(a, b);
  }

  @Test
  void removeTakesTheMetersAwayAtOnce() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-remove").runtime(rt).build());
    assertThat(metrics.remove(wq)).isTrue();
    assertThat(metrics.remove(wq)).isFalse();
    assertThat(metersOf("mt-remove")).isEmpty();
    // monitoring it again brings them back
    metrics.monitor(wq);
    assertThat(metersOf("mt-remove")).hasSize(14);
    assertThat(wq.isDestroyed()).isFalse();
  }

  @Test
  void monitoringNeverKeepsAWorkqueueAlive() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    WeakReference<Workqueue> ref = monitorDestroyedAndDrop(rt, metrics);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              System.gc();
              return ref.get() == null;
            });
    scrape();
    assertThat(metersOf("mt-weak")).isEmpty();
  }

  /** In its own frame, so no local variable of the test keeps the workqueue reachable. */
  private static WeakReference<Workqueue> monitorDestroyedAndDrop(WorkqueueRuntime rt, WorkqueueMetrics metrics) {
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-weak").runtime(rt).build());
    wq.queueWork(Work.of(() -> {}));
    wq.destroy();
    return new WeakReference<>(wq);
  }

  @Test
  void aShutDownRuntimeTakesAllItsMetersAway() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    metrics.monitor(Workqueue.builder("mt-shut").runtime(rt).build());
    assertThat(registry.getMeters()).isNotEmpty();
    rt.shutdown();
    scrape();
    assertThat(registry.getMeters()).isEmpty();
    metrics.bindTo(new SimpleMeterRegistry()); // closed: nothing happens
  }

  @Test
  void closeRemovesEverythingAndIsFinal() {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    Workqueue wq = Workqueue.builder("mt-close").runtime(rt).build();
    metrics.monitor(wq);
    metrics.close();
    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
    metrics.monitor(wq);
    metrics.bindTo(registry);
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void aWorkqueueOfAnotherRuntimeIsRefused() {
    WorkqueueRuntime rt = runtime(1);
    WorkqueueRuntime other = runtime(1);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    Workqueue foreign = Workqueue.builder("mt-foreign").runtime(other).build();
    assertThatThrownBy(() -> metrics.monitor(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another runtime");
    assertThatThrownBy(() -> metrics.monitor(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void executorMetersCanBeTurnedOff() {
    WorkqueueRuntime rt = runtime(1);
    WorkqueueMetrics.builder(rt).executorMeters(false).build().bindTo(registry);
    assertThat(registry.find("executor.completed").meters()).isEmpty();
    assertThat(registry.find("executor.pool.size").meters()).isEmpty();
    assertThat(registry.find("workqueue.work.started").meters()).hasSize(4);
  }

  @Test
  void concurrentMonitorDestroyAndScrapeLeaveNoStaleMeters() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(registry);
    AtomicBoolean stop = new AtomicBoolean();
    Thread scraper =
        new Thread(
            () -> {
              while (!stop.get()) {
                scrape();
              }
            },
            "mt-scraper");
    scraper.start();
    try {
      for (int i = 0; i < 200; i++) {
        Workqueue wq = metrics.monitor(Workqueue.builder("mt-race-" + i).unbound().runtime(rt).build());
        wq.queueWork(Work.of(() -> {}));
        if (i % 3 == 0) {
          metrics.remove(wq);
        }
        wq.destroy();
      }
    } finally {
      stop.set(true);
      scraper.join(10_000);
    }
    assertThat(scraper.isAlive()).isFalse();
    scrape();
    assertThat(registry.getMeters().stream().filter(m -> String.valueOf(m.getId().getTag("name")).startsWith("mt-race-")))
        .isEmpty();
    assertThat(metrics.monitored()).hasSize(4);
  }

  @Test
  void aMeterRegistryOfAnotherKindWorksToo() {
    // meters are plain Micrometer meters: any registry, here a composite over a simple one
    WorkqueueRuntime rt = runtime(1);
    io.micrometer.core.instrument.composite.CompositeMeterRegistry composite =
        new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
    composite.add(registry);
    WorkqueueMetrics metrics = new WorkqueueMetrics(rt);
    metrics.bindTo(composite);
    Workqueue wq = metrics.monitor(Workqueue.builder("mt-composite").runtime(rt).build());
    wq.queueWork(Work.of(() -> {}));
    wq.destroy();
    MeterRegistry r = composite;
    assertThat(r.get("workqueue.work.completed").tag("name", "mt-composite").functionCounter().count()).isEqualTo(1);
    assertThat(composite.getMeters().stream().filter(m -> "mt-composite".equals(m.getId().getTag("name")))).isEmpty();
  }
}
