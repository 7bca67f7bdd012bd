package dev.cmwq;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * CPU-intensive work (spec §3.4, §6 item 13): an item that hogs its CPU slot past
 * {@code cpuIntensiveThreshold} leaves concurrency management so others on the slot start; 0
 * disables the detection; a {@code cpuIntensive()} workqueue's items never hold the slot back but
 * are still gated at their start; the hog report backs off (4, 5, 7, 11, ...).
 */
class CpuIntensiveTest extends TestRuntimes {

  /** A work function that spins, using CPU and never blocking, until {@code stop} is set. */
  private static Runnable spinner(CountDownLatch started, AtomicBoolean stop) {
    return () -> {
      started.countDown();
      long deadline = System.nanoTime() + SECONDS.toNanos(30);
      while (!stop.get() && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
    };
  }

  @Test
  void aHogPastTheThresholdLetsTheNextItemOnItsSlotStart() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ofMillis(5)));
    Workqueue wq = Workqueue.builder("ci-hog").runtime(rt).build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch aStarted = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    Work a = Work.of(spinner(aStarted, stop));
    try {
      assertThat(wq.queueWorkOn(0, a)).isTrue();
      awaitLatch(aStarted, "A started");
      assertThat(wq.queueWorkOn(0, Work.of(bStarted::countDown))).isTrue();
      awaitLatch(bStarted, "B started while A still spun");
      assertThat(a.busy()).containsExactly(WorkBusy.RUNNING);
      WorkqueueStats s = wq.stats();
      assertThat(s.cpuIntensive()).isGreaterThanOrEqualTo(1);
      assertThat(s.cmWakeups()).as("the worker woken for B is a CM wake-up").isGreaterThanOrEqualTo(1);
      assertThat(rt.dump()).contains("cpu-intensive");
      // a hog is running, not blocked
      assertThat(rt.workers().blocked()).isZero();
    } finally {
      stop.set(true);
    }
    wq.flush();
    WorkqueueStats s = wq.stats();
    assertThat(s.completed()).isEqualTo(2);
    assertThat(s.cpuIntensive()).isEqualTo(1);
    assertThat(rt.dump()).doesNotContain("cpu-intensive");
  }

  @Test
  void aZeroThresholdDisablesDetectionSoASpinnerHoldsItsSlot() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue wq = Workqueue.builder("ci-off").runtime(rt).build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch aStarted = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    try {
      assertThat(wq.queueWorkOn(0, Work.of(spinner(aStarted, stop)))).isTrue();
      awaitLatch(aStarted, "A started");
      assertThat(wq.queueWorkOn(0, Work.of(bStarted::countDown))).isTrue();
      assertThat(bStarted.await(300, MILLISECONDS)).as("B started while A spun").isFalse();
      assertThat(wq.stats().cpuIntensive()).isZero();
      assertThat(wq.stats().cmWakeups()).isZero();
      assertThat(rt.dump()).doesNotContain("cpu-intensive");
    } finally {
      stop.set(true);
    }
    awaitLatch(bStarted, "B ran once A finished");
    wq.flush();
    assertThat(wq.stats().completed()).isEqualTo(2);
    assertThat(wq.stats().cpuIntensive()).isZero();
  }

  @Test
  void aCpuIntensiveWorkqueuesItemDoesNotHoldBackOthersOnItsSlot() throws Exception {
    // hog detection off: only the workqueue flag can let B start
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue intensive = Workqueue.builder("ci-flagged").cpuIntensive().runtime(rt).build();
    Workqueue normal = Workqueue.builder("ci-normal").runtime(rt).build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch aStarted = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    try {
      assertThat(intensive.queueWorkOn(0, Work.of(spinner(aStarted, stop)))).isTrue();
      awaitLatch(aStarted, "A started");
      assertThat(normal.queueWorkOn(0, Work.of(bStarted::countDown))).isTrue();
      awaitLatch(bStarted, "B started next to a CPU-intensive item");
      assertThat(intensive.stats().inFlight()).isEqualTo(1);
      assertThat(rt.dump()).contains("cpu-intensive");
    } finally {
      stop.set(true);
    }
    intensive.flush();
    normal.flush();
    assertThat(intensive.stats().completed()).isEqualTo(1);
    assertThat(normal.stats().completed()).isEqualTo(1);
  }

  @Test
  void aCpuIntensiveWorkqueuesItemStillWaitsForTheRunningItemToStart() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue intensive = Workqueue.builder("ci-gated").cpuIntensive().runtime(rt).build();
    Workqueue normal = Workqueue.builder("ci-runner").runtime(rt).build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch aStarted = new CountDownLatch(1);
    CountDownLatch cStarted = new CountDownLatch(1);
    try {
      assertThat(normal.queueWorkOn(0, Work.of(spinner(aStarted, stop)))).isTrue();
      awaitLatch(aStarted, "A started");
      assertThat(intensive.queueWorkOn(0, Work.of(cStarted::countDown))).isTrue();
      assertThat(cStarted.await(300, MILLISECONDS))
          .as("the start of a CPU-intensive item is still concurrency-managed")
          .isFalse();
    } finally {
      stop.set(true);
    }
    awaitLatch(cStarted, "C ran once A finished");
    normal.flush();
    intensive.flush();
  }

  @Test
  void anUnboundItemIsNeverCountedAsCpuIntensive() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ofMillis(5)));
    Workqueue wq = Workqueue.builder("ci-unbound").unbound().runtime(rt).build();
    Workqueue bound = Workqueue.builder("ci-bound-ref").runtime(rt).build();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean spunLongEnough = new AtomicBoolean();
    assertThat(
            wq.queueWork(
                Work.of(
                    () -> {
                      // 10 thresholds of CPU time: a bound item would have been flagged long since
                      long start = mx.getCurrentThreadCpuTime();
                      long deadline = System.nanoTime() + SECONDS.toNanos(10);
                      while (mx.getCurrentThreadCpuTime() - start < MILLISECONDS.toNanos(50)
                          && System.nanoTime() - deadline < 0) {
                        Thread.onSpinWait();
                      }
                      spunLongEnough.set(mx.getCurrentThreadCpuTime() - start >= MILLISECONDS.toNanos(50));
                      done.countDown();
                    })))
        .isTrue();
    awaitLatch(done, "unbound spinner done");
    wq.flush();
    assertThat(spunLongEnough).isTrue();
    assertThat(wq.stats().cpuIntensive()).as("CPU_INTENSIVE only on per-CPU workqueues").isZero();
    assertThat(bound.stats().cpuIntensive()).isZero();
  }

  // ---- the hog report (CONFIG_WQ_CPU_INTENSIVE_REPORT) ----

  @Test
  void aFunctionThatKeepsHoggingIsReportedFromTheFourthTimeWithBackOff() throws Exception {
    try (LogCapture log = new LogCapture("dev.cmwq")) {
      WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ofMillis(5)));
      Workqueue wq = Workqueue.builder("ci-report").runtime(rt).build();
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      // one function, run again and again; each run spins until the sampler has flagged it
      Runnable hog =
          () -> {
            long seen = wq.stats().cpuIntensive();
            long deadline = System.nanoTime() + SECONDS.toNanos(10);
            while (wq.stats().cpuIntensive() == seen) {
              if (System.nanoTime() - deadline > 0) {
                problems.add("run " + (seen + 1) + " was never flagged CPU-intensive");
                return;
              }
              Thread.onSpinWait();
            }
          };
      Work w = Work.of(hog);
      int runs = 6;
      for (int i = 1; i <= runs; i++) {
        assertThat(wq.queueWorkOn(0, w)).isTrue();
        assertThat(w.flush()).isTrue();
      }
      assertThat(problems).isEmpty();
      assertThat(wq.stats().cpuIntensive()).isEqualTo(runs);

      Pattern p = Pattern.compile(Pattern.quote(hog.getClass().getName()) + " hogged CPU for >5000us (\\d+) times");
      List<Integer> reported = new ArrayList<>();
      for (String m : log.messages) {
        Matcher mm = p.matcher(m);
        if (mm.find()) {
          reported.add(Integer.parseInt(mm.group(1)));
          assertThat(m).contains("consider switching to WQ_UNBOUND");
        }
      }
      assertThat(reported).as("hog reports by count").containsExactly(4, 5);
    }
  }
}
