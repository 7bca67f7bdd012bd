package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Worker lifecycle (spec §2.4, §3.5, §6 item 14): a pool keeps a spare idle worker while it runs
 * items; idle workers beyond {@code 2 + busy/4} exit after the idle timeout; shutdown leaves no
 * thread.
 */
class WorkerLifecycleTest extends TestRuntimes {

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private static String uniquePrefix(String tag) {
    return "wl" + PREFIXES.incrementAndGet() + "-" + tag + "/";
  }

  /** Returns: names of the live threads whose name starts with {@code prefix}, sorted. */
  private static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(prefix))
        .sorted()
        .collect(Collectors.toList());
  }

  @Test
  void idleWorkersBeyondTheFloorExitAfterTheIdleTimeout() throws Exception {
    String prefix = uniquePrefix("idle");
    WorkqueueRuntime rt =
        runtime(WorkqueueRuntime.builder().cpus(1).idleTimeout(Duration.ofMillis(200)).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("wl-burst").unbound().runtime(rt).build();
    int n = 12;
    CountDownLatch started = new CountDownLatch(n);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < n; i++) {
        assertThat(
                wq.queueWork(
                    Work.of(
                        () -> {
                          started.countDown();
                          gate(release);
                        })))
            .isTrue();
      }
      awaitLatch(started, "every item got its own worker");
      assertThat(rt.workerCount()).isGreaterThanOrEqualTo(n);
    } finally {
      release.countDown();
    }
    wq.flush();
    String unboundWorkers = prefix + "u";
    // nothing busy: the kernel keeps two idle workers and reaps the rest
    // (13 workers at most need 11 reaps of one 200 ms timeout each: ~2 s even one at a time)
    await()
        .atMost(Duration.ofSeconds(8))
        .untilAsserted(
            () -> {
              assertThat(liveThreads(unboundWorkers)).hasSizeLessThanOrEqualTo(3);
              assertThat(rt.workerCount()).isLessThanOrEqualTo(3);
            });
    // the floor holds: at least two idle workers stay, however long the pool sits idle
    await()
        .during(Duration.ofMillis(700))
        .atMost(Duration.ofSeconds(3))
        .until(() -> rt.workers().idle() >= 2 && liveThreads(unboundWorkers).size() >= 2);
    WorkerCounts c = rt.workers();
    assertThat(c.running()).isZero();
    assertThat(c.blocked()).isZero();

    // the survivors still serve work
    CountDownLatch again = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      assertThat(wq.queueWork(Work.of(again::countDown))).isTrue();
    }
    awaitLatch(again, "work after the cull ran");
    wq.flush();
  }

  @Test
  void withoutAnIdleTimeoutElapsingTheBurstsWorkersStay() throws Exception {
    String prefix = uniquePrefix("keep");
    // default idle timeout: five minutes
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("wl-keep").unbound().runtime(rt).build();
    int n = 8;
    CountDownLatch started = new CountDownLatch(n);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < n; i++) {
        assertThat(
                wq.queueWork(
                    Work.of(
                        () -> {
                          started.countDown();
                          gate(release);
                        })))
            .isTrue();
      }
      awaitLatch(started, "every item got its own worker");
    } finally {
      release.countDown();
    }
    wq.flush();
    int afterBurst = rt.workerCount();
    assertThat(afterBurst).isGreaterThanOrEqualTo(n);
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> rt.workerCount() == afterBurst);
  }

  @Test
  void aBoundPoolKeepsASpareIdleWorkerWhileItRunsItems() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue wq = Workqueue.builder("wl-spare").runtime(rt).build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch spinning = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      // one item running
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        spinning.countDown();
                        while (!stop.get()) {
                          Thread.onSpinWait();
                        }
                      })))
          .isTrue();
      awaitLatch(spinning, "spinner started");
      // a worker that starts processing makes sure a spare exists first; while two workers race
      // for the first item, the spare can be out of the idle list for a moment, so look until
      // the pool has settled
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                WorkerCounts c = rt.workers();
                assertThat(c.running()).isEqualTo(1);
                assertThat(c.idle()).as("a spare idle worker while one runs").isGreaterThanOrEqualTo(1);
              });

      // a second one that blocks (declared) next to it: still a spare
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        try {
                          Workqueues.blocking(
                              () -> {
                                blocking.countDown();
                                gate(release);
                                return null;
                              });
                        } catch (Exception e) {
                          throw new AssertionError(e);
                        }
                      })))
          .isTrue();
      // it is held back by the running spinner until that one stops
      stop.set(true);
      awaitLatch(blocking, "blocker started");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                WorkerCounts w = rt.workers();
                assertThat(w.blocked()).isEqualTo(1);
                assertThat(w.idle()).as("a blocking item never leaves the pool without a spare").isGreaterThanOrEqualTo(1);
              });
    } finally {
      stop.set(true);
      release.countDown();
    }
    wq.flush();
  }

  @Test
  void shutdownLeavesNoThreadOfTheRuntime() throws Exception {
    String prefix = uniquePrefix("down");
    assertThat(liveThreads(prefix)).as("no thread before the runtime exists").isEmpty();
    ManualTimeSource clock = new ManualTimeSource();
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).threadNamePrefix(prefix).timeSource(clock));
    Workqueue bound = Workqueue.builder("wl-down-b").runtime(rt).build();
    Workqueue highpri = Workqueue.builder("wl-down-h").highpri().runtime(rt).build();
    Workqueue unbound = Workqueue.builder("wl-down-u").unbound().runtime(rt).build();
    Workqueue reclaim = Workqueue.builder("wl-down-r").memReclaim().runtime(rt).build();
    CountDownLatch ran = new CountDownLatch(6);
    for (int cpu = 0; cpu < 2; cpu++) {
      assertThat(bound.queueWorkOn(cpu, Work.of(ran::countDown))).isTrue();
      assertThat(highpri.queueWorkOn(cpu, Work.of(ran::countDown))).isTrue();
    }
    assertThat(unbound.queueWork(Work.of(ran::countDown))).isTrue();
    DelayedWork delayed = DelayedWork.of(ran::countDown);
    assertThat(reclaim.queueDelayedWork(delayed, Duration.ofMillis(10))).isTrue();
    clock.advance(Duration.ofMillis(10));
    awaitLatch(ran, "every item ran");
    bound.flush();
    highpri.flush();
    unbound.flush();
    reclaim.flush();

    List<String> during = liveThreads(prefix);
    assertThat(during).as("workers of every kind").anyMatch(n -> n.matches(java.util.regex.Pattern.quote(prefix) + "\\d+:\\d+"));
    assertThat(during).anyMatch(n -> n.matches(java.util.regex.Pattern.quote(prefix) + "\\d+:\\d+H"));
    assertThat(during).anyMatch(n -> n.matches(java.util.regex.Pattern.quote(prefix) + "u\\d+:\\d+"));
    assertThat(during).contains(prefix + "R-wl-down-r");

    rt.shutdown();
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(liveThreads(prefix)).as("threads left after shutdown").isEmpty();
    assertThat(rt.workerCount()).isZero();
  }
}
