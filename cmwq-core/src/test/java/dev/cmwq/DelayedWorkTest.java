package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Delayed work on a {@link ManualTimeSource} (kernel {@code delayed_work}, spec §1.5 and §6 item
 * 5; DESIGN §6): never early, exactly once, {@code mod_delayed_work}, cancel / flush / disable of
 * an armed timer, huge delays, a clock across the wrap, deadline order, destroy and shutdown.
 *
 * <p>Deterministic: time moves only when a test advances the clock. "Did not run" is checked
 * after flushing the workqueue, which waits for everything the advance queued.
 */
class DelayedWorkTest extends TestRuntimes {

  private static final long MS = 1_000_000L;
  private static final long DAY = Duration.ofDays(1).toNanos();

  /** Waits, bounded, for every item queued on {@code wq} so far to finish. */
  private static void flushWq(Workqueue wq) throws Exception {
    wq.flushAsync().get(10, SECONDS);
  }

  /** A blocking call that may hang if the engine is wrong. */
  @FunctionalInterface
  private interface Blocking<T> {
    T call() throws Exception;
  }

  /**
   * Runs {@code call} on a helper thread and waits at most 10 s for it, so a bug fails the test
   * instead of hanging it. Returns: what the call returned; rethrows what it threw.
   */
  private static <T> T bounded(Blocking<T> call) throws Exception {
    FutureTask<T> task = new FutureTask<>(call::call);
    Thread t = new Thread(task, "delayed-work-test-call");
    t.setDaemon(true);
    t.start();
    try {
      return task.get(10, SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } finally {
      t.interrupt(); // no-op once it has returned
    }
  }

  /** Moves {@code clock} forward to exactly {@code target} (compared wrap-safe). */
  private static void advanceTo(ManualTimeSource clock, long target) {
    long by = target - clock.nanoTime();
    assertThat(by).as("advancing to %d from %d", target, clock.nanoTime()).isNotNegative();
    clock.advanceNanos(by);
  }

  /** A delayed item that counts its runs and remembers the thread of its last run. */
  private static final class Counted {
    final AtomicInteger runs = new AtomicInteger();
    final AtomicReference<String> thread = new AtomicReference<>();
    final DelayedWork work =
        DelayedWork.of(
            () -> {
              thread.set(Thread.currentThread().getName());
              runs.incrementAndGet();
            });
  }

  private ManualTimeSource clock;
  private WorkqueueRuntime rt;
  private Workqueue wq;

  private void setUp(long start, int cpus) {
    clock = new ManualTimeSource(start);
    rt = runtime(WorkqueueRuntime.builder().cpus(cpus).timeSource(clock));
    wq = Workqueue.builder("dw").runtime(rt).build();
  }

  private void setUp() {
    setUp(0, 2);
  }

  // ---- arming, pending, exact firing ----

  @Test
  void queueReturnsTrueThenFalseWhileArmedAndItemIsPending() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(c.work.isPending()).isFalse();
    assertThat(c.work.busy()).isEmpty();

    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    assertThat(c.work.isPending()).isTrue();
    assertThat(c.work.busy()).isEqualTo(Set.of(WorkBusy.PENDING));
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).as("second arm while armed").isFalse();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(1))).as("a shorter delay does not re-arm").isFalse();
    assertThat(wq.queueWork(c.work)).as("queueWork while armed").isFalse();
    assertThat(wq.queueDelayedWork(c.work, Duration.ZERO)).as("zero delay while armed").isFalse();

    // the shorter attempts changed nothing: not due at 1 ms
    clock.advance(Duration.ofMillis(1));
    flushWq(wq);
    assertThat(c.runs.get()).isZero();

    advanceTo(clock, 10 * MS);
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(1);
    assertThat(c.work.isPending()).isFalse();
    assertThat(c.work.busy()).isEmpty();
  }

  /** Delays around the tick (2^20 ns) and level boundaries: never before the deadline, then once. */
  @ParameterizedTest
  @ValueSource(
      longs = {
        1, 1000, (1L << 20) - 1, 1L << 20, (1L << 20) + 1, 7_654_321, (64L << 20) + 1, (512L << 20) - 1,
        1_000_000_000, 3_600_000_000_000L
      })
  void doesNotRunBeforeItsDeadlineAndRunsExactlyOnceAtIt(long delayNanos) throws Exception {
    setUp(123_456_789, 2);
    long start = clock.nanoTime();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofNanos(delayNanos))).isTrue();

    advanceTo(clock, start + delayNanos - 1);
    flushWq(wq);
    assertThat(c.runs.get()).as("ran 1 ns before its deadline").isZero();
    assertThat(c.work.isPending()).isTrue();

    advanceTo(clock, start + delayNanos);
    flushWq(wq);
    assertThat(c.runs.get()).as("runs at its deadline").isEqualTo(1);
    assertThat(c.work.isPending()).isFalse();

    clock.advance(Duration.ofHours(2));
    flushWq(wq);
    assertThat(c.runs.get()).as("fires once only").isEqualTo(1);
  }

  @Test
  void zeroDelayQueuesAtOnceWithoutAnyAdvance() throws Exception {
    setUp();
    CountDownLatch ran = new CountDownLatch(1);
    DelayedWork w = DelayedWork.of(ran::countDown);
    assertThat(wq.queueDelayedWork(w, Duration.ZERO)).isTrue();
    awaitLatch(ran);
    flushWq(wq);
    assertThat(clock.nanoTime()).as("the clock never moved").isZero();
    assertThat(w.isPending()).isFalse();

    CountDownLatch ranOn = new CountDownLatch(1);
    DelayedWork w2 = DelayedWork.of(ranOn::countDown);
    assertThat(wq.queueDelayedWorkOn(1, w2, Duration.ZERO)).isTrue();
    awaitLatch(ranOn);
    flushWq(wq);
  }

  /**
   * A time source may read anything, including negative values (System.nanoTime() can): items
   * queued with no delay, and armed ones once due, still get a worker.
   */
  @ParameterizedTest
  @ValueSource(longs = {Long.MIN_VALUE, -1_000_000_000_000L, -1, 0, Long.MAX_VALUE})
  void itemsRunWhateverValueTheClockReads(long start) throws Exception {
    setUp(start, 2);
    CountDownLatch ran = new CountDownLatch(2);
    assertThat(wq.queueDelayedWorkOn(0, DelayedWork.of(ran::countDown), Duration.ZERO)).isTrue();
    assertThat(wq.queueWorkOn(1, Work.of(ran::countDown))).isTrue();
    awaitLatch(ran);
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(1))).isTrue();
    clock.advance(Duration.ofMillis(1));
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(1);
  }

  // ---- mod_delayed_work ----

  @Test
  void modDelayedWorkOnArmedItemReArmsShorter() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(100))).isTrue();
    assertThat(wq.modDelayedWork(c.work, Duration.ofMillis(10))).as("was pending, modified").isTrue();
    assertThat(c.work.isPending()).isTrue();

    advanceTo(clock, 10 * MS - 1);
    flushWq(wq);
    assertThat(c.runs.get()).isZero();
    advanceTo(clock, 10 * MS);
    flushWq(wq);
    assertThat(c.runs.get()).as("fires at the new, earlier deadline").isEqualTo(1);

    advanceTo(clock, 100 * MS);
    flushWq(wq);
    clock.advance(Duration.ofSeconds(1));
    flushWq(wq);
    assertThat(c.runs.get()).as("the old deadline is gone").isEqualTo(1);
    assertThat(c.work.isPending()).isFalse();
  }

  @Test
  void modDelayedWorkOnArmedItemReArmsLonger() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    assertThat(wq.modDelayedWork(c.work, Duration.ofMillis(100))).as("was pending, modified").isTrue();

    advanceTo(clock, 10 * MS);
    flushWq(wq);
    assertThat(c.runs.get()).as("does not fire at the old deadline").isZero();
    assertThat(c.work.isPending()).isTrue();
    advanceTo(clock, 100 * MS - 1);
    flushWq(wq);
    assertThat(c.runs.get()).isZero();
    advanceTo(clock, 100 * MS);
    flushWq(wq);
    assertThat(c.runs.get()).as("fires at the new deadline").isEqualTo(1);
    assertThat(c.work.isPending()).isFalse();
  }

  /** Re-arming within one tick (likely the same wheel bucket) still fires exactly on the new deadline. */
  @Test
  void modDelayedWorkByLessThanATickHonoursTheExactDeadline() throws Exception {
    setUp();
    long base = 10 * MS;
    Counted later = new Counted();
    assertThat(wq.queueDelayedWork(later.work, Duration.ofNanos(base))).isTrue();
    assertThat(wq.modDelayedWork(later.work, Duration.ofNanos(base + 100_000))).isTrue();
    Counted earlier = new Counted();
    assertThat(wq.queueDelayedWork(earlier.work, Duration.ofNanos(base + 100_000))).isTrue();
    assertThat(wq.modDelayedWork(earlier.work, Duration.ofNanos(base))).isTrue();

    advanceTo(clock, base - 1);
    flushWq(wq);
    assertThat(earlier.runs.get()).isZero();
    assertThat(later.runs.get()).isZero();
    advanceTo(clock, base);
    flushWq(wq);
    assertThat(earlier.runs.get()).as("moved earlier by 100 µs: fires at the new deadline").isEqualTo(1);
    assertThat(later.runs.get()).as("moved later by 100 µs: not at the old deadline").isZero();
    advanceTo(clock, base + 100_000 - 1);
    flushWq(wq);
    assertThat(later.runs.get()).isZero();
    advanceTo(clock, base + 100_000);
    flushWq(wq);
    assertThat(later.runs.get()).isEqualTo(1);
    assertThat(earlier.runs.get()).isEqualTo(1);
  }

  @Test
  void modDelayedWorkOnIdleItemReturnsFalseAndArmsIt() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.modDelayedWork(c.work, Duration.ofMillis(5))).as("was idle").isFalse();
    assertThat(c.work.isPending()).isTrue();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(1))).as("armed by mod").isFalse();

    advanceTo(clock, 5 * MS - 1);
    flushWq(wq);
    assertThat(c.runs.get()).isZero();
    advanceTo(clock, 5 * MS);
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(1);

    // the On variant, after it ran: idle again, so false again
    assertThat(wq.modDelayedWorkOn(1, c.work, Duration.ofMillis(5))).isFalse();
    advanceTo(clock, 10 * MS);
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(2);
    assertThat(c.thread.get()).startsWith("kworker/1:");
  }

  @Test
  void modDelayedWorkWithZeroDelayRunsItNow() throws Exception {
    setUp();
    CountDownLatch ran = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    DelayedWork w =
        DelayedWork.of(
            () -> {
              runs.incrementAndGet();
              ran.countDown();
            });
    assertThat(wq.queueDelayedWork(w, Duration.ofHours(1))).isTrue();
    assertThat(wq.modDelayedWork(w, Duration.ZERO)).as("was pending (armed)").isTrue();
    awaitLatch(ran);
    flushWq(wq);
    assertThat(runs.get()).isEqualTo(1);
    assertThat(w.isPending()).as("the timer is gone").isFalse();
    clock.advance(Duration.ofHours(2));
    flushWq(wq);
    assertThat(runs.get()).as("the old timer does not fire").isEqualTo(1);

    CountDownLatch ran2 = new CountDownLatch(1);
    DelayedWork idle = DelayedWork.of(ran2::countDown);
    assertThat(wq.modDelayedWork(idle, Duration.ZERO)).as("was idle").isFalse();
    awaitLatch(ran2);
    flushWq(wq);
  }

  @Test
  void modDelayedWorkOnAnotherWorkqueueRetargetsTheArmedItem() throws Exception {
    setUp();
    Workqueue other = Workqueue.builder("dw-other").runtime(rt).build();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    assertThat(other.modDelayedWork(c.work, Duration.ofMillis(20))).isTrue();
    // the first workqueue's destroy cancels only the items armed for it
    bounded(
        () -> {
          wq.destroy();
          return null;
        });
    assertThat(c.work.isPending()).as("now armed for the other workqueue").isTrue();
    advanceTo(clock, 20 * MS);
    flushWq(other);
    assertThat(c.runs.get()).isEqualTo(1);
    assertThat(other.stats().completed()).as("ran on the workqueue of the mod").isEqualTo(1);
  }

  // ---- cancel, flush, disable of an armed timer ----

  @Test
  void cancelOfArmedItemReturnsTrueAndItNeverFires() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    assertThat(c.work.cancel()).isTrue();
    assertThat(c.work.isPending()).isFalse();
    assertThat(c.work.busy()).isEmpty();
    assertThat(c.work.cancel()).as("second cancel: not pending").isFalse();

    advanceTo(clock, 10 * MS);
    flushWq(wq);
    clock.advance(Duration.ofDays(20));
    flushWq(wq);
    assertThat(c.runs.get()).isZero();

    // it is idle, so it can be armed again
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(1))).isTrue();
    clock.advance(Duration.ofMillis(1));
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(1);
  }

  @Test
  void cancelSyncOfArmedItemReturnsTrueAndItNeverFires() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    assertThat(bounded(() -> c.work.cancelSync())).isTrue();
    assertThat(c.work.isPending()).isFalse();
    assertThat(bounded(() -> c.work.cancelSync())).as("second cancelSync: not pending").isFalse();

    clock.advance(Duration.ofDays(20));
    flushWq(wq);
    assertThat(c.runs.get()).isZero();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(1))).as("enabled again after cancelSync").isTrue();
    assertThat(bounded(() -> c.work.cancelSync())).isTrue();
  }

  /** Once fired, the item sits on the worklist; cancel takes it off there. */
  @Test
  void cancelAfterTheTimerFiredButBeforeTheItemStartedReturnsTrue() throws Exception {
    setUp();
    Workqueue ord = Workqueue.builder("dw-ord").ordered().runtime(rt).build();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Work blocker =
        Work.of(
            () -> {
              started.countDown();
              try {
                release.await(10, SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Counted c = new Counted();
    try {
      assertThat(ord.queueWork(blocker)).isTrue();
      awaitLatch(started);
      assertThat(ord.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
      clock.advance(Duration.ofMillis(10));
      assertThat(c.work.isPending()).as("fired, queued behind the blocker").isTrue();
      assertThat(c.work.cancel()).isTrue();
      assertThat(c.work.isPending()).isFalse();
    } finally {
      release.countDown();
    }
    flushWq(ord);
    assertThat(c.runs.get()).isZero();
  }

  @Test
  void flushOfArmedItemFiresItAtOnceAndWaitsForTheRun() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofHours(1))).isTrue();
    assertThat(bounded(() -> c.work.flush())).as("waited for an instance").isTrue();
    assertThat(c.runs.get()).as("ran before flush returned").isEqualTo(1);
    assertThat(c.work.isPending()).isFalse();
    assertThat(clock.nanoTime()).as("no advance needed").isZero();
    assertThat(bounded(() -> c.work.flush())).as("idle now").isFalse();

    clock.advance(Duration.ofHours(2));
    flushWq(wq);
    assertThat(c.runs.get()).as("the timer was consumed by the flush").isEqualTo(1);

    // the On variant keeps its CPU slot when flushed early
    assertThat(wq.queueDelayedWorkOn(1, c.work, Duration.ofHours(1))).isTrue();
    assertThat(bounded(() -> c.work.flush())).isTrue();
    assertThat(c.runs.get()).isEqualTo(2);
    assertThat(c.thread.get()).startsWith("kworker/1:");
  }

  /**
   * The item was pending when flush() was called, so flush() waits for it and returns true, even
   * when the run it fired finishes before flush() gets to look for it (warm workers make that
   * likely: hence the repetitions).
   */
  @Test
  void flushOfArmedItemReturnsTrueEvenWhenTheRunIsFaster() throws Exception {
    setUp();
    Counted c = new Counted();
    int n = 500;
    int returnedFalse = 0;
    for (int i = 0; i < n; i++) {
      assertThat(wq.queueDelayedWorkOn(i % 2, c.work, Duration.ofHours(1))).isTrue();
      if (!bounded(() -> c.work.flush())) {
        returnedFalse++;
      }
      assertThat(c.runs.get()).as("run %d finished before flush() returned", i).isEqualTo(i + 1);
    }
    assertThat(returnedFalse).as("flush() of an armed item returned false (of %d)", n).isZero();
    assertThat(c.work.isPending()).isFalse();
  }

  @Test
  void disableCoversAnArmedTimer() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    assertThat(c.work.disable()).as("it was pending").isTrue();
    assertThat(c.work.isPending()).isFalse();

    clock.advance(Duration.ofSeconds(1));
    flushWq(wq);
    assertThat(c.runs.get()).as("a disabled timer never fires").isZero();

    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).as("arm while disabled").isFalse();
    assertThat(wq.queueDelayedWork(c.work, Duration.ZERO)).as("zero delay while disabled").isFalse();
    assertThat(wq.modDelayedWork(c.work, Duration.ofMillis(10))).as("mod of an idle disabled item").isFalse();
    assertThat(wq.modDelayedWork(c.work, Duration.ZERO)).isFalse();
    assertThat(c.work.isPending()).as("mod leaves a disabled item idle").isFalse();
    clock.advance(Duration.ofSeconds(1));
    flushWq(wq);
    assertThat(c.runs.get()).isZero();
    assertThat(c.work.disable()).as("already idle").isFalse();

    assertThat(c.work.enable()).as("depth 2 -> 1").isFalse();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isFalse();
    assertThat(c.work.enable()).as("depth 1 -> 0").isTrue();
    assertThat(wq.queueDelayedWork(c.work, Duration.ofMillis(10))).isTrue();
    clock.advance(Duration.ofMillis(10));
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(1);
  }

  @Test
  void disableSyncOfArmedItemReturnsTrue() throws Exception {
    setUp();
    Counted c = new Counted();
    assertThat(wq.modDelayedWork(c.work, Duration.ofMillis(10))).isFalse();
    assertThat(bounded(() -> c.work.disableSync())).isTrue();
    clock.advance(Duration.ofSeconds(1));
    flushWq(wq);
    assertThat(c.runs.get()).isZero();
    assertThat(c.work.enable()).isTrue();
  }

  // ---- CPU slots ----

  @Test
  void queueDelayedWorkOnRunsOnThatCpuSlotsWorker() throws Exception {
    setUp(0, 4);
    List<Counted> items = new ArrayList<>();
    for (int cpu = 0; cpu < 4; cpu++) {
      Counted c = new Counted();
      items.add(c);
      assertThat(wq.queueDelayedWorkOn(cpu, c.work, Duration.ofMillis(1 + cpu))).isTrue();
    }
    clock.advance(Duration.ofMillis(10));
    flushWq(wq);
    for (int cpu = 0; cpu < 4; cpu++) {
      assertThat(items.get(cpu).runs.get()).isEqualTo(1);
      assertThat(items.get(cpu).thread.get()).as("item for cpu %d", cpu).matches("kworker/" + cpu + ":\\d+");
    }
    // re-arming with modDelayedWorkOn moves it to the new slot
    Counted c = items.get(0);
    assertThat(wq.queueDelayedWorkOn(0, c.work, Duration.ofMillis(5))).isTrue();
    assertThat(wq.modDelayedWorkOn(3, c.work, Duration.ofMillis(5))).isTrue();
    clock.advance(Duration.ofMillis(5));
    flushWq(wq);
    assertThat(c.runs.get()).isEqualTo(2);
    assertThat(c.thread.get()).matches("kworker/3:\\d+");

    DelayedWork w = DelayedWork.of(() -> {});
    assertThatThrownBy(() -> wq.queueDelayedWorkOn(4, w, Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpu 4");
    assertThatThrownBy(() -> wq.modDelayedWorkOn(-1, w, Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(w.isPending()).isFalse();
  }

  @Test
  void aManualTimeSourceRunsNoTimerThread() throws Exception {
    String prefix = "dwmanual" + System.nanoTime() + "/";
    ManualTimeSource manual = new ManualTimeSource();
    WorkqueueRuntime r = runtime(WorkqueueRuntime.builder().cpus(1).timeSource(manual).threadNamePrefix(prefix));
    Workqueue q = Workqueue.builder("dw-manual").runtime(r).build();
    Counted c = new Counted();
    assertThat(q.queueDelayedWork(c.work, Duration.ofMillis(1))).isTrue();
    assertThat(threadNames()).doesNotContain(prefix + "timer");
    manual.advance(Duration.ofMillis(1));
    flushWq(q);
    assertThat(c.runs.get()).isEqualTo(1);
    assertThat(c.thread.get()).startsWith(prefix + "0:");
    assertThat(threadNames()).doesNotContain(prefix + "timer");
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
  }

  // ---- huge delays and the wrap ----

  @Test
  void hugeDelaysAreAcceptedAndFireAtTheirDeadline() throws Exception {
    setUp(0, 2);
    Counted month = new Counted();
    Counted year = new Counted();
    Counted forever = new Counted();
    assertThat(wq.queueDelayedWork(month.work, Duration.ofDays(30))).isTrue();
    assertThat(wq.queueDelayedWork(year.work, Duration.ofDays(400))).isTrue();
    assertThat(wq.queueDelayedWork(forever.work, Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
    assertThat(forever.work.isPending()).isTrue();

    for (int d = 1; d < 30; d++) {
      advanceTo(clock, d * DAY);
      flushWq(wq);
      assertThat(month.runs.get()).as("30-day item at day %d", d).isZero();
    }
    advanceTo(clock, 30 * DAY - 1);
    flushWq(wq);
    assertThat(month.runs.get()).isZero();
    advanceTo(clock, 30 * DAY);
    flushWq(wq);
    assertThat(month.runs.get()).isEqualTo(1);
    assertThat(year.runs.get()).isZero();

    for (int d = 37; d < 400; d += 7) {
      advanceTo(clock, d * DAY);
      flushWq(wq);
      assertThat(year.runs.get()).as("400-day item at day %d", d).isZero();
    }
    advanceTo(clock, 400 * DAY - 1);
    flushWq(wq);
    assertThat(year.runs.get()).isZero();
    assertThat(year.work.isPending()).isTrue();
    advanceTo(clock, 400 * DAY);
    flushWq(wq);
    assertThat(year.runs.get()).isEqualTo(1);
    assertThat(month.runs.get()).isEqualTo(1);

    // a century later the saturated delay is still armed
    for (int y = 0; y < 100; y++) {
      clock.advance(Duration.ofDays(365));
    }
    flushWq(wq);
    assertThat(forever.runs.get()).isZero();
    assertThat(forever.work.isPending()).isTrue();
    assertThat(forever.work.cancel()).isTrue();
  }

  /**
   * Each deadline in turn: not at deadline - 1 ns, then at the deadline, from clocks near the
   * wrap of {@code long} and at other extremes.
   */
  @ParameterizedTest
  @ValueSource(longs = {Long.MAX_VALUE - 1_000_000, Long.MAX_VALUE, -1, 0, Long.MIN_VALUE, Long.MAX_VALUE - (1L << 20) + 5})
  void deadlinesAcrossTheWrapFireExactly(long start) throws Exception {
    setUp(start, 2);
    long[] delays = {
      1, 500_000, 999_999, 1_000_000, 1_000_001, 1_048_576, 2 * MS, 70 * MS, 1_000 * MS,
      Duration.ofMinutes(5).toNanos(), Duration.ofHours(5).toNanos(), Duration.ofDays(13).toNanos()
    };
    List<Counted> items = new ArrayList<>();
    for (long d : delays) {
      Counted c = new Counted();
      items.add(c);
      assertThat(wq.queueDelayedWork(c.work, Duration.ofNanos(d))).isTrue();
    }
    for (int i = 0; i < delays.length; i++) {
      advanceTo(clock, start + delays[i] - 1);
      flushWq(wq);
      for (int j = i; j < delays.length; j++) {
        assertThat(items.get(j).runs.get()).as("item %d (delay %d ns) at its deadline - 1 ns", j, delays[i]).isZero();
      }
      advanceTo(clock, start + delays[i]);
      flushWq(wq);
      for (int j = 0; j <= i; j++) {
        assertThat(items.get(j).runs.get()).as("item %d (delay %d ns) after deadline %d", j, delays[j], i).isEqualTo(1);
      }
      for (int j = i + 1; j < delays.length; j++) {
        assertThat(items.get(j).runs.get()).isZero();
      }
    }
  }

  @Test
  void oneBigJumpAcrossTheWrapFiresEverythingDue() throws Exception {
    long start = Long.MAX_VALUE - 1_000_000;
    setUp(start, 2);
    Counted before = new Counted();
    Counted across = new Counted();
    Counted after = new Counted();
    assertThat(wq.queueDelayedWork(before.work, Duration.ofNanos(900_000))).isTrue();
    assertThat(wq.queueDelayedWork(across.work, Duration.ofMillis(3))).isTrue();
    assertThat(wq.queueDelayedWork(after.work, Duration.ofHours(1))).isTrue();
    clock.advance(Duration.ofMillis(3));
    flushWq(wq);
    assertThat(clock.nanoTime()).as("the clock wrapped").isNegative();
    assertThat(before.runs.get()).isEqualTo(1);
    assertThat(across.runs.get()).isEqualTo(1);
    assertThat(after.runs.get()).isZero();
    clock.advance(Duration.ofHours(1));
    flushWq(wq);
    assertThat(after.runs.get()).isEqualTo(1);
  }

  // ---- order ----

  private List<Long> distinctRandomDelays(long seed, int n, long maxNanos) {
    Random rnd = new Random(seed);
    Set<Long> seen = new HashSet<>();
    List<Long> out = new ArrayList<>();
    while (out.size() < n) {
      long d = 1 + (long) (rnd.nextDouble() * maxNanos);
      if (seen.add(d)) {
        out.add(d);
      }
    }
    return out;
  }

  @Test
  void manyItemsFireInDeadlineOrderOnOneBigAdvance() throws Exception {
    setUp(0, 2);
    Workqueue ord = Workqueue.builder("dw-order").ordered().runtime(rt).build();
    int n = 3000;
    List<Long> delays = distinctRandomDelays(42, n, Duration.ofSeconds(20).toNanos());
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      int id = i;
      DelayedWork w =
          DelayedWork.of(
              () -> {
                order.add(id);
                done.countDown();
              });
      assertThat(ord.queueDelayedWork(w, Duration.ofNanos(delays.get(i)))).isTrue();
    }
    clock.advance(Duration.ofSeconds(20));
    awaitLatch(done);
    flushWq(ord);
    List<Integer> expected =
        IntStream.range(0, n).boxed().sorted(Comparator.comparingLong(delays::get)).toList();
    assertThat(order).containsExactlyElementsOf(expected);
  }

  @Test
  void manyItemsFireInDeadlineOrderAcrossRandomAdvances() throws Exception {
    long span = Duration.ofHours(30).toNanos();
    setUp(Long.MAX_VALUE - span / 2, 2); // the wrap falls in the middle
    Workqueue ord = Workqueue.builder("dw-order2").ordered().runtime(rt).build();
    int n = 2000;
    List<Long> delays = distinctRandomDelays(7, n, span);
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      int id = i;
      assertThat(ord.queueDelayedWork(DelayedWork.of(() -> {
        order.add(id);
        done.countDown();
      }), Duration.ofNanos(delays.get(i)))).isTrue();
    }
    Random steps = new Random(11);
    long moved = 0;
    while (moved <= span) {
      long step = 1 + (long) (steps.nextDouble() * span / 50);
      clock.advanceNanos(step);
      moved += step;
    }
    awaitLatch(done);
    flushWq(ord);
    assertThat(order)
        .containsExactlyElementsOf(IntStream.range(0, n).boxed().sorted(Comparator.comparingLong(delays::get)).toList());
  }

  // ---- bad input ----

  @Test
  void badArgumentsAreRejectedWithTheArgumentNamed() {
    setUp();
    DelayedWork w = DelayedWork.of(() -> {});
    Duration neg = Duration.ofNanos(-1);
    assertThatThrownBy(() -> wq.queueDelayedWork(w, neg))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay");
    assertThatThrownBy(() -> wq.queueDelayedWorkOn(0, w, Duration.ofDays(-3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay");
    assertThatThrownBy(() -> wq.modDelayedWork(w, neg))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay");
    assertThatThrownBy(() -> wq.modDelayedWorkOn(1, w, neg))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delay");

    assertThatThrownBy(() -> wq.queueDelayedWork(null, Duration.ofMillis(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("work");
    assertThatThrownBy(() -> wq.queueDelayedWorkOn(0, null, Duration.ofMillis(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("work");
    assertThatThrownBy(() -> wq.modDelayedWork(null, Duration.ofMillis(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("work");
    assertThatThrownBy(() -> wq.queueDelayedWork(w, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("delay");
    assertThatThrownBy(() -> wq.modDelayedWork(w, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("delay");
    assertThatThrownBy(() -> wq.modDelayedWorkOn(0, w, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("delay");
    assertThat(w.isPending()).as("no failed call left the item pending").isFalse();
  }

  // ---- destroy and shutdown ----

  @Test
  void destroyCancelsDelayedItemsArmedForTheWorkqueue() throws Exception {
    setUp();
    Workqueue keep = Workqueue.builder("dw-keep").runtime(rt).build();
    Counted soon = new Counted();
    Counted late = new Counted();
    Counted elsewhere = new Counted();
    assertThat(wq.queueDelayedWork(soon.work, Duration.ofMillis(10))).isTrue();
    assertThat(wq.queueDelayedWorkOn(1, late.work, Duration.ofHours(1))).isTrue();
    assertThat(keep.queueDelayedWork(elsewhere.work, Duration.ofMillis(10))).isTrue();

    bounded(
        () -> {
          wq.destroy();
          return null;
        });
    assertThat(wq.isDestroyed()).isTrue();
    assertThat(soon.work.isPending()).as("cancelled by destroy").isFalse();
    assertThat(late.work.isPending()).as("cancelled by destroy").isFalse();
    assertThat(soon.work.busy()).isEmpty();
    assertThat(elsewhere.work.isPending()).as("armed for another workqueue").isTrue();

    clock.advance(Duration.ofHours(2));
    flushWq(keep);
    assertThat(soon.runs.get()).isZero();
    assertThat(late.runs.get()).isZero();
    assertThat(elsewhere.runs.get()).isEqualTo(1);

    assertThatThrownBy(() -> wq.queueDelayedWork(soon.work, Duration.ofMillis(1)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("destroyed");
    assertThatThrownBy(() -> wq.modDelayedWork(soon.work, Duration.ofMillis(1)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(soon.work.isPending()).isFalse();

    // idle for real: they can be armed on another workqueue and run there
    assertThat(keep.queueDelayedWork(soon.work, Duration.ofMillis(1))).isTrue();
    assertThat(keep.queueDelayedWork(late.work, Duration.ofMillis(1))).isTrue();
    clock.advance(Duration.ofMillis(1));
    flushWq(keep);
    assertThat(soon.runs.get()).isEqualTo(1);
    assertThat(late.runs.get()).isEqualTo(1);
  }

  @Test
  void afterShutdownQueueDelayedWorkIsRejectedAndArmedItemsAreCancelled() throws Exception {
    setUp();
    Counted armed = new Counted();
    assertThat(wq.queueDelayedWork(armed.work, Duration.ofMillis(10))).isTrue();
    rt.shutdown();
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(armed.work.isPending()).as("shutdown cancels armed items").isFalse();

    DelayedWork w = DelayedWork.of(() -> {});
    assertThatThrownBy(() -> wq.queueDelayedWork(w, Duration.ofMillis(1)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageMatching("(?s).*(shut down|destroyed).*");
    assertThatThrownBy(() -> wq.queueDelayedWorkOn(1, w, Duration.ofDays(3)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> wq.modDelayedWork(w, Duration.ofMillis(1)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> wq.queueDelayedWork(w, Duration.ZERO))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(w.isPending()).as("a rejected item is left idle").isFalse();

    clock.advance(Duration.ofSeconds(1));
    assertThat(armed.runs.get()).isZero();
  }

  // ---- periodic pattern, workqueue flush ----

  @Test
  void itemThatReArmsItselfFiresOncePerPeriod() throws Exception {
    setUp();
    long period = 10 * MS;
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean rearmFailed = new AtomicBoolean();
    DelayedWork[] self = new DelayedWork[1];
    self[0] =
        DelayedWork.of(
            () -> {
              runs.incrementAndGet();
              if (!wq.queueDelayedWork(self[0], Duration.ofNanos(period))) {
                rearmFailed.set(true);
              }
            });
    assertThat(wq.queueDelayedWork(self[0], Duration.ofNanos(period))).isTrue();
    for (int i = 1; i <= 25; i++) {
      clock.advanceNanos(period - 1);
      flushWq(wq);
      assertThat(runs.get()).as("period %d, 1 ns early", i).isEqualTo(i - 1);
      clock.advanceNanos(1);
      flushWq(wq);
      assertThat(runs.get()).as("period %d", i).isEqualTo(i);
      assertThat(self[0].isPending()).as("re-armed itself").isTrue();
    }
    assertThat(rearmFailed.get()).as("re-arming from its own function returned false").isFalse();

    assertThat(bounded(() -> self[0].cancelSync())).as("armed, so pending").isTrue();
    clock.advance(Duration.ofSeconds(1));
    flushWq(wq);
    assertThat(runs.get()).isEqualTo(25);
    assertThat(self[0].isPending()).isFalse();
  }

  @Test
  void workqueueFlushDoesNotWaitForArmedTimers() throws Exception {
    setUp();
    Counted armed = new Counted();
    Counted now = new Counted();
    assertThat(wq.queueDelayedWork(armed.work, Duration.ofMinutes(1))).isTrue();
    assertThat(wq.queueWork(now.work)).isTrue();

    bounded(
        () -> {
          wq.flush();
          return null;
        });
    assertThat(now.runs.get()).as("flush waited for the queued item").isEqualTo(1);
    assertThat(armed.runs.get()).isZero();
    assertThat(armed.work.isPending()).isTrue();
    assertThat(armed.work.busy()).isEqualTo(Set.of(WorkBusy.PENDING));

    assertThat(armed.work.cancel()).isTrue();
  }
}
