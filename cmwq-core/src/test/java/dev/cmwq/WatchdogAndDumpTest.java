package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Observability (spec §3.8, §4, §6 item 16; DESIGN §7): the watchdog's lockup report, the
 * runtime dump, {@code set_worker_desc}, {@code work_busy} and the worker counts.
 */
class WatchdogAndDumpTest extends TestRuntimes {

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private static String uniquePrefix(String tag) {
    return "wd" + PREFIXES.incrementAndGet() + "-" + tag + "/";
  }

  /** A function that spins, holding its CPU slot without blocking, until {@code stop} is set. */
  private static Runnable spinner(CountDownLatch started, AtomicBoolean stop) {
    return () -> {
      started.countDown();
      long deadline = System.nanoTime() + SECONDS.toNanos(30);
      while (!stop.get() && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
    };
  }

  // ---- watchdog ----

  @Test
  void aPoolWhoseWorklistDoesNotMoveIsReportedAsALockup() throws Exception {
    try (LogCapture log = new LogCapture("dev.cmwq")) {
      // hog detection off: the spinner keeps the slot, nothing lets B start
      WorkqueueRuntime rt =
          runtime(
              WorkqueueRuntime.builder()
                  .cpus(1)
                  .cpuIntensiveThreshold(Duration.ZERO)
                  .watchdogThreshold(Duration.ofMillis(200)));
      Workqueue wq = Workqueue.builder("wd-stuck").runtime(rt).build();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch aStarted = new CountDownLatch(1);
      CountDownLatch bRan = new CountDownLatch(1);
      try {
        assertThat(wq.queueWorkOn(0, Work.of(spinner(aStarted, stop)))).isTrue();
        awaitLatch(aStarted, "A started");
        assertThat(rt.watchdogLockups()).as("nothing waits yet").isZero();
        assertThat(wq.queueWorkOn(0, Work.of(bRan::countDown))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> rt.watchdogLockups() >= 1);
        assertThat(bRan.getCount()).as("B still waits").isEqualTo(1);
        // counted first, then logged with the dump by the sampler thread
        await().atMost(Duration.ofSeconds(10)).until(() -> log.any("workqueue lockup"));
      } finally {
        stop.set(true);
      }
      awaitLatch(bRan, "B ran once A finished");
      wq.flush();
      String report = log.messages.stream().filter(m -> m.contains("workqueue lockup")).findFirst().orElseThrow();
      assertThat(report).contains("cpus=0").contains("stuck for").contains("wd-stuck");
    }
  }

  @Test
  void aZeroWatchdogThresholdNeverReportsALockup() throws Exception {
    try (LogCapture log = new LogCapture("dev.cmwq")) {
      WorkqueueRuntime rt =
          runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO).watchdogThreshold(Duration.ZERO));
      Workqueue wq = Workqueue.builder("wd-off").runtime(rt).build();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch aStarted = new CountDownLatch(1);
      CountDownLatch bRan = new CountDownLatch(1);
      try {
        assertThat(wq.queueWorkOn(0, Work.of(spinner(aStarted, stop)))).isTrue();
        awaitLatch(aStarted, "A started");
        assertThat(wq.queueWorkOn(0, Work.of(bRan::countDown))).isTrue();
        // the pool is stuck for a second, five times a 200 ms threshold: still no report
        assertThat(bRan.await(1, SECONDS)).as("B started while A spun").isFalse();
        assertThat(rt.watchdogLockups()).isZero();
      } finally {
        stop.set(true);
      }
      awaitLatch(bRan, "B ran once A finished");
      wq.flush();
      assertThat(rt.watchdogLockups()).isZero();
      assertThat(log.messages.stream().filter(m -> m.contains("workqueue lockup") && m.contains("wd-off"))).isEmpty();
    }
  }

  // ---- dump ----

  @Test
  void theDumpShowsThePoolTheRunningWorkerAndTheWorkqueueInFlight() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue wq = Workqueue.builder("wd-dump").runtime(rt).build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<String> worker = new AtomicReference<>();
    Runnable spin = spinner(started, stop);
    try {
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        worker.set(Thread.currentThread().getName());
                        spin.run();
                      })))
          .isTrue();
      awaitLatch(started, "item started");
      String dump = rt.dump();
      assertThat(dump).containsPattern("pool \\d+: cpus=0 ");
      assertThat(dump).contains(worker.get() + " running");
      assertThat(dump).contains("workqueue wd-dump");
      assertThat(dump).contains("in-flight");
      assertThat(dump).containsPattern("workqueue wd-dump: [^\\n]*\\n\\s+pwq \\d+: active=1 [^\\n]*in-flight=1");
      assertThat(rt.workers().running()).isEqualTo(1);
    } finally {
      stop.set(true);
    }
    wq.flush();
    String after = rt.dump();
    assertThat(after).doesNotContain(worker.get() + " running");
    assertThat(after).doesNotContain("in-flight=");
  }

  @Test
  void theDumpShowsADeclaredBlockedWorkerAsBlocked() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("wd-blocked").runtime(rt).build();
    CountDownLatch blocking = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<String> worker = new AtomicReference<>();
    try {
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        worker.set(Thread.currentThread().getName());
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
      awaitLatch(blocking, "item blocks");
      assertThat(rt.dump()).contains(worker.get() + " blocked");
      assertThat(rt.workers().blocked()).isEqualTo(1);
      assertThat(rt.workers().running()).isZero();
    } finally {
      release.countDown();
    }
    wq.flush();
    assertThat(rt.dump()).doesNotContain(worker.get() + " blocked");
  }

  @Test
  void setWorkerDescShowsInTheThreadNameWhileTheItemRunsAndInTheDump() throws Exception {
    String prefix = uniquePrefix("desc");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("wd-desc").runtime(rt).build();
    CountDownLatch described = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<String> before = new AtomicReference<>();
    AtomicReference<String> during = new AtomicReference<>();
    AtomicReference<Thread> thread = new AtomicReference<>();
    String dumpWhileRunning;
    try {
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        thread.set(Thread.currentThread());
                        before.set(Thread.currentThread().getName());
                        Workqueues.setWorkerDesc("fetch-42");
                        during.set(Thread.currentThread().getName());
                        described.countDown();
                        try {
                          Workqueues.blocking(
                              () -> {
                                gate(release);
                                return null;
                              });
                        } catch (Exception e) {
                          throw new AssertionError(e);
                        }
                      })))
          .isTrue();
      awaitLatch(described, "item described itself");
      dumpWhileRunning = rt.dump();
    } finally {
      release.countDown();
    }
    wq.flush();
    assertThat(before.get()).matches(java.util.regex.Pattern.quote(prefix) + "0:\\d+");
    assertThat(during.get()).isEqualTo(before.get() + "+fetch-42");
    assertThat(dumpWhileRunning).contains("fetch-42");
    assertThat(thread.get().getName()).as("name restored once the item ended").isEqualTo(before.get()).doesNotContain("+");
  }

  @Test
  void setWorkerDescKeepsAtMost32CharactersAndIsANoOpOffWorkers() throws Exception {
    String prefix = uniquePrefix("desc32");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("wd-desc32").runtime(rt).build();
    String longDesc = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; // 40 characters
    AtomicReference<String> during = new AtomicReference<>();
    AtomicReference<String> before = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    assertThat(
            wq.queueWorkOn(
                0,
                Work.of(
                    () -> {
                      before.set(Thread.currentThread().getName());
                      Workqueues.setWorkerDesc(longDesc);
                      during.set(Thread.currentThread().getName());
                      ran.countDown();
                    })))
        .isTrue();
    awaitLatch(ran, "item ran");
    wq.flush();
    assertThat(during.get()).isEqualTo(before.get() + "+" + longDesc.substring(0, 32));

    String mine = Thread.currentThread().getName();
    Workqueues.setWorkerDesc("not-a-worker");
    assertThat(Thread.currentThread().getName()).isEqualTo(mine);
  }

  // ---- work_busy ----

  @Test
  void busyReportsPendingAndRunning() throws Exception {
    ManualTimeSource clock = new ManualTimeSource();
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).timeSource(clock));
    Workqueue wq = Workqueue.builder("wd-busy").runtime(rt).build();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Work w =
        Work.of(
            () -> {
              if (runs.incrementAndGet() == 1) {
                running.countDown();
                gate(release);
              }
            });
    assertThat(w.busy()).as("idle, never queued").isEmpty();
    try {
      assertThat(wq.queueWorkOn(0, w)).isTrue();
      awaitLatch(running, "item running");
      assertThat(w.busy()).isEqualTo(EnumSet.of(WorkBusy.RUNNING));
      assertThat(wq.queueWorkOn(1, w)).as("requeue while running").isTrue();
      assertThat(w.busy()).isEqualTo(EnumSet.of(WorkBusy.PENDING, WorkBusy.RUNNING));
    } finally {
      release.countDown();
    }
    wq.flush();
    assertThat(runs.get()).isEqualTo(2);
    assertThat(w.busy()).as("idle after both runs").isEmpty();

    DelayedWork d = DelayedWork.of(() -> {});
    assertThat(wq.queueDelayedWork(d, Duration.ofSeconds(5))).isTrue();
    assertThat(d.busy()).as("armed").isEqualTo(EnumSet.of(WorkBusy.PENDING));
    assertThat(d.cancel()).isTrue();
    assertThat(d.busy()).isEmpty();
  }

  // ---- worker counts ----

  @Test
  void blockedItemsAreCountedAsBlockedWorkersAndTheCountsAddUp() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("wd-counts").runtime(rt).build();
    int n = 3;
    CountDownLatch blocking = new CountDownLatch(n);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < n; i++) {
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
      }
      awaitLatch(blocking, "all items block (declared)");
      WorkerCounts c = rt.workers();
      assertThat(c.blocked()).isEqualTo(n);
      assertThat(c.running()).isZero();
      assertThat(c.idle()).as("a spare is kept").isGreaterThanOrEqualTo(1);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(rt.workers().total()).isEqualTo(rt.workerCount()));
      assertThat(rt.dump().split("blocked \\(declared\\)", -1)).hasSize(n + 1);
    } finally {
      release.countDown();
    }
    wq.flush();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              WorkerCounts c = rt.workers();
              assertThat(c.blocked()).isZero();
              assertThat(c.running()).isZero();
              assertThat(c.idle()).isEqualTo(c.total()).isEqualTo(rt.workerCount());
            });
  }
}
